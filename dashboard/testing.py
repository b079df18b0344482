"""Support for driving the dashboard in a real browser (tests, benchmark, screenshots).

:func:`running_app` serves an app on a free loopback port from a background thread;
:func:`chromium` starts headless Chromium through Selenium with flags that keep it off the
network and working in containers. Nothing here is used by the served dashboard itself.
"""
from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import threading
import time
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMEDRIVER", "CHROMIUM_FLAGS", "browser_available", "running_app", "chromium",
           "wait_for", "graphs_drawn", "PAGE_IS_DRAWN_JS"]

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-extensions", "--window-size=1280,800", "--hide-scrollbars",
                  "--force-device-scale-factor=1")

#: JavaScript: for every plotly graph on the page, its run (layout.meta.run) and number of
#: points, or null while the page is still loading (a callback in flight or a graph not drawn)
PAGE_IS_DRAWN_JS = """
if (document.querySelector('[data-dash-is-loading="true"]')) { return null; }
const graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
if (!graphs.length) { return null; }
const out = [];
for (const g of graphs) {
  if (g.offsetParent === null) { continue; }  // in a hidden section
  if (!g._fullLayout || !g.data) { return null; }
  let points = 0;
  for (const t of (g._fullData || g.data)) {
    for (const key of ['x', 'y', 'z', 'values']) {
      if (t[key] && t[key].length) { points += t[key].length; break; }
    }
  }
  const id = g.parentElement && g.parentElement.id ? g.parentElement.id : (g.id || '');
  out.push({id: id, run: (g.layout.meta && g.layout.meta.run) || '', points: points});
}
return out;
"""


def browser_available() -> bool:
    """Whether headless Chromium and its driver are installed where :func:`chromium` looks."""
    return CHROMIUM.exists() and (CHROMEDRIVER.exists() or shutil.which("chromedriver") is not None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(app, *, port: int | None = None):
    """Serve ``app`` on 127.0.0.1 from a daemon thread; yields the base URL."""
    from werkzeug.serving import make_server

    port = port or _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium(*, width: int = 1280, height: int = 800):
    """A headless Chromium WebDriver with the viewport ``width`` x ``height``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = str(CHROMEDRIVER) if CHROMEDRIVER.exists() else shutil.which("chromedriver")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        # the window size flag sets the outer window; make the viewport itself width x height
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        yield driver
    finally:
        driver.quit()


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.02, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; returns that value."""
    deadline = time.perf_counter() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


def graphs_drawn(driver, *, run: str | None = None):
    """The graphs of the current page once all are drawn with data (and show ``run``, if given)."""
    graphs = driver.execute_script(PAGE_IS_DRAWN_JS)
    if not graphs:
        return None
    if any(g["points"] == 0 for g in graphs):
        return None
    if run is not None and any(g["run"] != run for g in graphs):
        return None
    return graphs
