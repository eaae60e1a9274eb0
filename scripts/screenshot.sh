#!/usr/bin/env bash
# A PNG of the network page, for the README (docs/network.png):
#   scripts/screenshot.sh [GRAPH] [OUT.png] [WIDTHxHEIGHT]
# GRAPH is a build folder (default: build), an RDF file, or a page already written by `kg viz` (*.html).
# Uses headless Debian Chromium (scripts/system-deps.sh installs it) and waits until the page has drawn.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
graph="${1:-build}"
out="${2:-docs/network.png}"
size="${3:-1400x900}"
page="$graph"
if [[ "$graph" != *.html ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  page="$tmp/network.html"
  "$py" -m kg.cli viz --graph "$graph" --out "$page"
fi
"$py" - "$page" "$out" "$size" <<'PY'
import sys
from pathlib import Path

from kg.outputs.browser import screenshot

page, out, size = sys.argv[1:]
width, height = (int(x) for x in size.lower().split("x"))
print(screenshot(Path(page), Path(out), width=width, height=height))
PY
