"""Measure how large a network page stays fluid: write pages of growing synthetic graphs and time them in
headless Chromium.

    .venv/bin/python scripts/viz_fluid.py [N_CONDITIONS ...]     (default: 100 300 1000 3000 6000)

For each size it prints: nodes, edges, page size, seconds to write the page (layout + render), seconds until the
page has drawn in Chromium, and the median milliseconds of one frame drawn with every edge (a still view), one
frame as drawn during a pan or zoom (vis-network hides edges then), a click highlighting a neighbourhood, a search
that focuses a condition, and hiding then showing one entity type. Frames are timed inside the page between
vis-network's beforeDrawing/afterDrawing events. Headless Chromium here renders on the CPU (SwiftShader, no GPU),
so a desktop browser is faster; read the numbers as an upper bound.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixtures.viz.synth import synthetic_store  # noqa: E402

from kg.outputs import browser, viz  # noqa: E402

PROBE = """
const net = rkg.network, times = [];
let t0 = 0;
const before = () => { t0 = performance.now(); }, after = () => { times.push(performance.now() - t0); };
net.on('beforeDrawing', before); net.on('afterDrawing', after);
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
function frames(n) {
  times.length = 0;
  const s0 = net.getScale();
  for (let i = 0; i < n; i++) { net.moveTo({scale: s0 * (1 + (i % 2) * 0.02)}); net.redraw(); }
  return median(times);
}
function timed(f, n) {
  const out = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); f(i); net.redraw(); out.push(performance.now() - t); }
  return median(out);
}
const still = frames(7);
net.renderer.zooming = true;  // what vis-network does while a wheel zoom is under way: edges are not drawn
const moving = frames(7);
net.renderer.zooming = false;
const ids = rkg.nodes.getIds({filter: (n) => n.group === 'condition'});
const pick = (i) => ids[(i * 7919) % ids.length];
const click = timed((i) => rkg.highlight(pick(i)), 5);
rkg.clearHighlight();
const names = ids.slice(0, 5).map((id) => rkg.nodes.get(id).label);
const search = timed((i) => rkg.focusNode(rkg.find(names[i])[0]), 5);
rkg.clearHighlight();
const filter = timed((i) => rkg.setShown('condition', i % 2 === 1), 4);
net.off('beforeDrawing', before); net.off('afterDrawing', after);
return {still, moving, click, search, filter};
"""


def measure(n_conditions: int, folder: Path) -> dict[str, float]:
    store = synthetic_store(n_conditions)
    page = folder / f"net-{n_conditions}.html"
    start = time.monotonic()
    summary = viz.write_html(store, page)
    write_s = time.monotonic() - start
    with browser.chromium() as driver:
        ready_s = browser.open_page(driver, page, timeout=600)
        probe = driver.execute_script(PROBE)
        errors = browser.console_errors(driver)
    return {
        "conditions": n_conditions,
        "nodes": summary.nodes,
        "edges": summary.edges,
        "MB": round(summary.bytes / 1e6, 1),
        "write_s": round(write_s, 1),
        "ready_s": round(ready_s, 1),
        **{f"{k}_ms": round(v) for k, v in probe.items()},
        "errors": len(errors),
    }


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 300, 1000, 3000, 6000]
    reason = browser.missing()
    if reason:
        print(f"viz_fluid: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rkg-fluid-") as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
        for row in rows:
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    print("median write_s per node:", statistics.median(r["write_s"] / max(1, r["nodes"]) for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
