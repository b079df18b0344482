"""Benchmark of the full Shenzhen station plan (``fleetsim site``'s planning stage).

Usage: ``python benchmarks/bench_siting_plan.py [--sample 0.01]``

Plans both phase years of the built-in ``shenzhen-2030`` scenario (simulations for demand, the
FRLM truck corridors, the mixed-integer plan, Erlang C sizing and the re-simulation rounds) and
prints the wall time of the whole and each phase's solve time, status and gap. Target on a
2-core machine: under 2 minutes with a gap of at most 1%.
"""
from __future__ import annotations

import argparse
import time

from szplan.fleetsim.runs.scenario import load_scenario
from szplan.fleetsim.runs.site import plan_stations
from szplan.network import travel_matrices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=float, default=0.01)
    args = parser.parse_args()
    scenario = load_scenario("shenzhen-2030")
    raw = scenario.model_dump()
    raw["simulation"]["sample"] = args.sample
    scenario = type(scenario).model_validate(raw)
    travel_matrices(scenario.network)
    start = time.perf_counter()
    outcome = plan_stations(scenario)
    wall = time.perf_counter() - start
    print(f"full Shenzhen plan (sample {args.sample:g}): {wall:.1f} s")
    print(f"{'phase':>6}{'status':>10}{'gap':>9}{'solve s':>9}{'sites':>7}{'capex CNY bn':>14}{'unserved/day':>14}")
    for plan in outcome.phases:
        sites = plan.units.loc[plan.units["new_units"] > 0, "zone_id"].nunique()
        print(f"{plan.year:>6}{plan.status:>10}{plan.gap:>9.4f}{plan.solve_time_s:>9.1f}{sites:>7}"
              f"{plan.capex_cny / 1e9:>14.2f}{plan.unserved_sessions_per_day:>14.1f}")
    for note in outcome.notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
