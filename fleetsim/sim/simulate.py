"""Simulate the representative day of a scenario year: agents, infrastructure, model, tables."""
from __future__ import annotations

import contextlib
import gc
import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from szplan.network import travel_matrices

from ..errors import ScenarioError

from .agents import draw_agents
from .daytypes import DayType, annual_active_days, design_day
from .engine import FleetModel
from .infrastructure import build_infrastructure, station_inventory
from .metrics import build_tables
from .params import duty_params, sim_constants
from .rules import agent_rules, settle_start_levels
from ..runs.scenario import Scenario
from .tariff import HOME_TARIFF, PUBLIC_TARIFF, peak_windows_min, response_shares, valley_window_min

__all__ = ["DayResult", "simulate_day", "fleet_of_year", "fleet_in_months", "scenario_design_day", "year_stations"]

log = logging.getLogger(__name__)


@dataclass
class DayResult:
    """Tables of the simulated day and figures about the run itself."""

    tables: dict[str, pd.DataFrame]
    agents: int
    processes: int
    events: int
    seconds: dict[str, float]
    model: FleetModel


def fleet_of_year(stock: pd.DataFrame, year: int) -> pd.DataFrame:
    """``segment, powertrain, vehicles`` in ``year`` from a stock table."""
    rows = stock[stock["year"] == year]
    if rows.empty:
        first, last = stock["year"].min(), stock["year"].max()
        raise ScenarioError(f"year: {year} is outside the stock projection ({first}-{last})")
    return rows[["segment", "powertrain", "vehicles"]].reset_index(drop=True)


def fleet_in_months(stock: pd.DataFrame, year: int, months: tuple[int, ...]) -> pd.DataFrame:
    """``segment, powertrain, vehicles`` in service during ``months`` of ``year``.

    The stock table holds each year's end; energy over a period is driven by the vehicles in
    service then, which for a fleet growing by a quarter a year is well below the year's end.
    The stock is taken to grow evenly through the year, so a month holds the fleet of its middle
    and several months the mean of theirs. The first projected year, with no year before it,
    keeps its own stock."""
    end = fleet_of_year(stock, year)
    if not (stock["year"] == year - 1).any():
        return end
    before = fleet_of_year(stock, year - 1).set_index(["segment", "powertrain"])["vehicles"]
    share_of_year = float(np.mean([(m - 0.5) / 12 for m in months]))
    start = before.reindex(pd.MultiIndex.from_frame(end[["segment", "powertrain"]]), fill_value=0).to_numpy(float)
    vehicles = start + share_of_year * (end["vehicles"].to_numpy(float) - start)
    return end.assign(vehicles=np.rint(vehicles).astype(np.int64))


def scenario_design_day(scenario: Scenario) -> DayType:
    """The day the scenario's stations are sized on (``simulation.design_day``, ``month``)."""
    return design_day(scenario.simulation.design_day, scenario.simulation.month)


def simulate_day(scenario: Scenario, stock: pd.DataFrame, *, stations: pd.DataFrame | None = None,
                 progress=None, day: DayType | None = None, sample: float | None = None,
                 fleet: pd.DataFrame | None = None) -> DayResult:
    """Simulate ``scenario.year``'s fleet (from ``stock``) for one day of type ``day``.

    ``day`` defaults to the scenario's design day and ``sample`` to ``simulation.sample``;
    ``fleet`` to the stock at the end of the scenario year (:func:`fleet_in_months` gives the
    fleet of part of the year);
    ``stations`` is the public station table to simulate (default: the infrastructure of the
    scenario year; a siting plan passes its own); ``progress`` is called with the fraction done.
    Random streams are spawned from the scenario seed, one per stochastic input, so the same
    scenario and seed give the same tables.
    """
    with _no_cycle_collection():
        return _simulate_day(scenario, stock, stations=stations, progress=progress, day=day, sample=sample,
                             fleet=fleet_of_year(stock, scenario.year) if fleet is None else fleet)


