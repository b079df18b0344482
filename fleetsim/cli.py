"""The ``fleetsim`` command: run scenarios, list and validate them, query the stock model."""
from __future__ import annotations

import argparse
import logging
import sys

import pandas as pd

from demand import DemandError
from network import NetworkError
from network.siting.errors import SitingError

from .errors import ResultsError, ScenarioError

__all__ = ["main", "build_parser"]

_USER_ERRORS = (ScenarioError, DemandError, NetworkError, SitingError, ResultsError, FileNotFoundError)


def _cmd_scenarios(args) -> int:
    from .scenario import builtin_scenarios

    for name, text in builtin_scenarios().items():
        print(f"{name:<20} {text}")
    return 0


def _cmd_tables(args) -> int:
    from .schemas import markdown

    print(markdown())
    return 0


def _cmd_validate(args) -> int:
    from .scenario import load_scenario

    scenario = load_scenario(args.file)
    print(f"{args.file}: valid scenario {scenario.name!r} (year {scenario.year}, seed {scenario.seed})")
    return 0


def _cmd_run(args, *, site: bool = False) -> int:
    from .run import run_scenario, summary_table
    from .scenario import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(args.scenario), seed=args.seed, sample=args.sample, out=args.out)
    with _ProgressBar(enabled=scenario.simulation.progress and sys.stderr.isatty()) as bar:
        run = run_scenario(scenario, out_dir=args.out, seed=args.seed, progress=bar.update, site=site,
                           demand_source=getattr(args, "demand", "simulation"))
    print(summary_table(run).to_string(index=False))
    if site:
        _print_plan(run)
    print(f"\nresults: {run.path}")
    return 0


def _print_plan(run) -> None:
    siting, targets = run.tables["siting"], run.tables["targets"]
    counts = ["dc_120kw", "dc_480kw", "lng_dispenser", "h2_dispenser", "swap_bay"]
    by_year = siting.groupby("year_built").agg(sites=("site", "nunique"), capex_cny=("capex_cny", "sum"),
                                               **{c: (c, "sum") for c in counts})
    print("\nstation plan (new units by phase year):")
    print(by_year.to_string(float_format="{:,.0f}".format))
    charger = targets[targets["metric"].isin(["charging_facilities_cumulative", "fast_chargers_cumulative",
                                              "integrated_energy_supply_stations",
                                              "highway_service_area_fast_charge_coverage"])]
    print(charger[["target_id", "target_value", "modelled_value", "met"]].to_string(index=False))
    from .results import read_manifest

    for note in read_manifest(run.path)["siting"]["notes"]:
        print(f"note: {note}")


class _ProgressBar:
    """A tqdm bar per stage, shown only on a terminal."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.stage = enabled, None, None

    def update(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage, self.bar = stage, tqdm(total=100, desc=stage, unit="%", leave=False)
        self.bar.n = round(100 * fraction)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _cmd_dashboard(args) -> int:
    from pathlib import Path

    from dashboard.app import serve

    print(f"dashboard: http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    serve([Path(p) for p in args.results], host=args.host, port=args.port, runs_root=Path(args.runs_root))
    return 0


def _cmd_stock(args) -> int:
    from demand import required_share_path

    from .scenario import load_scenario

    scenario = load_scenario(args.scenario)
    result = required_share_path(scenario.stock, args.target)
    print(result.describe())
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(result.path.to_string(index=False))
    return 0 if result.reachable else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fleetsim",
        description="Shenzhen transport electrification planner: fleet stock, fleet simulation, "
        "station siting and targets of the Carbon Peaking Implementation Plan.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a scenario and write its results folder")
    p.add_argument("scenario", nargs="?", default="shenzhen-2025", help="built-in name or YAML file "
                   "(default: shenzhen-2025)")
    p.add_argument("--out", help="results folder (default: results/<scenario>-seed<N>)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--sample", type=float, help="fraction of the fleet simulated (0-1]")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("site", help="plan new stations for the scenario's phase years, check them by "
                       "re-simulation, and run the scenario year with the plan")
    p.add_argument("scenario", nargs="?", default="shenzhen-2030", help="built-in name or YAML file "
                   "(default: shenzhen-2030)")
    p.add_argument("--out", help="results folder (default: results/<scenario>-seed<N>)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--sample", type=float, help="fraction of the fleet simulated (0-1]")
    p.add_argument("--demand", choices=["simulation", "stock"], default="simulation",
                   help="where the plan's demand comes from: the simulated phase years (default) or the "
                   "stock model alone")
    p.set_defaults(func=lambda args: _cmd_run(args, site=True))

    p = sub.add_parser("sweep", help="many scenarios x seeds on Dask (a local cluster, or a scheduler)")
    from .sweep import add_arguments

    add_arguments(p)

    p = sub.add_parser("dashboard", help="serve the dashboard over results folders")
    p.add_argument("results", nargs="*", help="results or sweep folders (default: those under --runs-root)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--runs-root", default="results", help="where runs launched from the dashboard go "
                   "(default: results)")
    p.set_defaults(func=_cmd_dashboard)

    p = sub.add_parser("scenarios", help="list the built-in scenarios")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("tables", help="print the schema of every results table (Markdown)")
    p.set_defaults(func=_cmd_tables)

    p = sub.add_parser("validate", help="check a scenario file")
    p.add_argument("file")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("stock", help="smallest NEV share path of new vehicles that reaches a target")
    p.add_argument("scenario", nargs="?", default="shenzhen-2030")
    p.add_argument("--target", default="nev_stock_2030", help="target id from targets.csv "
                   "(default: nev_stock_2030)")
    p.set_defaults(func=_cmd_stock)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except _USER_ERRORS as err:
        print(f"fleetsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fleetsim: interrupted; no results folder was left half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
