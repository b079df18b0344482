"""Dashboard speed in a real browser: first page rendered and a scenario switch.

Makes two runs at sample 0.01 (shenzhen-2025 and shenzhen-2030) unless ``--runs`` names
existing results folders, serves the dashboard over them on 127.0.0.1 and drives headless
Chromium:

* first page: a new browser opens ``/`` (the Targets page) of a newly started dashboard; timed
  from the request until every graph is drawn with data; repeated ``--trials`` times;
* scenario switch: on the Targets, Fleet and Day pages, the other run is picked in the run
  dropdown; timed inside the page from the click on the option to the first frame in which every
  graph shows the new run. The first switch on a page builds that run's figures; later ones come
  from the reader's cache.

Budgets, on the medians: first page ≤ 1 s, scenario switch ≤ 300 ms; exits 1 when one is missed.
The machine's load average is printed too: other work slows the browser as much as the dashboard.

Usage: ``python benchmarks/bench_dashboard.py [--runs DIR DIR] [--repeat N] [--trials N]``
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

FIRST_PAGE_BUDGET_S = 1.0
SWITCH_BUDGET_S = 0.3
PAGES = (("/", "targets-run-select"), ("/fleet", "fleet-run-select"), ("/day", "day-run-select"))


def make_runs(root: Path) -> list[Path]:
    """The two built-in scenarios at sample 0.01, written under ``root``."""
    from szplan.fleetsim.runs.run import run_scenario
    from szplan.fleetsim.runs.scenario import load_scenario

    paths = []
    for name in ("shenzhen-2025", "shenzhen-2030"):
        scenario = load_scenario(name)
        scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
            update={"sample": 0.01, "progress": False})})
        start = time.perf_counter()
        paths.append(run_scenario(scenario, out_dir=root / name).path)
        print(f"run {name} at sample 0.01: {time.perf_counter() - start:.1f} s")
    return paths


def first_page(create_app, runs: list[Path], tmp: Path, run_id: str) -> float:
    """Seconds from opening ``/`` to every graph drawn, for a new server and a new browser."""
    from szplan.dashboard.testing import chromium, graphs_drawn, running_app, wait_for

    app = create_app(runs, runs_root=tmp / "new-runs", cache_dir=tmp / "cache")
    with running_app(app) as url, chromium() as driver:
        # a page with text first, so that the browser's own start-up (fonts, GPU process) is not
        # counted as the dashboard's
        driver.get("data:text/html,<p>warm-up 深圳</p>")
        start = time.perf_counter()
        driver.get(url + "/")
        wait_for(lambda: graphs_drawn(driver, run=run_id), timeout=60, interval=0.01, message="the first page")
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", nargs=2, type=Path, help="two existing results folders")
    parser.add_argument("--repeat", type=int, default=3, help="switches back and forth per page (default 3)")
    parser.add_argument("--trials", type=int, default=3, help="first-page loads, each with a new server and "
                        "browser (default 3)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from szplan.dashboard import create_app
    from szplan.dashboard.testing import browser_available, chromium, graphs_drawn, running_app, timed_switch, wait_for

    if not browser_available():
        print("bench_dashboard: /usr/bin/chromium and chromedriver are needed (apt-get install chromium "
              "chromium-driver)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        tmp = Path(tmp)
        runs = [p.resolve() for p in args.runs] if args.runs else make_runs(tmp / "runs")
        first_run, other_run = (str(p) for p in runs)
        # other work on the machine slows the browser as much as the dashboard: say how busy it was
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        firsts = [first_page(create_app, runs, tmp / f"trial{i}", first_run) for i in range(args.trials)]
        print(f"first page (Targets) rendered: median {statistics.median(firsts):.2f} s of "
              f"{', '.join(f'{t:.2f}' for t in firsts)} s (budget {FIRST_PAGE_BUDGET_S:.1f} s)")
        app = create_app(runs, runs_root=tmp / "new-runs", cache_dir=tmp / "cache")
        medians = []
        with running_app(app) as url, chromium() as driver:
            for path, dropdown in PAGES:
                driver.get(url + path)
                current = wait_for(lambda: graphs_drawn(driver), timeout=60, message=f"page {path}")[0]["run"]
                times = []
                for _ in range(2 * args.repeat):
                    target = other_run if current == first_run else first_run
                    times.append(timed_switch(driver, dropdown, target))
                    current = target
                medians.append(statistics.median(times))
                print(f"scenario switch on {path:<7} median {1000 * medians[-1]:.0f} ms, first {1000 * times[0]:.0f} "
                      f"ms (figures built), max {1000 * max(times):.0f} ms over {len(times)} switches "
                      f"(budget {1000 * SWITCH_BUDGET_S:.0f} ms)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = statistics.median(firsts) <= FIRST_PAGE_BUDGET_S and max(medians) <= SWITCH_BUDGET_S
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
