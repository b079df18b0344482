"""Wall time of the fleet stock projection and of the inverse problem.

Run: ``python benchmarks/bench_stock.py [--repeats N]``. Prints the median of N repeats
(targets: projection < 0.2 s, inverse < 2 s).
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from szplan.demand import StockParams, energy_by_year, project_stock, required_share_path

PROJECTION_TARGET_S = 0.2
INVERSE_TARGET_S = 2.0


def median_time(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    params = StockParams()
    project_stock(params)  # warm the parameter-file caches
    stock = project_stock(params)
    cases = [
        ("StockParams() (validated baseline)", StockParams, None),
        ("project_stock, 2015-2035", lambda: project_stock(params), PROJECTION_TARGET_S),
        ("project_stock + energy_by_year", lambda: energy_by_year(project_stock(params), params), None),
        ("energy_by_year only", lambda: energy_by_year(stock, params), None),
        (
            "required_share_path nev_stock 2030 = 3.2M (bisection)",
            lambda: required_share_path(params, ("nev_stock", 2030, 3_200_000)),
            INVERSE_TARGET_S,
        ),
        (
            "required_share_path nev_stock 2030 = 5M (unreachable)",
            lambda: required_share_path(params, ("nev_stock", 2030, 5_000_000)),
            INVERSE_TARGET_S,
        ),
    ]
    print(f"median of {args.repeats} repeats")
    for name, func, target in cases:
        seconds = median_time(func, args.repeats)
        verdict = ""
        if target is not None:
            verdict = f"  (target < {target:g} s: {'ok' if seconds < target else 'SLOW'})"
        print(f"{name:58s} {seconds * 1000:9.2f} ms{verdict}")


if __name__ == "__main__":
    main()
