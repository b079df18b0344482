"""The dashboard in a real headless Chromium: every page draws its figures from a real run with
no error and no request leaving the machine, in English and in Chinese (drawn by a CJK font, not
as empty boxes), the download buttons give the export files, and a run launched from the Run
page appears. Each page is photographed at 1280x800 into a temporary folder (the README's
screenshots are refreshed by ``python -m dashboard.screenshots docs/screenshots``)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from szplan.dashboard import create_app
from szplan.dashboard.testing import (CHROMIUM, chromium, graphs_drawn, open_dropdown_option, running_app, text_widths,
                                      wait_for, with_plan)
from szplan.fleetsim.runs.run import run_scenario
from szplan.fleetsim.runs.scenario import load_scenario

pytestmark = [pytest.mark.slow, *[
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install chromium chromium-driver)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]]

PAGES = (("targets", "/"), ("fleet", "/fleet"), ("day", "/day"), ("stations", "/stations"),
         ("scenarios", "/scenarios"))


@pytest.fixture(scope="module")
def session(small_run, tmp_path_factory):
    """The dashboard over the small 2030 run and a 2025 run to compare it with, served on
    127.0.0.1, and a browser looking at it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    tmp = tmp_path_factory.mktemp("browser")
    base = load_scenario("shenzhen-2025")
    other = run_scenario(base.model_copy(update={"simulation": base.simulation.model_copy(
        update={"sample": 0.002, "progress": False})}), out_dir=tmp / "results" / "shenzhen-2025")
    plan = with_plan(small_run.path, tmp / "results" / "with-plan")
    app = create_app([small_run.path, other.path, plan], runs_root=tmp / "runs", cache_dir=tmp / "cache")
    downloads = tmp / "downloads"
    downloads.mkdir()
    with running_app(app) as url, chromium(width=1280, height=800, download_dir=downloads) as driver:
        yield {"url": url, "driver": driver, "run": str(small_run.path.resolve()), "runs_root": tmp / "runs",
               "plan": str(plan.resolve()), "downloads": downloads, "shots": tmp / "screenshots"}


