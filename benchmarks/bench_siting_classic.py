"""Benchmark the classic siting models on their published test instances.

Run from anywhere: ``python benchmarks/bench_siting_classic.py``.  Instances
are read from ``tests/instances/`` of this repository:

* FRLM on the 25-node network (Kuby & Lim 2005), ranges 4-25 km, p = 1..5;
* OR-Library p-median pmed1..pmed40 against ``pmedopt.txt`` (``--pmed-max``),
  with the median and slowest solve time and a count of proven optima;
* OR-Library cap41 and cap71 (split demand) against the published optima,
  plus single-source runs on cap71 and on cap41 with tripled capacities
  (cap41 itself cannot be single-sourced).

Each exact result is checked by its solver-independent validator, and the
greedy heuristic is reported beside it with its distance from the optimum.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from szplan.network.siting import (  # noqa: E402
    capacitated_facility_location,
    frlm,
    greedy_facility_location,
    greedy_frlm,
    greedy_p_median,
    p_median,
    validate_facility_location,
    validate_frlm,
    validate_p_median,
)
from szplan.network.siting.instances import read_cap, read_frlm25, read_pmed, read_pmed_optima  # noqa: E402

INSTANCES = REPO / "tests" / "instances"
CAP_PUBLISHED = {"cap41": 1_040_444.375, "cap71": 932_615.750}


def _pct(heuristic: float, optimum: float, *, maximise: bool) -> float:
    if optimum == 0:
        return 0.0
    diff = optimum - heuristic if maximise else heuristic - optimum
    return 100.0 * diff / abs(optimum)


def bench_frlm(ranges_km: list[float], ps: list[int]) -> None:
    graph, od = read_frlm25(INSTANCES / "frlm25")
    total = od["flow"].sum()
    print(f"\nFRLM, 25-node network, {len(od)} OD pairs, total flow {total:,.1f}, lexmin paths")
    print(f"{'range_km':>8} {'p':>2} {'time_s':>7} {'status':>8} {'covered':>10} {'share%':>7} "
          f"{'stations':<18} {'greedy':>10} {'greedy_gap%':>11}")
    worst = 0.0
    for range_km in ranges_km:
        for p in ps:
            res = frlm(graph, od, range_km=range_km, p=p)
            validate_frlm(graph, od, res, range_km=range_km, p=p)
            gre = greedy_frlm(graph, od, range_km=range_km, p=p)
            validate_frlm(graph, od, gre, range_km=range_km, p=p)
            worst = max(worst, res.solve_time_s)
            print(f"{range_km:>8g} {p:>2} {res.solve_time_s:>7.3f} {res.status:>8} {res.objective:>10.1f} "
                  f"{100 * res.objective / total:>7.1f} {'-'.join(map(str, res.sites)):<18} "
                  f"{gre.objective:>10.1f} {_pct(gre.objective, res.objective, maximise=True):>11.2f}")
    print(f"slowest FRLM case: {worst:.3f} s")


def bench_pmed(names: list[str]) -> None:
    optima = read_pmed_optima(INSTANCES / "orlib" / "pmedopt.txt")
    print("\np-median, OR-Library")
    print(f"{'name':<7} {'n':>4} {'p':>4} {'time_s':>7} {'objective':>10} {'published':>10} {'status':>8} "
          f"{'gap':>6} {'kept':>5} {'greedy':>8} {'gap%':>6} {'greedy+swap':>11} {'gap%':>6}")
    times: list[float] = []
    statuses: dict[str, int] = {}
    mismatches: list[str] = []
    for name in names:
        inst = read_pmed(INSTANCES / "orlib" / f"{name}.txt")
        res = p_median(inst.cost, p=inst.p)
        validate_p_median(inst.cost, res, p=inst.p)
        gre = greedy_p_median(inst.cost, p=inst.p)
        swap = greedy_p_median(inst.cost, p=inst.p, improve=True)
        times.append(res.solve_time_s)
        statuses[res.status] = statuses.get(res.status, 0) + 1
        if res.objective != optima[name]:
            mismatches.append(name)
        print(f"{name:<7} {inst.cost.shape[0]:>4} {inst.p:>4} {res.solve_time_s:>7.2f} {res.objective:>10.0f} "
              f"{optima[name]:>10.0f} {res.status:>8} {res.gap:>6.4f} {res.info['sites_kept']:>5} "
              f"{gre.objective:>8.0f} {_pct(gre.objective, res.objective, maximise=False):>6.2f} "
              f"{swap.objective:>11.0f} {_pct(swap.objective, res.objective, maximise=False):>6.2f}")
    slowest = max(range(len(names)), key=times.__getitem__)
    print(f"p-median times: median {statistics.median(times):.2f} s, slowest {times[slowest]:.2f} s "
          f"({names[slowest]}), total {sum(times):.1f} s")
    print("statuses: " + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
          + f"; objective differs from pmedopt.txt: {', '.join(mismatches) or 'none'}")


def bench_cap() -> None:
    print("\nCapacitated facility location, OR-Library")
    print(f"{'case':<22} {'time_s':>7} {'objective':>14} {'published':>14} {'rel_diff':>9} {'status':>8} "
          f"{'open':>4} {'greedy':>14} {'gap%':>6}")
    cap41 = read_cap(INSTANCES / "orlib" / "cap41.txt")
    cap71 = read_cap(INSTANCES / "orlib" / "cap71.txt")
    cases = [
        ("cap41 split", cap41, cap41.capacity, False, CAP_PUBLISHED["cap41"]),
        ("cap71 split", cap71, cap71.capacity, False, CAP_PUBLISHED["cap71"]),
        ("cap71 single-source", cap71, cap71.capacity, True, None),
        ("cap41 x3 cap, single", cap41, cap41.capacity * 3, True, None),
    ]
    for label, inst, capacity, single, published in cases:
        args = (inst.fixed_cost, capacity, inst.demand, inst.assign_cost)
        res = capacitated_facility_location(*args, single_source=single)
        validate_facility_location(*args, res, single_source=single)
        gre = greedy_facility_location(*args, single_source=single)
        validate_facility_location(*args, gre, single_source=single)
        pub = f"{published:>14,.3f}" if published else f"{'-':>14}"
        rel = f"{abs(res.objective - published) / published:>9.1e}" if published else f"{'-':>9}"
        print(f"{label:<22} {res.solve_time_s:>7.2f} {res.objective:>14,.3f} {pub} {rel} {res.status:>8} "
              f"{len(res.sites):>4} {gre.objective:>14,.3f} {_pct(gre.objective, res.objective, maximise=False):>6.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pmed-max", type=int, default=40, help="last pmedN to run (default 40)")
    parser.add_argument("--pmed-min", type=int, default=1, help="first pmedN to run (default 1)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    bench_frlm([4, 8, 12, 16, 20, 25], [1, 2, 3, 4, 5])
    bench_pmed([f"pmed{k}" for k in range(args.pmed_min, args.pmed_max + 1)])
    bench_cap()
    print(f"\ntotal wall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
