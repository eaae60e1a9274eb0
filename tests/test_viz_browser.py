"""The network page as a person meets it: opened from disk in headless Chromium (Debian's chromium and
chromedriver, driven by selenium; see kg/outputs/browser.py). No console errors, no network requests, every node
drawn, the search focuses a condition, hostile summary text shows as text, an overview says what it leaves out and
tells how to draw the rest, and a 5,000-node page opens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fixtures.viz.synth import synthetic_store

from kg.outputs import browser, viz

MINI = Path(__file__).parent / "fixtures" / "viz" / "mini.ttl"
_MISSING = browser.missing()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(_MISSING is not None, reason=f"needs Chromium: {_MISSING}"),
]


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with browser.chromium(1200, 800) as d:
        d.set_script_timeout(30)
        yield d


def _wait(driver: Any, script: str, timeout: float = 10.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value or time.monotonic() > end:
            return value
        time.sleep(0.05)


def _open(driver: Any, page: Path, timeout: float = 30.0) -> None:
    browser.requests(driver)  # forget what the browser fetched before
    browser.console_errors(driver)
    browser.open_page(driver, page, timeout)


def _search(driver: Any, text: str) -> None:
    box = driver.find_element("id", "search-input")
    box.clear()
    box.send_keys(text + "\n")


def _centred_on(driver: Any, node_id: str) -> bool:
    """Whether the view ends up centred on the node (the small page animates the move for 0.4 s)."""
    return bool(
        _wait(
            driver,
            (
                f"const p = rkg.network.getPositions(['{node_id}'])['{node_id}'], v = rkg.network.getViewPosition();"
                "return Math.hypot(p.x - v.x, p.y - v.y) < 5;"
            ),
        )
    )


def test_small_page_offline_complete_searchable_and_safe(driver: Any, tmp_path: Path) -> None:
    graph = rdflib.Graph().parse(MINI)
    page = tmp_path / "mini.html"
    summary = viz.write_html(graph, page)
    _open(driver, page)

    assert browser.console_errors(driver) == []
    assert browser.requests(driver, page) == [page.resolve().as_uri()]
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    drawn = driver.execute_script(
        "return [rkg.nodes.length, rkg.edges.length, Object.keys(rkg.network.getPositions()).length,"
        " rkg.network.body.nodeIndices.length, rkg.network.body.edgeIndices.length]"
    )
    projection = viz.project(graph)
    assert drawn == [summary.nodes, summary.edges, summary.nodes, summary.nodes, summary.edges]
    assert summary.nodes == projection.number_of_nodes() and summary.edges == projection.number_of_edges()

    # the search finds a condition by a synonym, selects it, centres it and shows its details
    _search(driver, "mermaid SYNDROME")
    assert _wait(driver, "return rkg.network.getSelectedNodes()[0] === 'cond:sirenomelia'")
    assert _centred_on(driver, "cond:sirenomelia")
    details = driver.find_element("id", "details").text
    assert "Sirenomelia" in details and "Diabetes in the mother is the best known risk factor." in details
    assert "data/summaries/sirenomelia.txt, characters 200–253" in details
    assert driver.execute_script("return rkg.edgeLabels") == 3  # the relation painted on each highlighted link
    status = driver.find_element("id", "search-status").text
    assert status == "Found Sirenomelia (as “Mermaid syndrome”)."
    _search(driver, "no such condition")
    assert driver.find_element("id", "search-status").text == "Nothing is named “no such condition”."

    # hostile text: searched by its own markup, shown as text in the details and in the hover tooltip
    _search(driver, "<script>alert(1)</script>")
    assert _wait(driver, "return rkg.network.getSelectedNodes()[0] === 'cond:tricky-syndrome'")
    details = driver.find_element("id", "details").text
    assert "<script>alert(1)</script>" in details
    assert 'Smoking "><img src=x onerror=alert(1)> raises the risk </script><script>alert(2)</script>.' in details
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = driver.find_element("css selector", "#network canvas")
    ActionChains(driver).move_to_element(canvas).move_by_offset(1, 1).move_by_offset(-1, -1).perform()
    assert _wait(driver, "return !document.getElementById('tooltip').hidden")
    tip = driver.find_element("id", "tooltip").text
    assert "Tricky syndrome" in tip and "<script>alert(1)</script>" in tip
    counts = driver.execute_script(
        "return [document.images.length, document.scripts.length, document.querySelectorAll('[onerror]').length]"
    )
    assert counts == [0, 6, 0]

    # filters by entity type: hiding conditions hides their links too
    driver.find_element("css selector", "input[data-type='condition']").click()
    assert _wait(driver, "return rkg.network.body.nodeIndices.length === 6")
    assert driver.execute_script("return rkg.network.body.edgeIndices.length") == 0
    assert driver.find_element("id", "counts").text == "6 of 9 nodes and 0 of 8 links shown"
    driver.find_element("css selector", "input[data-type='condition']").click()
    assert _wait(driver, "return rkg.network.body.nodeIndices.length === 9")

    # clicking the background clears the highlight; clicking a node highlights its neighbourhood
    driver.execute_script("rkg.network.fit({animation: false})")
    empty = driver.execute_script(  # a point of the canvas with no node or link under it, clear of the panels
        "const c = document.querySelector('#network canvas'), w = c.clientWidth, h = c.clientHeight;"
        "for (let y = 20; y < h - 20; y += 15) for (let x = 300; x < w - 360; x += 15)"
        "  if (rkg.network.getNodeAt({x, y}) === undefined && rkg.network.getEdgeAt({x, y}) === undefined)"
        "    return [x - w / 2, y - h / 2];"
    )
    ActionChains(driver).move_to_element_with_offset(canvas, round(empty[0]), round(empty[1])).click().perform()
    assert _wait(driver, "return rkg.network.getSelectedNodes().length === 0")
    xy = driver.execute_script(
        "const p = rkg.network.getPositions(['risk:maternal-diabetes'])['risk:maternal-diabetes'];"
        "const d = rkg.network.canvasToDOM(p); const c = document.querySelector('#network canvas');"
        "return [d.x - c.clientWidth / 2, d.y - c.clientHeight / 2];"
    )
    ActionChains(driver).move_to_element_with_offset(canvas, round(xy[0]), round(xy[1])).click().perform()
    assert _wait(driver, "return rkg.network.getSelectedNodes()[0] === 'risk:maternal-diabetes'")
    assert "Go to a neighbour" in driver.find_element("id", "details").text

    assert browser.console_errors(driver) == []
    assert browser.requests(driver, page) == []


def test_overview_says_what_it_leaves_out_and_how_to_draw_it(driver: Any, tmp_path: Path) -> None:
    page = tmp_path / "overview.html"
    store = synthetic_store(300)
    summary = viz.write_html(store, page, max_nodes=120)
    assert summary.overview
    _open(driver, page)
    assert browser.console_errors(driver) == []
    assert browser.requests(driver, page) == [page.resolve().as_uri()]
    assert driver.find_element("id", "overview").text == summary.overview
    assert driver.execute_script("return rkg.network.body.nodeIndices.length") == summary.nodes
    missing = driver.execute_script(
        "for (let i = 0; i < 300; i++) { const id = 'cond:condition-' + String(i).padStart(6, '0');"
        "  if (rkg.nodes.get(id) === null) return id; }"
    )
    assert missing
    # a condition left off the page is still found, by name, and the page says how to draw it
    net = viz.read_network(store)
    name = net.labels[net.index["https://w3id.org/rare-kg/condition/" + missing.split(":", 1)[1]]]
    _search(driver, name)
    status = driver.find_element("id", "search-status").text
    assert status == f"{name} is not drawn on this overview. Draw it with kg viz --condition {missing} --out page.html."
    assert driver.execute_script("return rkg.network.getSelectedNodes().length") == 0
    # one on the page is focused as usual, and a shared node that lost links says how many it has
    shown = driver.execute_script("return rkg.nodes.get({filter: (n) => n.group === 'condition'})[0].label")
    _search(driver, shown)
    assert driver.find_element("id", "search-status").text.startswith(f"Found {shown}")
    hub = driver.execute_script(
        "const d = JSON.parse(document.getElementById('rkg-data').textContent);"
        "const k = Object.keys(d.info).find((i) => d.info[i].links);"
        "return JSON.parse(document.getElementById('rkg-nodes').textContent).id[k];"
    )
    driver.execute_script(f"rkg.focusNode('{hub}')")
    assert "Links in the whole graph" in driver.find_element("id", "details").text
    assert browser.console_errors(driver) == []
    assert browser.requests(driver, page) == []


def test_five_thousand_nodes_open_without_physics_and_stay_searchable(driver: Any, tmp_path: Path) -> None:
    page = tmp_path / "large.html"
    summary = viz.write_html(synthetic_store(3100), page, max_nodes=0)
    assert summary.nodes >= 5000 and summary.physics is False
    start = time.monotonic()
    _open(driver, page, timeout=60)
    opened = time.monotonic() - start
    assert browser.console_errors(driver) == []
    assert browser.requests(driver, page) == [page.resolve().as_uri()]
    assert driver.execute_script("return rkg.network.body.nodeIndices.length") == summary.nodes
    assert driver.execute_script("return rkg.network.physics.options.enabled") is False
    target = driver.execute_script("return rkg.nodes.get('cond:condition-001234').label")
    _search(driver, target)
    assert _wait(driver, "return rkg.network.getSelectedNodes()[0] === 'cond:condition-001234'")
    assert _centred_on(driver, "cond:condition-001234")
    assert opened < 60