def _page_problems(driver, url: str) -> list[str]:
    """Error boxes with text, Dash front-end errors, browser errors and requests off this server."""
    problems = driver.execute_script("""
        const out = [];
        document.querySelectorAll('.page-error').forEach(e => { if (e.textContent.trim()) out.push(e.textContent); });
        document.querySelectorAll('.dash-fe-error, .dash-error').forEach(e => out.push('dash: ' + e.textContent));
        return out;""")
    problems += [f"console: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    problems += [f"left the machine: {r}" for r in resources if not r.startswith((url, "data:", "blob:"))]
    return problems


def _shoot(driver, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.mark.parametrize("name,path", PAGES)
def test_page_draws_its_figures_without_errors(session, name, path):
    url, driver, run_id = session["url"], session["driver"], session["run"]
    driver.get(url + path)
    graphs = wait_for(lambda: graphs_drawn(driver), timeout=60, message=f"the graphs of {path}")
    assert graphs and all(g["points"] > 0 for g in graphs), graphs
    if name != "scenarios":
        assert {g["run"] for g in graphs} == {run_id}
    assert _page_problems(driver, url) == []
    assert driver.execute_script("return window.innerWidth") == 1280
    assert _shoot(driver, session["shots"], name).stat().st_size > 10_000


def test_station_table_filters_in_the_browser(session):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, driver = session["url"], session["driver"]
    driver.get(url + "/stations")
    wait_for(lambda: graphs_drawn(driver), timeout=60)

    def cells():
        return driver.find_elements(By.CSS_SELECTOR, "#stations-table td[data-dash-column='kind']")

    assert wait_for(cells, message="station table rows")
    box = driver.find_element(By.CSS_SELECTOR, "#stations-table th.dash-filter[data-dash-column='kind'] input")
    box.send_keys("lng" + Keys.ENTER)
    wait_for(lambda: cells() and all(c.text == "lng" for c in cells()), timeout=20, message="filtered rows")


def _set_input(driver, component_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.CSS_SELECTOR, f"input#{component_id}")
    box.click()
    box.send_keys(Keys.CONTROL + "a", Keys.DELETE)
    box.send_keys(value, Keys.ENTER)


def test_launch_a_run_from_the_run_page_and_open_it(session):
    from selenium.webdriver.common.by import By

    url, driver, runs_root = session["url"], session["driver"], session["runs_root"]
    driver.get(url + "/run")

    def text(element_id: str) -> str:
        found = driver.find_elements(By.ID, element_id)
        return found[0].text if found else ""

    wait_for(lambda: "Valid" in text("run-check"), timeout=30, message="the form")
    _set_input(driver, "run-name", "browser-run")
    _set_input(driver, "run-sample", "0.002")
    wait_for(lambda: "browser-run" in text("run-check") and "0.002" in text("run-check"), timeout=20,
             message="the levers to be validated")
    button = driver.find_element(By.ID, "run-launch")
    button.click()
    wait_for(lambda: "finished" in text("run-message") or "failed" in text("run-message"), timeout=300,
             interval=0.5, message="the run to finish")
    assert "finished" in text("run-message"), text("run-message")
    assert (runs_root / "browser-run" / "manifest.json").is_file()
    wait_for(lambda: "browser-run" in text("run-list"), timeout=20, message="the new run in the run list")
    assert button.is_enabled()
    assert driver.find_element(By.ID, "run-progress").get_attribute("value") == "100"
    assert _page_problems(driver, url) == []
    _shoot(driver, session["shots"], "run")

    new_run = str((runs_root / "browser-run").resolve())
    row = driver.find_element(By.XPATH, "//*[@id='run-list']//tr[.//td[@data-dash-column='run'][.='browser-run']]")
    row.find_element(By.LINK_TEXT, "Day").click()  # the run list links each run's pages
    wait_for(lambda: graphs_drawn(driver, run=new_run), timeout=60, message="the Day page of the new run")

    driver.get(url + "/")
    wait_for(lambda: graphs_drawn(driver), timeout=60)
    open_dropdown_option(driver, "targets-run-select", new_run)
    wait_for(lambda: graphs_drawn(driver, run=new_run), timeout=60, message="the Targets page of the new run")
    assert _page_problems(driver, url) == []


def test_run_page_check_follows_every_field_and_disables_levers(session):
    from selenium.webdriver.common.by import By

    url, driver = session["url"], session["driver"]
    driver.get(url + "/run")

    def text(element_id: str) -> str:
        found = driver.find_elements(By.ID, element_id)
        return found[0].text if found else ""

    wait_for(lambda: "Valid" in text("run-check"), timeout=30, message="the form")
    _set_input(driver, "run-sample", "1.5")
    wait_for(lambda: "Not a valid scenario" in text("run-check") and "sample" in text("run-check"), timeout=20,
             message="the check to name the sample")
    _set_input(driver, "run-sample", "0.01")
    _set_input(driver, "run-year", "2025")
    share = driver.find_element(By.ID, "run-nev-share")
    wait_for(lambda: not share.is_enabled(), timeout=20, message="the NEV-share lever to be disabled for 2025")
    assert "does not apply to 2025" in text("run-nev-share-hint")
    _set_input(driver, "run-year", "2030")
    wait_for(lambda: share.is_enabled(), timeout=20, message="the lever enabled again for 2030")


def _nav_text(driver) -> str:
    from selenium.webdriver.common.by import By

    from selenium.common.exceptions import StaleElementReferenceException

    found = driver.find_elements(By.ID, "nav-targets")  # none while the page reloads
    try:
        return found[0].text if found else ""
    except StaleElementReferenceException:  # replaced between finding and reading: reloading
        return ""


def _click_language(driver, label: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//*[@id='app-lang']//label[normalize-space(.)='{label}']").click()


def test_chinese_interface_renders_with_a_cjk_font(session):
    from selenium.webdriver.common.by import By

    url, driver = session["url"], session["driver"]
    driver.get(url + "/")
    wait_for(lambda: graphs_drawn(driver), timeout=60)
    try:
        _click_language(driver, "中文")
        wait_for(lambda: _nav_text(driver) == "目标", timeout=30,
                 message="the page in Chinese")
        wait_for(lambda: graphs_drawn(driver), timeout=60)
        table = driver.find_element(By.ID, "targets-table").text
        assert "全市新能源汽车保有量达到130万辆左右" in table and "超出" in table
        for selector, text in ((".brand-name", "深圳交通电动化规划"), ("#targets-table td", "全市新能源汽车")):
            sizes = text_widths(driver, selector, text)
            em = sizes["font_px"] * len(text)
            # a CJK font draws each ideograph one em wide; missing glyphs draw as boxes of another width
            assert abs(sizes["width"] - em) < 0.1 * em, sizes
            assert abs(sizes["width"] - sizes["boxes"]) > 0.1 * em, sizes
        # plotly.js's own words too: the graph toolbar's tooltips
        titles = driver.execute_script(
            "return Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title'))")
        assert "下载图表为PNG图片" in titles and "Download plot as a PNG" not in titles, titles
        assert _page_problems(driver, url) == []
        _shoot(driver, session["shots"], "targets-zh")
        driver.get(url + f"/stations?run={session['plan']}")
        wait_for(lambda: graphs_drawn(driver, run=session["plan"]), timeout=60)
        assert "行政区" in driver.find_element(By.ID, "stations-districts").text
        assert _page_problems(driver, url) == []
    finally:
        _click_language(driver, "English")
        wait_for(lambda: _nav_text(driver) == "Targets", timeout=30,
                 message="the page back in English")


def test_download_buttons_give_the_export_files(session):
    import io
    import json
    import sqlite3
    import zipfile

    import pandas as pd
    from selenium.webdriver.common.by import By

    url, driver, folder = session["url"], session["driver"], session["downloads"]
    driver.get(url + f"/stations?run={session['plan']}")
    wait_for(lambda: graphs_drawn(driver, run=session["plan"]), timeout=60)
    districts = driver.find_element(By.ID, "stations-districts").text
    assert "Futian" in districts and "Nanshan" in districts and "total" in districts
    for fmt, suffix in (("csv", ".zip"), ("xlsx", ".xlsx"), ("geojson", ".geojson"), ("gpkg", ".gpkg")):
        driver.find_element(By.ID, f"stations-download-{fmt}").click()
        path = folder / f"with-plan{suffix}"
        wait_for(lambda p=path: p.is_file() and p.stat().st_size > 0, timeout=60, message=f"the {fmt} download")
        data = path.read_bytes()
        if fmt == "csv":
            assert {"stations.csv", "plan.csv", "districts.csv", "targets.csv"} <= set(
                zipfile.ZipFile(io.BytesIO(data)).namelist())
        elif fmt == "xlsx":
            assert "districts" in pd.read_excel(io.BytesIO(data), sheet_name=None)
        elif fmt == "geojson":
            doc = json.loads(data)
            assert doc["type"] == "FeatureCollection" and "WGS-84" in doc["conversion"]
        else:
            con = sqlite3.connect(path)
            assert con.execute("SELECT count(*) FROM gpkg_geometry_columns").fetchone()[0] == 1
            con.close()
    assert _page_problems(driver, url) == []