def _simulate_day(scenario: Scenario, stock: pd.DataFrame, *, stations: pd.DataFrame | None, progress,
                  day: DayType | None, sample: float | None, fleet: pd.DataFrame) -> DayResult:
    clock = _Clock()
    sim = scenario.simulation
    day = scenario_design_day(scenario) if day is None else day
    sample = sim.sample if sample is None else sample
    month = day.month if day.month is not None else day.months[0]
    agents_rng, settle_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(scenario.seed).spawn(2))
    zone_ids, time_min, dist_km = travel_matrices(scenario.network)
    agents = draw_agents(fleet, sample=sample, day=day, stock=scenario.stock,
                         network=scenario.network, rng=agents_rng, response=response_shares(sim.tariff, month))
    clock.lap("agents")
    infra = build_infrastructure(agents, sample=sample, zone_ids=zone_ids, time_min=time_min,
                                 stock=scenario.stock, public=stations if stations is not None else
                                 year_stations(scenario, stock))
    has_pile = np.zeros(len(agents), dtype=bool)
    based = agents.depot >= 0
    has_pile[based] = infra.depot_resource[agents.depot[based]] >= 0
    rules = agent_rules(agents, has_depot_pile=has_pile, truck_speed_factor=scenario.network.truck_speed_factor)
    agents.start_store = _settled_levels(agents, rules, scenario, settle_rng)
    model = FleetModel(agents, infra, rules, time_min=time_min, dist_km=dist_km,
                       valley_public=valley_window_min(PUBLIC_TARIFF, month),
                       valley_home=valley_window_min(HOME_TARIFF, month),
                       peak_public=peak_windows_min(PUBLIC_TARIFF, month))
    log.info("simulating %d agents (%d vehicles) at %d resources on a %s", len(agents), int(agents.weight.sum()),
             len(infra.res_count), day.name)
    clock.lap("setup")
    model.run(progress)
    home = model.settle_home_charging()
    clock.lap("simpy")
    tables = build_tables(model, home, zone_ids=zone_ids, year=scenario.year, stock=scenario.stock,
                          sample=sample, month=month)
    tables["stations"] = infra.stations
    clock.lap("tables")
    return DayResult(tables, len(agents), model.processes, model.events, clock.seconds, model)


def year_stations(scenario: Scenario, stock: pd.DataFrame, plan: pd.DataFrame | None = None) -> pd.DataFrame:
    """The public stations of the scenario year: the charging network of that year plus a
    station ``plan``, or without a plan the assumed gas, hydrogen, swap and truck sites sized to
    the year's fleets."""
    if plan is not None:
        return station_inventory(plan, year=scenario.year)
    fleet = fleet_of_year(stock, scenario.year)
    lng, fcev = (float(fleet.loc[fleet["powertrain"] == pt, "vehicles"].sum()) for pt in ("LNG", "FCEV"))
    swap = float(fleet.loc[(fleet["segment"] == "port_tractor") & (fleet["powertrain"] == "BEV"), "vehicles"].sum())
    return station_inventory(year=scenario.year, fleets=(lng, fcev, swap))


def _settled_levels(agents, rules, scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Start levels where each agent's habits leave it (see :func:`szplan.fleetsim.sim.rules.settle_start_levels`)."""
    seg = pd.Series(agents.segment)
    active_days = {s: annual_active_days(s) for s in seg.unique()}
    mean_km = seg.map({s: scenario.stock.segment_params(s).annual_km / d for s, d in active_days.items()})
    cv = seg.map({s: duty_params()[s]["km_cv"] for s in active_days}).to_numpy(float)
    return settle_start_levels(
        agents, rules, active_share=seg.map({s: d / 365.0 for s, d in active_days.items()}).to_numpy(float),
        km_sigma=np.sqrt(np.log(1 + cv**2)), mean_active_km=mean_km.to_numpy(float),
        days=int(sim_constants()["settle_days"]), rng=rng)


@contextlib.contextmanager
def _no_cycle_collection():
    """Python's cycle collector off while a day is built and run, one collection after.

    A day creates and drops millions of short-lived objects (events, generators, rows); each
    automatic collection rescans the millions still alive, which cost 20-40% of a full-fleet
    day. Those objects hold almost no reference cycles, so little waits for the final collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


class _Clock:
    """Wall time of each stage of the day, for the benchmark and the log."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 3)
        self._last = now
        log.info("day stage %s: %.2f s", name, self.seconds[name])
