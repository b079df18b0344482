"""Simulate the representative day of a scenario year: agents, infrastructure, model, tables."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from network import load_zones, travel_matrices

from .agents import _gravity, draw_agents
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
    seconds: float
    model: FleetModel


def fleet_of_year(stock: pd.DataFrame, year: int) -> pd.DataFrame:
    """``segment, powertrain, vehicles`` in ``year`` from a stock table."""
    rows = stock[stock["year"] == year]
    if rows.empty:
        raise ValueError(f"year: {year} is outside the stock projection ({stock['year'].min()}-{stock['year'].max()})")
    return rows[["segment", "powertrain", "vehicles"]].reset_index(drop=True)


class _CountingEnv:
    """Counts processed SimPy events (for the benchmark's events/s)."""

    def __init__(self, env):
        self.count = 0
        original = env.step

        def step():
            self.count += 1
            original()

        env.step = step


def simulate_day(scenario: Scenario, stock: pd.DataFrame, *, public_stations: pd.DataFrame | None = None,
                 progress=None, count_events: bool = False) -> DayResult:
    """Simulate ``scenario.year``'s fleet (from ``stock``) for one representative day.

    ``public_stations`` replaces the assumed non-charger sites (a siting plan); ``progress`` is
    called with the fraction done. Random streams are spawned from the scenario seed, one per
    stochastic input, so the same scenario and seed give the same tables.
    """
    start = time.perf_counter()
    sim = scenario.simulation
    agents_rng, run_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(scenario.seed).spawn(2))
    zone_ids, time_min, dist_km = travel_matrices(scenario.network)
    agents = draw_agents(fleet_of_year(stock, scenario.year), sample=sim.sample, month=sim.month,
                         stock=scenario.stock, network=scenario.network, rng=agents_rng)
    infra = build_infrastructure(agents, sample=sim.sample, zone_ids=zone_ids, time_min=time_min,
                                 public=public_stations)
    zones = load_zones().set_index("zone_id").loc[zone_ids]
    roam = _gravity(zones["road_length_km"].clip(lower=0.1).to_numpy(float), time_min,
                    sim_constants()["commute_beta_per_min"])
    roam_cdf = np.cumsum(roam, axis=1)
    model = FleetModel(agents, infra, time_min=time_min, dist_km=dist_km,
                       truck_speed_factor=scenario.network.truck_speed_factor, roam_cdf=roam_cdf, rng=run_rng)
    counter = _CountingEnv(model.env) if count_events else None
    log.info("simulating %d agents (%d vehicles) at %d resources", len(agents), int(agents.weight.sum()),
             len(infra.res_count))
    model.run(progress)
    home = model.settle_home_charging()
    tables = build_tables(model, home, zone_ids=zone_ids, year=scenario.year, stock=scenario.stock,
                          sample=sim.sample)
    tables["stations"] = infra.stations
    return DayResult(tables, len(agents), model.processes, counter.count if counter else 0,
                     time.perf_counter() - start, model)
