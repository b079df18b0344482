"""Simulate the representative day of a scenario year: agents, infrastructure, model, tables."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from network import load_zones, travel_matrices

from .agents import draw_agents, gravity
from .engine import FleetModel
from .infrastructure import build_infrastructure
from .metrics import build_tables
from .params import sim_constants
from .scenario import Scenario

__all__ = ["DayResult", "simulate_day", "fleet_of_year"]

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
        raise ValueError(f"year: {year} is outside the stock projection ({stock['year'].min()}-{stock['year'].max()})")
    return rows[["segment", "powertrain", "vehicles"]].reset_index(drop=True)


def simulate_day(scenario: Scenario, stock: pd.DataFrame, *, stations: pd.DataFrame | None = None,
                 progress=None) -> DayResult:
    """Simulate ``scenario.year``'s fleet (from ``stock``) for one representative day.

    ``stations`` is the public station table to simulate (default: existing chargers plus the
    assumed gas, hydrogen, swap and truck sites; a siting plan passes its own); ``progress`` is
    called with the fraction done. Random streams are spawned from the scenario seed, one per
    stochastic input, so the same scenario and seed give the same tables.
    """
    clock = _Clock()
    sim = scenario.simulation
    agents_rng, run_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(scenario.seed).spawn(2))
    zone_ids, time_min, dist_km = travel_matrices(scenario.network)
    agents = draw_agents(fleet_of_year(stock, scenario.year), sample=sim.sample, month=sim.month,
                         stock=scenario.stock, network=scenario.network, rng=agents_rng)
    clock.lap("agents")
    infra = build_infrastructure(agents, sample=sim.sample, zone_ids=zone_ids, time_min=time_min,
                                 public=stations)
    zones = load_zones().set_index("zone_id").loc[zone_ids]
    roam = gravity(zones["road_length_km"].clip(lower=0.1).to_numpy(float), time_min,
                    sim_constants()["commute_beta_per_min"])
    roam_cdf = np.cumsum(roam, axis=1)
    model = FleetModel(agents, infra, time_min=time_min, dist_km=dist_km,
                       truck_speed_factor=scenario.network.truck_speed_factor, roam_cdf=roam_cdf, rng=run_rng)
    log.info("simulating %d agents (%d vehicles) at %d resources", len(agents), int(agents.weight.sum()),
             len(infra.res_count))
    clock.lap("setup")
    model.run(progress)
    home = model.settle_home_charging()
    clock.lap("simpy")
    tables = build_tables(model, home, zone_ids=zone_ids, year=scenario.year, stock=scenario.stock,
                          sample=sim.sample)
    tables["stations"] = infra.stations
    clock.lap("tables")
    return DayResult(tables, len(agents), model.processes, model.events_processed(), clock.seconds, model)


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
