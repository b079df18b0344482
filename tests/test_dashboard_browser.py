"""The dashboard in a real headless Chromium: every page draws its figures from a real run with
no error and no request leaving the machine, a run launched from the Run page appears, and each
page is photographed at 1280x800 into docs/screenshots/ for the README."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dashboard import create_app
from dashboard.testing import CHROMIUM, chromium, graphs_drawn, open_dropdown_option, running_app, wait_for
from fleetsim.run import run_scenario
from fleetsim.scenario import load_scenario

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install chromium chromium-driver)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
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
    app = create_app([small_run.path, other.path], runs_root=tmp / "runs", cache_dir=tmp / "cache")
    with running_app(app) as url, chromium(width=1280, height=800) as driver:
        yield url, driver, str(small_run.path.resolve()), tmp / "runs"


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


def _shoot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.mark.parametrize("name,path", PAGES)
def test_page_draws_its_figures_without_errors(session, name, path):
    url, driver, run_id, _ = session
    driver.get(url + path)
    graphs = wait_for(lambda: graphs_drawn(driver), timeout=60, message=f"the graphs of {path}")
    assert graphs and all(g["points"] > 0 for g in graphs), graphs
    if name != "scenarios":
        assert {g["run"] for g in graphs} == {run_id}
    assert _page_problems(driver, url) == []
    assert driver.execute_script("return window.innerWidth") == 1280
    assert _shoot(driver, name).stat().st_size > 10_000


def test_station_table_filters_in_the_browser(session):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, driver, _, _ = session
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

    url, driver, _, runs_root = session
    driver.get(url + "/run")

    def text(element_id: str) -> str:
        found = driver.find_elements(By.ID, element_id)
        return found[0].text if found else ""

    wait_for(lambda: "Valid" in text("run-check"), timeout=30, message="the form")
    _set_input(driver, "run-name", "browser-run")
    _set_input(driver, "run-sample", "0.002")
    _set_input(driver, "run-nev-share", "90")
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
    _shoot(driver, "run")

    new_run = str((runs_root / "browser-run").resolve())
    row = driver.find_element(By.XPATH, "//*[@id='run-list']//tr[.//td[@data-dash-column='run'][.='browser-run']]")
    row.find_element(By.LINK_TEXT, "Day").click()  # the run list links each run's pages
    wait_for(lambda: graphs_drawn(driver, run=new_run), timeout=60, message="the Day page of the new run")

    driver.get(url + "/")
    wait_for(lambda: graphs_drawn(driver), timeout=60)
    open_dropdown_option(driver, "targets-run-select", new_run)
    wait_for(lambda: graphs_drawn(driver, run=new_run), timeout=60, message="the Targets page of the new run")
    assert _page_problems(driver, url) == []
