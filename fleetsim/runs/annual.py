"""The year's charging energy from its day types, by scope.

Each day type of ``day_types.csv`` is simulated (at ``simulation.energy_sample``: energy is a sum
over vehicles, so a sample thins the agents, not the answer) with the fleet in service in its
months (the stock grows through the year; the design day keeps the year-end fleet, which the
stations must serve) and weighted by its days. Energy is
split by the scope a meter sees: ``grid_metered`` (public stations, depots and swap stations,
which the grid company meters as charging facilities) and ``home`` (private piles on household
meters).
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from szplan.data.tables import param

from ..errors import ScenarioError
from ..sim.daytypes import DayType, day_types
from .scenario import Scenario
from ..sim.simulate import fleet_in_months, simulate_day, year_stations

__all__ = ["charging_energy_by_scope", "annual_energy", "quarter_energy", "quarter_days"]

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
    sample = _energy_sample(scenario)
    stations = year_stations(scenario, stock) if stations is None else stations
    for k, day in enumerate(types):
        result = simulate_day(scenario, stock, stations=stations, day=day, sample=sample,
                              fleet=fleet_in_months(stock, scenario.year, day.months))
        for scope, gwh in charging_energy_by_scope(result.tables["sessions"]).items():
            rows.append((day.name, day.days_per_year, sample, scope, gwh, gwh * day.days_per_year))
        log.info("day type %s: %.2f GWh", day.name, sum(r[4] for r in rows[-2:]))
        if progress:
            progress((k + 1) / len(types))
    return pd.DataFrame(rows, columns=["day_type", "days_per_year", "sample", "scope", "energy_gwh_day",
                                       "energy_gwh_year"])


def quarter_energy(scenario: Scenario, stock: pd.DataFrame, *, quarter: int = 1,
                   stations: pd.DataFrame | None = None) -> dict[str, float]:
    """Charging energy (GWh) by meter scope over one calendar quarter of the scenario year: a
    weekday and a weekend day with the quarter's weather and fleet, weighted by the quarter's
    weekdays and weekend days in that year (public holidays count as the days they fall on)."""
    if quarter not in (1, 2, 3, 4):
        raise ScenarioError(f"quarter: must be 1-4, got {quarter}")
    months = tuple(range(3 * quarter - 2, 3 * quarter + 1))
    days, weekdays = quarter_days(scenario.year, quarter)
    stations = year_stations(scenario, stock) if stations is None else stations
    fleet = fleet_in_months(stock, scenario.year, months)
    sample = _energy_sample(scenario)
    total = {"grid_metered": 0.0, "home": 0.0}
    for weekday, count in ((True, weekdays), (False, days - weekdays)):
        day = DayType(f"q{quarter}_{'weekday' if weekday else 'weekend'}", months, weekday, count)
        result = simulate_day(scenario, stock, stations=stations, day=day, sample=sample, fleet=fleet)
        for scope, gwh in charging_energy_by_scope(result.tables["sessions"]).items():
            total[scope] += gwh * count
    return total


def quarter_days(year: int, quarter: int) -> tuple[int, int]:
    """Days and weekdays (Monday to Friday) in a calendar quarter."""
    first = np.datetime64(f"{year}-{3 * quarter - 2:02d}")
    first_day, after_day = first.astype("datetime64[D]"), (first + np.timedelta64(3, "M")).astype("datetime64[D]")
    return int((after_day - first_day) / np.timedelta64(1, "D")), int(np.busday_count(first_day, after_day))


def _energy_sample(scenario: Scenario) -> float:
    sim = scenario.simulation
    most = param("simulation.csv", "energy_sample_max", "fraction")
    return sim.energy_sample if sim.energy_sample is not None else min(sim.sample, most)
