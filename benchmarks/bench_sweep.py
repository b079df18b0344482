"""Wall time of a 16-run sweep on a local Dask cluster of 1 and of 2 workers, and the speed-up.

Run: ``python benchmarks/bench_sweep.py [--sample 0.03] [--runs 16] [--workers 1 2] [--repeats 1]``.
Each sweep is timed end to end (starting the cluster included) into a fresh folder; the target
is a speed-up of at least 1.7 on two workers on a 2-core machine. Other load on the machine
lowers it, so each line also says how much of their time the runs actually had a CPU, and the
load average. With ``--repeats N`` the worker counts alternate N times and the fastest sweep of
each counts (the one least disturbed by other work).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from szplan.fleetsim.sweeps.sweep import run_sweep
from szplan.fleetsim.sweeps.sweep_spec import SweepSpec, sweep_from_dict

SPEEDUP_TARGET = 1.7


def bench_spec(runs: int, sample: float) -> SweepSpec:
    """``runs`` runs of shenzhen-2030: NEV shares of 2030 times 4 seeds."""
    seeds = 4 if runs % 4 == 0 else 1
    shares = [round(0.8 + 0.2 * i / max(runs // seeds - 1, 1), 4) for i in range(runs // seeds)]
    return sweep_from_dict({"name": "bench", "base": "shenzhen-2030",
                            "set": {"simulation.sample": sample},
                            "grid": {"stock.nev_share_path.2030": shares}, "seeds": seeds}, origin="bench")


def time_sweep(spec: SweepSpec, workers: int) -> tuple[float, list[float], list[float]]:
    """Wall time of the whole sweep, and each run's wall and CPU seconds."""
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as out:
        start = time.perf_counter()
        result = run_sweep(spec, out_dir=out, workers=workers, progress=False)
        wall = time.perf_counter() - start
    if not result.ok:
        failed = [(r.run_id, r.error) for r in result.records if not r.ok]
        raise SystemExit(f"bench: {len(failed)} runs failed, first: {failed[0]}")
    return wall, [r.seconds for r in result.records], [r.cpu_seconds for r in result.records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--sample", type=float, default=0.03,
                        help="fraction of the fleet simulated per run (default 0.03: about 5 s a run, so that "
                        "starting the cluster and warming the workers, about 6 s a sweep, weigh little)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    spec = bench_spec(args.runs, args.sample)
    print(f"{len(spec.runs)} runs of shenzhen-2030 at sample {args.sample}; {os.cpu_count()} CPUs; "
          f"load average before {os.getloadavg()[0]:.2f}")
    walls: dict[int, list[float]] = {}
    for _ in range(args.repeats):
        for workers in args.workers:
            wall, seconds, cpu = time_sweep(spec, workers)
            walls.setdefault(workers, []).append(wall)
            busy = sum(seconds) / (wall * workers)
            # a run's CPU time over its wall time: below 100% when the machine had more work than cores
            on_cpu = sum(cpu) / sum(seconds)
            print(f"{workers} worker(s): {wall:6.1f} s wall; run median {statistics.median(seconds):5.2f} s; "
                  f"workers busy {100 * busy:3.0f}% of the wall time; runs on a CPU {100 * on_cpu:3.0f}% of "
                  f"their time; load average {os.getloadavg()[0]:.2f}", flush=True)
    best = {workers: min(times) for workers, times in walls.items()}
    if 1 in best:
        for workers in sorted(w for w in best if w > 1):
            speedup = best[1] / best[workers]
            verdict = f"  (target >= {SPEEDUP_TARGET}: {'ok' if speedup >= SPEEDUP_TARGET else 'BELOW'})" \
                if workers == 2 else ""
            print(f"speed-up {workers} workers vs 1 (fastest of {args.repeats}): {best[1]:.1f} s / "
                  f"{best[workers]:.1f} s = {speedup:.2f}x{verdict}")


if __name__ == "__main__":
    main()
