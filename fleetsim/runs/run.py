"""One scenario run, end to end: stock → network → simulation → targets → results folder."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from szplan import demand
from szplan.network import load_zones, travel_matrices, zone_graph

from .annual import annual_energy, charging_energy_by_scope, quarter_energy
from .calibration import day_calibration_table, observed_quarter, public_utilisation
from ..sim.metrics import PUBLIC_EQUIPMENT, weighted_quantile
from .results import write_results
from .scenario import Scenario
from ..sim.simulate import scenario_design_day, simulate_day
from .site import charger_metrics, plan_stations
from ..sim.vpp import VPP_BASIS, vpp_contribution_mw

__all__ = ["Run", "run_scenario", "default_out_dir", "zones_table", "key_figures"]

log = logging.getLogger(__name__)


def default_out_dir(scenario: Scenario, seed: int, *, plan: bool = False,
                    demand_source: str = "simulation") -> Path:
    """The results folder named after what was run, under the working directory.

    ``results/<scenario>-seed<N>`` for a plain run; ``results/<scenario>-plan-seed<N>`` for a run
    with the station plan (``fleetsim site``) and ``results/<scenario>-plan-stock-seed<N>`` when
    the plan's demand came from the stock model; a sampled fleet adds ``-sample<F>``, so that no
    run replaces another of a different kind.
    """
    parts = [scenario.name]
    if plan:
        parts.append("plan" if demand_source == "simulation" else f"plan-{demand_source}")
    if scenario.simulation.sample < 1:
        parts.append(f"sample{scenario.simulation.sample:g}")
    return Path("results") / f"{'-'.join(parts)}-seed{seed}"


def zones_table(scenario: Scenario) -> pd.DataFrame:
    """The zones with their graph degree and mean travel time to all other zones."""
    zones = load_zones().copy()
    graph = zone_graph(scenario.network)
    zone_ids, time_min, _ = travel_matrices(scenario.network)
    n = len(zone_ids)
    mean_time = pd.Series(time_min.sum(axis=1) / (n - 1), index=zone_ids)
    zones["degree"] = zones["zone_id"].map(dict(graph.degree())).astype("int64")
    zones["mean_time_min"] = zones["zone_id"].map(mean_time)
    return zones


@dataclass(frozen=True)
class Run:
    """A finished run: its folder, the scenario as run and the tables written."""

    path: Path
    scenario: Scenario
    tables: dict[str, pd.DataFrame]


class _Stages:
    """Wall time of each stage, for the manifest."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        log.info("stage %s ...", name)
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)


