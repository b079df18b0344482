"""The design day against itself at several samples, and against Shenzhen's observations.

For each year and sample: wall time, public DC / LNG / H2 mean and 95th-percentile waits and
unit-weighted utilisation (a sampled run reports them at full scale), unserved vehicles, and the
periodic balance (stored energy at the end against the start). Then the calibration table of the
full-fleet run. Run: ``python benchmarks/bench_day.py [--years 2025 2030] [--samples 1 0.2 0.05]``.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from szplan import demand
from szplan.fleetsim.runs.annual import annual_energy
from szplan.fleetsim.runs.calibration import day_calibration_table
from szplan.fleetsim.runs.scenario import load_scenario
from szplan.fleetsim.sim.simulate import simulate_day

FAMILIES = {"public DC": ("dc_60kw", "dc_120kw", "dc_480kw"), "LNG": ("lng_dispenser",), "H2": ("h2_dispenser",)}


def _family_figures(use: pd.DataFrame, equipment) -> tuple[float, float, float]:
    mine = use[use["equipment"].isin(equipment) & ~use["station_id"].str.startswith("depot-")]
    served = mine["served_vehicles"].to_numpy(float)
    mean = float((mine["wait_mean_min"] * served).sum() / served.sum()) if served.sum() else 0.0
    p95 = float((mine["wait_p95_min"] * served).sum() / served.sum()) if served.sum() else 0.0
    util = float((mine["utilisation"] * mine["units"]).sum() / mine["units"].sum())
    return mean, p95, util


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[2025, 2030])
    parser.add_argument("--samples", type=float, nargs="+", default=[1.0, 0.2, 0.05])
    args = parser.parse_args()
    rows = []
    for year in args.years:
        base = load_scenario(f"shenzhen-{year}")
        stock = demand.project_stock(base.stock)
        for sample in args.samples:
            scenario = base.model_copy(update={"simulation": base.simulation.model_copy(update={"sample": sample})})
            start = time.perf_counter()
            day = simulate_day(scenario, stock)
            wall = time.perf_counter() - start
            t = day.tables
            v = t["vehicles"]
            elec = v[v["unit"] == "kWh"]
            balance = ((elec["end_level"] - elec["start_level"]) * elec["weight"]).sum() / (
                elec["start_level"] * elec["weight"]).sum()
            row = {"year": year, "sample": sample, "wall_s": round(wall, 1), "agents": day.agents,
                   "events": day.events, "unserved": int(t["unserved"]["vehicles"].sum()),
                   "balance_%": round(100 * balance, 2)}
            for name, kinds in FAMILIES.items():
                mean, p95, util = _family_figures(t["station_use"], kinds)
                row[f"{name} wait"] = round(mean, 2)
                row[f"{name} p95~"] = round(p95, 1)
                row[f"{name} util"] = round(util, 3)
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False), flush=True)
            if sample == 1.0:
                annual = annual_energy(scenario, stock)
                print(day_calibration_table(year=year, annual=annual, station_use=t["station_use"])
                      .drop(columns=["source", "scope"]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print("\n" + table.to_string(index=False))
    full = table[table["sample"] == 1.0].set_index("year")
    for _, r in table[table["sample"] < 1.0].iterrows():
        if r["year"] not in full.index:
            continue
        f = full.loc[r["year"]]
        for name in FAMILIES:
            dw = r[f"{name} wait"] - f[f"{name} wait"]
            du = (r[f"{name} util"] - f[f"{name} util"]) / max(f[f"{name} util"], 1e-9)
            ok = (abs(dw) <= max(2.0, 0.15 * f[f"{name} wait"])) and abs(du) <= 0.10
            print(f"{r['year']} sample {r['sample']}: {name} wait {dw:+.2f} min, utilisation {100 * du:+.1f}% "
                  f"against sample 1 -> {'within' if ok else 'OUTSIDE'} 15% (or 2 min) / 10%")


if __name__ == "__main__":
    main()
