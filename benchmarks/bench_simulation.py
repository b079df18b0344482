"""Benchmark of the fleet simulation on the 2030 fleet, beside a bare SimPy loop.

Usage: ``python benchmarks/bench_simulation.py [--samples 0.01 0.1 1.0] [--no-bare]``

For each sample fraction it runs the built-in ``shenzhen-2030`` scenario's day in a fresh
process (so peak memory is that run's own) and prints wall time, peak memory, vehicles/s and
events/s; then a bare SimPy loop with the same number of vehicles, each doing four trips with one
shared resource, as the yardstick of SimPy's own cost per vehicle. Targets on a 2-core machine:
the full fleet in <= 120 s with <= 6 GB, sample 0.01 in <= 3 s, and the model at least as fast
per vehicle as the bare loop.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _model(sample: float) -> dict:
    from szplan import demand
    from szplan.fleetsim.runs.scenario import load_scenario
    from szplan.fleetsim.sim.simulate import simulate_day
    from szplan.network import travel_matrices

    scenario = load_scenario("shenzhen-2030")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": sample})})
    stock = demand.project_stock(scenario.stock)
    travel_matrices(scenario.network)  # cached per process; a run reuses it
    start = time.perf_counter()
    day = simulate_day(scenario, stock)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "agents": day.agents, "vehicles": int(day.tables["vehicles"]["weight"].sum()),
            "processes": day.processes, "events": day.events, "stages_s": day.seconds}


def _bare(vehicles: int) -> dict:
    import numpy as np
    import simpy

    rng = np.random.default_rng(0)
    env = simpy.Environment()
    # one service of 5 min per trip, a trip every ~60 min: vehicles / 8 servers keep the
    # resource about half busy, so the loop measures SimPy, not an ever-growing queue
    shared = simpy.Resource(env, capacity=max(1, vehicles // 8))
    gaps = rng.exponential(60.0, size=(vehicles, 4)).tolist()

    def vehicle(trips):
        for gap in trips:
            yield env.timeout(gap)
            with shared.request() as req:
                yield req
                yield env.timeout(5.0)

    start = time.perf_counter()
    for trips in gaps:
        env.process(vehicle(trips))
    env.run()
    return {"wall_s": time.perf_counter() - start, "vehicles": vehicles, "events": next(env._eid)}


def _child(kind: str, arg: float) -> None:
    result = _model(arg) if kind == "model" else _bare(int(arg))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run(kind: str, arg: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(arg)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--no-bare", action="store_true", help="skip the bare SimPy loop")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], float(args.child[1]))
        return
    print(f"{'run':<22}{'vehicles':>10}{'agents':>10}{'processes':>11}{'events':>11}{'wall s':>9}"
          f"{'peak MB':>9}{'agents/s':>11}{'events/s':>11}")
    for sample in args.samples:
        m = _run("model", sample)
        print(f"{'model sample ' + format(sample, 'g'):<22}{m['vehicles']:>10}{m['agents']:>10}{m['processes']:>11}"
              f"{m['events']:>11}{m['wall_s']:>9.2f}{m['peak_mb']:>9.0f}{m['agents'] / m['wall_s']:>11.0f}"
              f"{m['events'] / m['wall_s']:>11.0f}")
        print(f"{'':<22}stages (s): {m['stages_s']}")
        if not args.no_bare:
            b = _run("bare", m["agents"])
            print(f"{'bare loop, same agents':<22}{b['vehicles']:>10}{b['vehicles']:>10}{b['vehicles']:>11}"
                  f"{b['events']:>11}{b['wall_s']:>9.2f}{b['peak_mb']:>9.0f}{b['vehicles'] / b['wall_s']:>11.0f}"
                  f"{b['events'] / b['wall_s']:>11.0f}")
            print(f"{'':<22}model / bare time per agent: {m['wall_s'] / b['wall_s']:.2f}")


if __name__ == "__main__":
    main()