def simulation_metrics(tables: dict[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """Target metrics the simulated day provides (``metric, year, value``).

    The fleet's contribution to the virtual power plant is counted as a grid operator counts it
    (:data:`szplan.fleetsim.sim.vpp.VPP_BASIS`): the mean dispatchable EV charging power in the dispatch
    windows of the design day.
    """
    return pd.DataFrame({"metric": ["virtual_power_plant_adjustable_load"], "year": [year],
                         "value": [vpp_contribution_mw(tables["vpp"])]})


def run_scenario(scenario: Scenario, *, out_dir: str | Path | None = None, seed: int | None = None,
                 progress=None, site: bool = False, demand_source: str = "simulation") -> Run:
    """Run ``scenario`` and write its results folder.

    ``seed`` overrides the scenario's seed; ``progress(stage, fraction)`` is called as the run
    advances; ``site`` first plans the stations of every phase year (``fleetsim site``), with
    demand from ``demand_source`` (``simulation`` or ``stock``), and simulates the scenario year
    with them. The folder appears only when complete.
    """
    seed = scenario.seed if seed is None else seed
    scenario = scenario.model_copy(update={"seed": seed})
    out = Path(out_dir) if out_dir is not None else default_out_dir(scenario, seed)
    stage = _Stages()
    tables: dict[str, pd.DataFrame] = {}
    with stage("stock"):
        tables["stock"] = demand.project_stock(scenario.stock)
        tables["energy_by_year"] = demand.energy_by_year(tables["stock"], scenario.stock)
    with stage("network"):
        tables["zones"] = zones_table(scenario)
    extra_metrics = []
    stations = None
    if site:
        with stage("siting"):
            outcome = plan_stations(scenario, progress=progress, demand_source=demand_source)
            tables["siting"] = outcome.siting
            stations = outcome.stations(scenario.year)
            extra_metrics.append(charger_metrics(outcome, tables["stock"], scenario))
            for note in outcome.notes:
                log.warning("%s", note)
    with stage("simulation"):
        day = simulate_day(scenario, tables["stock"], stations=stations,
                           progress=(lambda f: progress("simulation", f)) if progress else None)
        tables.update(day.tables)
    with stage("year"):
        tables["energy_by_daytype"] = annual_energy(scenario, tables["stock"], stations=stations,
                                                    progress=(lambda f: progress("year", f)) if progress else None)
        quarter = observed_quarter(scenario.year)
        tables["calibration"] = day_calibration_table(
            year=scenario.year, annual=tables["energy_by_daytype"], station_use=tables["station_use"],
            quarter=None if quarter is None else quarter_energy(scenario, tables["stock"], quarter=quarter,
                                                                 stations=stations))
    with stage("targets"):
        metrics = pd.concat([demand.stock_metrics(tables["stock"], tables["energy_by_year"]),
                             simulation_metrics(tables, scenario.year), *extra_metrics], ignore_index=True)
        tables["targets"] = demand.evaluate_targets(metrics)
        tables["figures"] = key_figures(tables, scenario)
    manifest = {
        "scenario": scenario.model_dump(mode="json"),
        "seed": seed,
        "timings_s": stage.seconds,
        "simulation": {"agents": day.agents, "processes": day.processes, "events": day.events,
                       "design_day": scenario_design_day(scenario).name,
                       "design_month": scenario_design_day(scenario).month},
        "supply": supply_report(tables),
        "vpp_basis": VPP_BASIS,
        "siting": {"phases": [{"year": p.year, "status": p.status, "gap": p.gap, "capex_cny": p.capex_cny,
                               "unserved_sessions_per_day": p.unserved_sessions_per_day,
                               "solve_time_s": round(p.solve_time_s, 2)} for p in outcome.phases],
                   "notes": outcome.notes} if site else None,
    }
    return Run(write_results(out, tables, manifest), scenario, tables)


def supply_report(tables: dict[str, pd.DataFrame]) -> dict:
    """Where supply fell short on the design day: unserved vehicles and energy by station family,
    and the five zones with the most unserved vehicles."""
    unserved = tables["unserved"]
    if unserved.empty:
        return {"unserved_vehicles": 0, "by_family": {}, "worst_zones": []}
    by_family = unserved.groupby(["family", "unit"])[["vehicles", "energy"]].sum().reset_index()
    zones = unserved.groupby(["zone_id", "family"])["vehicles"].sum().sort_values(ascending=False).head(5)
    return {"unserved_vehicles": int(unserved["vehicles"].sum()),
            "by_family": {r.family: {"vehicles": int(r.vehicles), "energy": round(float(r.energy), 1), "unit": r.unit}
                          for r in by_family.itertuples(index=False)},
            "worst_zones": [{"zone_id": int(z), "family": f, "vehicles": int(v)} for (z, f), v in zones.items()]}


def key_figures(tables: dict[str, pd.DataFrame], scenario: Scenario) -> pd.DataFrame:
    """The run's headline figures for its year: ``figure, year, value, unit``."""
    stock = tables["stock"]
    year = stock[stock["year"] == scenario.year]
    vehicles, load = tables["vehicles"], tables["load"]
    by_carrier = load.groupby(["carrier", "time_min"])["value"].sum()
    electricity = by_carrier.get("electricity", pd.Series(dtype=float))
    use = tables["station_use"]
    public = use[use["equipment"].isin(PUBLIC_EQUIPMENT) & ~use["station_id"].str.startswith("depot-")]
    served = public["served_vehicles"].to_numpy(float)
    waits = public["wait_mean_min"].to_numpy(float)
    sessions = tables["sessions"]
    public_sessions = sessions[sessions["equipment"].isin(PUBLIC_EQUIPMENT)
                               & ~sessions["station_id"].str.startswith("depot-")]
    sampled = scenario.simulation.sample < 1
    p95 = (weighted_quantile(public["wait_p95_min"].to_numpy(float), served, 0.95) if sampled else
           weighted_quantile(public_sessions["wait_min"].to_numpy(float), public_sessions["weight"].to_numpy(float),
                             0.95))
    scope = charging_energy_by_scope(sessions)
    flex = tables["flexibility"]
    public_kw = flex[flex["charger"] == "public"].groupby("time_min")["charging_kw"].sum()
    annual = tables.get("energy_by_daytype")
    unserved = tables["unserved"]
    co2 = tables["co2_daily"]
    rows = [
        ("vehicles", year["vehicles"].sum(), "vehicles"),
        ("nev_stock", year[year["powertrain"].isin(["BEV", "PHEV", "FCEV"])]["vehicles"].sum(), "vehicles"),
        ("vehicles_simulated", vehicles["weight"].sum(), "vehicles"),
        ("vehicles_driving", (vehicles["weight"] * (vehicles["km"] > 0)).sum(), "vehicles"),
        ("agents_simulated", len(vehicles), "agents"),
        ("charging_energy_day", electricity.sum() * 0.25 / 1e6, "GWh"),
        ("charging_energy_day_grid_metered", scope["grid_metered"], "GWh"),
        ("charging_energy_day_home", scope["home"], "GWh"),
        ("charging_energy_year_grid_metered", float(annual.loc[annual["scope"] == "grid_metered",
                                                                "energy_gwh_year"].sum()) / 1e3
         if annual is not None else np.nan, "TWh"),
        ("peak_charging_power", electricity.max() / 1e3 if len(electricity) else 0.0, "MW"),
        ("peak_charging_hour", float(electricity.idxmax() // 60) if len(electricity) else np.nan, "h"),
        ("public_peak_hour", float(public_kw.idxmax() // 60) if len(public_kw) else np.nan, "h"),
        ("vpp_dispatchable_power", vpp_contribution_mw(tables["vpp"]), "MW"),
        ("lng_day", by_carrier.get("lng", pd.Series(dtype=float)).sum() * 0.25 / 1e3, "t"),
        ("h2_day", by_carrier.get("h2", pd.Series(dtype=float)).sum() * 0.25 / 1e3, "t"),
        ("public_sessions", served.sum(), "sessions"),
        ("public_wait_mean", (waits * served).sum() / served.sum() if served.sum() else 0.0, "min"),
        ("public_wait_p95", p95, "min"),
        ("public_dc_utilisation", public_utilisation(use, ("dc_60kw", "dc_120kw", "dc_480kw")), "fraction"),
        ("public_ac_utilisation", public_utilisation(use, ("ac_7kw",)), "fraction"),
        ("unserved_vehicles", float(unserved["vehicles"].sum()), "vehicles"),
        ("stranded_vehicles", (vehicles["weight"] * vehicles["stranded"]).sum(), "vehicles"),
        ("ttw_co2_day", co2["ttw_co2_t"].sum(), "t"),
        ("wtw_co2_day", co2["wtw_co2_t"].sum(), "t"),
    ]
    return pd.DataFrame({"figure": [r[0] for r in rows], "year": scenario.year,
                         "value": [float(r[1]) for r in rows], "unit": [r[2] for r in rows]})

