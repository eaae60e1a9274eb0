"""Headless Chromium, to look at the network page as a person would: the browser test, the README screenshot
(`scripts/screenshot.sh`) and the fluid-size measurement (`scripts/viz_fluid.py`) share it.

Uses Debian's `chromium` and `chromium-driver` (scripts/system-deps.sh installs them) through selenium, pointed at
both binaries so selenium-manager never tries to download a browser or a driver (downloads fail here). Every run
gets a fresh profile folder and the flags that keep Chromium from calling home, so the only requests left are the
page's own.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
)


def missing() -> str | None:
    """Why the browser cannot run here (None when it can): names what to install."""
    absent = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if absent:
        return f"{' and '.join(absent)} missing; run `bash scripts/system-deps.sh` (apt: chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed; pip install -e '.[dev]'"
    return None


@contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A headless Chromium WebDriver with browser and performance logging on; quits and cleans up after."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    reason = missing()
    if reason:
        raise RuntimeError(reason)
    profile = tempfile.mkdtemp(prefix="rkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")  # belt and braces: selenium-manager must not go online
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, page: Path, timeout: float = 60.0) -> float:
    """Load the page and wait until it says it has drawn the network; returns the seconds that took."""
    start = time.monotonic()
    driver.get(Path(page).resolve().as_uri())
    while time.monotonic() - start < timeout:
        if driver.execute_script("return document.documentElement.dataset.ready === 'true'"):
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"{page}: the network was not drawn within {timeout:.0f} s")


def console_errors(driver: Any) -> list[str]:
    """Console messages at SEVERE level (errors, CSP violations, failed loads) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def requests(driver: Any, page: Path | None = None) -> list[str]:
    """URLs requested (from the DevTools performance log) since the last call; with `page`, only the requests
    made by that page's document, the page itself included (the browser's own start-up pages are left out)."""
    uri = Path(page).resolve().as_uri() if page is not None else None
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        params = message["params"]
        if uri is None or params.get("documentURL") == uri:
            urls.append(params["request"]["url"])
    return urls


def screenshot(page: Path, png: Path, *, width: int = 1400, height: int = 900, timeout: float = 120.0) -> Path:
    """Save a PNG of the page as drawn (after its layout has settled)."""
    with chromium(width, height) as driver:
        # the window size includes the browser's frame; make the page itself exactly width x height
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        open_page(driver, page, timeout)
        driver.execute_script("document.getElementById('tooltip').hidden = true")
        time.sleep(0.3)
        Path(png).parent.mkdir(parents=True, exist_ok=True)
        if not driver.save_screenshot(str(png)):
            raise RuntimeError(f"{png}: Chromium could not write the screenshot")
    return Path(png)
