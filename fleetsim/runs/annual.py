"""The year's charging energy from its day types, by scope.

Each day type of ``day_types.csv`` is simulated (at ``simulation.energy_sample``: energy is a sum
over vehicles, so a sample thins the agents, not the answer) and weighted by its days. Energy is
split by the scope a meter sees: ``grid_metered`` (public stations, depots and swap stations,
which the grid company meters as charging facilities) and ``home`` (private piles on household
meters).
"""
from __future__ import annotations

import logging

import pandas as pd

from szplan.data.tables import param

from ..sim.daytypes import day_types
from .scenario import Scenario
from ..sim.simulate import simulate_day

__all__ = ["charging_energy_by_scope", "annual_energy"]

log = logging.getLogger(__name__)


def charging_energy_by_scope(sessions: pd.DataFrame) -> dict[str, float]:
    """Electricity delivered on the day (GWh), by meter scope."""
    elec = sessions[sessions["unit"] == "kWh"]
    energy = elec["energy"] * elec["weight"]
    home = elec["station_id"] == "home"
    return {"grid_metered": float(energy[~home].sum()) / 1e6, "home": float(energy[home].sum()) / 1e6}


def annual_energy(scenario: Scenario, stock: pd.DataFrame, *, stations: pd.DataFrame | None = None,
                  progress=None) -> pd.DataFrame:
    """``day_type, days_per_year, sample, scope, energy_gwh_day, energy_gwh_year`` for every day
    type of the year and scope, from one simulated day each."""
    rows = []
    types = day_types()
    sim = scenario.simulation
    most = param("simulation.csv", "energy_sample_max", "fraction")
    sample = sim.energy_sample if sim.energy_sample is not None else min(sim.sample, most)
    for k, day in enumerate(types):
        result = simulate_day(scenario, stock, stations=stations, day=day, sample=sample)
        for scope, gwh in charging_energy_by_scope(result.tables["sessions"]).items():
            rows.append((day.name, day.days_per_year, sample, scope, gwh, gwh * day.days_per_year))
        log.info("day type %s: %.2f GWh", day.name, sum(r[4] for r in rows[-2:]))
        if progress:
            progress((k + 1) / len(types))
    return pd.DataFrame(rows, columns=["day_type", "days_per_year", "sample", "scope", "energy_gwh_day",
                                       "energy_gwh_year"])
