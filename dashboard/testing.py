"""Support for driving the dashboard in a real browser (tests, benchmark, screenshots).

:func:`running_app` serves an app on a free loopback port from a background thread;
:func:`chromium` starts headless Chromium through Selenium with flags that keep it off the
network and working in containers. Nothing here is used by the served dashboard itself.
"""
from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import threading
import time
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMEDRIVER", "CHROMIUM_FLAGS", "browser_available", "running_app", "chromium",
           "wait_for", "graphs_drawn", "PAGE_IS_DRAWN_JS", "open_dropdown_option", "timed_switch", "with_plan",
           "text_widths", "set_language"]

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-extensions", "--window-size=1280,800", "--hide-scrollbars",
                  "--force-device-scale-factor=1",
                  # a desktop with a mouse: headless reports no hover, and plotly then shows every
                  # graph's mode bar all the time, over the titles
                  ("--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
                   "availablePointerTypes=4"))

#: JavaScript: for every plotly graph on the page, its run (layout.meta.run) and number of
#: points, or null while the page is still loading (a callback in flight or a graph not drawn)
PAGE_IS_DRAWN_JS = """
if (document.querySelector('[data-dash-is-loading="true"]')) { return null; }
const graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
if (!graphs.length) { return null; }
const out = [];
for (const g of graphs) {
  if (g.closest('[hidden]')) { continue; }  // in a hidden section (no layout read: cheap per frame)
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
def chromium(*, width: int = 1280, height: int = 800, download_dir: Path | None = None):
    """A headless Chromium WebDriver with the viewport ``width`` x ``height``; files it downloads
    go to ``download_dir`` when given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if download_dir is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                  "download.prompt_for_download": False})
    driver_path = str(CHROMEDRIVER) if CHROMEDRIVER.exists() else shutil.which("chromedriver")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        # the window size flag sets the outer window; make the viewport itself width x height
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if download_dir is not None:
            driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                                "downloadPath": str(download_dir)})
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


def open_dropdown_option(driver, dropdown_id: str, value: str) -> None:
    """Pick ``value`` in a Dash dropdown the way a person does: open it, click the option."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, dropdown_id).click()
    option = wait_for(lambda: driver.find_elements(
        By.XPATH, f"//*[@role='option'][.//input[@value={_xpath_literal(value)}]]"),
        timeout=10, message=f"option {value!r} of {dropdown_id}")
    option[0].click()


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


_TIMED_SWITCH_JS = """
const [dropdownId, value, run, timeoutMs, done] = arguments;
const drawn = new Function(DRAWN_JS);
document.getElementById(dropdownId).click();
const started = performance.now();
const pick = () => {
  const input = Array.from(document.querySelectorAll('[role=option] input')).find(i => i.value === value);
  if (!input) { return performance.now() - started > timeoutMs ? done(-1) : requestAnimationFrame(pick); }
  const t0 = performance.now();
  input.closest('[role=option]').click();
  const poll = () => {
    const graphs = drawn();
    if (graphs && graphs.every(g => g.points > 0 && g.run === run)) { return done(performance.now() - t0); }
    if (performance.now() - t0 > timeoutMs) { return done(-1); }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
};
requestAnimationFrame(pick);
""".replace("DRAWN_JS", json.dumps(PAGE_IS_DRAWN_JS))


def timed_switch(driver, dropdown_id: str, value: str, *, run: str | None = None, timeout: float = 30.0) -> float:
    """Pick ``value`` in a run dropdown and return the seconds until every graph shows that run.

    Timed inside the page, from the click on the option to the first animation frame in which
    every visible graph is drawn with data of ``run`` (default ``value``) and no callback is
    pending.
    """
    driver.set_script_timeout(timeout + 5)
    ms = driver.execute_async_script(_TIMED_SWITCH_JS, dropdown_id, value, run or value, timeout * 1000)
    if ms is None or ms < 0:
        raise TimeoutError(f"the page did not show run {run or value} within {timeout:.0f} s")
    return ms / 1000.0


#: JavaScript: the rendered width (px) of a string in an element's own font, next to the width
#: of as many characters no font has (U+E000.., private use: drawn as the font's empty box)
_WIDTHS_JS = """
const [selector, text] = arguments;
const el = document.querySelector(selector);
if (!el) { return null; }
const style = getComputedStyle(el);
const probe = document.createElement('span');
probe.style.font = style.font;
probe.style.whiteSpace = 'nowrap';
probe.style.position = 'absolute';
probe.style.visibility = 'hidden';
document.body.appendChild(probe);
probe.textContent = text;
const width = probe.getBoundingClientRect().width;
probe.textContent = Array.from(text).map((_, i) => String.fromCharCode(0xE000 + i)).join('');
const boxes = probe.getBoundingClientRect().width;
probe.remove();
return {width: width, boxes: boxes, font_px: parseFloat(style.fontSize), family: style.fontFamily};
"""


def text_widths(driver, selector: str, text: str) -> dict | None:
    """How wide ``text`` renders in the font of the element at ``selector``, beside a string of
    glyphs no font has (empty boxes): Chinese drawn as boxes has the boxes' width, Chinese drawn
    by a CJK font is one em per character."""
    return driver.execute_script(_WIDTHS_JS, selector, text)


def set_language(driver, base_url: str, lang: str) -> None:
    """Choose the dashboard's language the way the header's switch does (its cookie)."""
    from .ui import LANG_COOKIE

    driver.get(base_url + "/_dash-layout")  # any page of the server: cookies are per site
    driver.add_cookie({"name": LANG_COOKIE, "value": lang, "path": "/"})


def with_plan(run_dir: Path, out: Path) -> Path:
    """A copy of the results folder ``run_dir`` with a small station plan (one charging and one
    integrated site, in the first zones of Futian and Nanshan), so that pages and exports of a
    plan can be shown without planning one. The numbers are illustrative, not a plan."""
    import pandas as pd

    from szplan.fleetsim.runs.results import MANIFEST, read_manifest, read_table

    shutil.copytree(run_dir, out)
    zones = read_table(out, "zones")
    first = {d: int(zones.loc[zones["district"] == d, "zone_id"].iloc[0]) for d in ("Futian", "Nanshan")}
    units = dict.fromkeys(("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw", "lng_dispenser",
                           "h2_dispenser", "swap_bay"), 0)
    rows = [{"site": f"plan-{first['Futian']}", "zone_id": first["Futian"], "kind": "charging",
             **units, "dc_120kw": 4, "capex_cny": 1.0e6, "year_built": 2025, "arrivals_per_day": 40.0},
            {"site": f"plan-{first['Nanshan']}", "zone_id": first["Nanshan"], "kind": "integrated",
             **units, "dc_480kw": 1, "swap_bay": 2, "capex_cny": 3.0e6, "year_built": 2030, "arrivals_per_day": 10.0}]
    siting = pd.DataFrame(rows)
    centres = zones.set_index("zone_id")
    siting["lon"] = siting["zone_id"].map(centres["lon"])
    siting["lat"] = siting["zone_id"].map(centres["lat"])
    siting["expected_utilisation"], siting["expected_wait_p95_min"] = 0.5, 2.0
    siting.to_parquet(out / "siting.parquet", index=False)
    manifest = read_manifest(out)
    manifest["siting"] = {"phases": [], "notes": ["illustrative plan"]}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out
