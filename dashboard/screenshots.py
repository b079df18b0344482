"""Refresh the README's screenshots: ``python -m dashboard.screenshots docs/screenshots``.

Runs the built-in 2030 scenario at sample 0.005 and the 2025 one at 0.002 into a temporary
folder, adds an illustrative station plan to a copy of the 2030 run (the Stations page's
district table and the downloads), serves the dashboard over them and photographs every page
at 1280x800 in English, and the Targets and Stations pages in Chinese. Needs headless Chromium
(``apt-get install chromium chromium-driver``) and, for the Chinese pages, a CJK font
(``fonts-noto-cjk``).
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from .testing import browser_available, chromium, graphs_drawn, running_app, set_language, wait_for, with_plan

__all__ = ["PAGES", "refresh"]

log = logging.getLogger(__name__)

#: (file name, address, language) of every screenshot
PAGES = (("targets", "/", "en"), ("fleet", "/fleet", "en"), ("day", "/day", "en"),
         ("stations", "/stations?run={plan}", "en"), ("scenarios", "/scenarios", "en"), ("run", "/run", "en"),
         ("targets-zh", "/", "zh"), ("stations-zh", "/stations?run={plan}", "zh"))


def refresh(out: Path) -> list[Path]:
    """Write every screenshot of :data:`PAGES` into ``out``; returns the files written."""
    from szplan.fleetsim.runs.scenario import load_scenario

    from .app import create_app
    from .launch import run_job

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="fleetsim-screenshots-") as tmp:
        tmp = Path(tmp)
        runs = []
        for name, sample in (("shenzhen-2030", 0.005), ("shenzhen-2025", 0.002)):
            base = load_scenario(name)
            scenario = base.model_copy(update={"simulation": base.simulation.model_copy(
                update={"sample": sample, "progress": False})})
            runs.append(run_job(lambda *_: None, scenario, tmp / "results"))
        plan = with_plan(runs[0], tmp / "results" / "shenzhen-2030-with-plan")
        app = create_app([*runs, plan], runs_root=tmp / "runs", cache_dir=tmp / "cache")
        with running_app(app) as url, chromium(width=1280, height=800) as driver:
            for name, path, lang in PAGES:
                set_language(driver, url, lang)
                driver.get(url + path.format(plan=plan.resolve()))
                if name != "run":
                    wait_for(lambda: graphs_drawn(driver), timeout=90, message=f"the graphs of {name}")
                else:
                    wait_for(lambda: any("Valid" in e.text for e in driver.find_elements("id", "run-check")),
                             timeout=30, message="the Run page's form")
                driver.execute_script("window.scrollTo(0, 0)")
                target = out / f"{name}.png"
                driver.save_screenshot(str(target))
                written.append(target)
                log.info("wrote %s", target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="folder (default: docs/screenshots)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not browser_available():
        print("headless Chromium is not installed (apt-get install chromium chromium-driver)", file=sys.stderr)
        return 2
    for path in refresh(Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
