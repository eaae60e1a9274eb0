"""Measure how large a network page stays fluid: write pages of growing synthetic graphs and time them in
headless Chromium.

    .venv/bin/python scripts/viz_fluid.py [N_CONDITIONS ...]     (default: 100 300 1000 3000 6000)

Pages are drawn whole (`max_nodes=0`), past the cap a page would otherwise have (`viz.MAX_NODES`), since finding
where that cap belongs is the point. For each size it prints: nodes, edges, page size, CPU seconds to write the page
(read, layout, render), seconds until the page has drawn in Chromium, and the median milliseconds from an action to
the painted frame showing it: a zoom
step on the whole network with every edge drawn (`still`), the same while a zoom or drag is under way (vis-network
leaves edges out then: `moving`), a zoom step at 100 % (`close`), a click highlighting a neighbourhood, a search
focusing a condition, and hiding/showing all conditions (`filter`). Headless Chromium here draws on the CPU
(SwiftShader, --disable-gpu) on a 2-vCPU VM, so a desktop browser is faster: read the numbers as upper bounds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixtures.viz.synth import synthetic_store  # noqa: E402

from kg.outputs import browser, viz  # noqa: E402

# Each step runs an action, then waits two animation frames: the second one starts only after the frame showing
# the action has been painted, so the time includes canvas drawing and compositing, not just the script.
PROBE = """
const done = arguments[arguments.length - 1];
const net = rkg.network;
const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(action, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    action(i);
    await frame();
    out.push(performance.now() - t);
  }
  return Math.round(median(out));
}
(async () => {
  await frame();
  const s0 = net.getScale();
  const zoom = (i) => net.moveTo({scale: s0 * (i % 2 ? 1.02 : 0.98)});
  const still = await timed(zoom, 7);
  net.renderer.zooming = true;  // as during a wheel zoom or a drag: vis-network leaves the edges out
  const moving = await timed(zoom, 7);
  net.renderer.zooming = false;
  net.moveTo({scale: 1.0});
  const close = await timed((i) => net.moveTo({scale: i % 2 ? 1.02 : 0.98}), 5);
  net.fit({animation: false});
  const ids = rkg.nodes.getIds({filter: (n) => n.group === 'condition'});
  const pick = (i) => ids[(i * 7919) % ids.length];
  const click = await timed((i) => rkg.highlight(pick(i)), 5);
  rkg.clearHighlight();
  const names = [0, 1, 2, 3, 4].map((i) => rkg.nodes.get(pick(i + 11)).label);
  const search = await timed((i) => rkg.focusNode(rkg.find(names[i])[0]), 5);
  rkg.clearHighlight();
  net.fit({animation: false});
  const filter = await timed((i) => rkg.setShown('condition', i % 2 === 1), 4);
  done({still, moving, close, click, search, filter});
})();
"""


def measure(n_conditions: int, folder: Path) -> dict[str, float]:
    store = synthetic_store(n_conditions)
    page = folder / f"net-{n_conditions}.html"
    start = time.process_time()
    summary = viz.write_html(store, page, max_nodes=0)
    write_s = time.process_time() - start
    with browser.chromium() as driver:
        ready_s = browser.open_page(driver, page, timeout=600)
        driver.set_script_timeout(600)
        probe = driver.execute_async_script(PROBE)
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
        for n in sizes:
            row = measure(n, Path(tmp))
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
