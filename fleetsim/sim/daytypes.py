"""Day types of the year: the weighted days whose sum is the year's energy, and the design day.

The year is four day types (``data/params/day_types.csv``): summer and winter, weekday and
weekend, each with its number of days. A day type differs from another in the weather (energy per
km of battery vehicles) and in how many vehicles drive (``activity.csv``).

The vehicle data's ``energy_per_km`` is the year's mean (the stock model's yearly energy uses
it), so a month's weather factor is taken relative to the year's mean factor: the days of the
year, weighted, give back exactly the stock model's yearly energy.

Stations are sized on the *design day*: by default a weekday of the hottest month (July), when
air conditioning makes every battery vehicle use the most energy.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from szplan.data import data_path
from szplan.data.tables import ParamsError, read_params

from ..errors import ScenarioError

from .params import sim_constants

__all__ = ["DayType", "day_types", "design_day", "monthly_temperature_degc", "temperature_factor",
           "relative_energy_factor", "activity_share"]


@dataclass(frozen=True)
class DayType:
    """A kind of day: its name, calendar months, weekday or not, days a year and the month
    whose weather it takes (the design month, or the mean of its months)."""

    name: str
    months: tuple[int, ...]
    weekday: bool
    days_per_year: int
    month: int | None = None  # a single month's weather (the design day); None: mean of months

    def energy_factor(self) -> float:
        """Battery energy per km on this day relative to the year's mean."""
        if self.month is not None:
            return relative_energy_factor(self.month)
        return float(np.mean([relative_energy_factor(m) for m in self.months]))


def _months(spec: str) -> tuple[int, ...]:
    start, end = (int(x) for x in str(spec).split("-"))
    return tuple(((start - 1 + k) % 12) + 1 for k in range((end - start) % 12 + 1))


@lru_cache(maxsize=1)
def day_types() -> tuple[DayType, ...]:
    """The day types of the year; their days add up to 365."""
    table = read_params("day_types.csv")
    types = tuple(DayType(r.day_type, _months(r.months), bool(r.weekday), int(r.days_per_year))
                  for r in table.itertuples(index=False))
    if sum(t.days_per_year for t in types) != 365:
        raise ParamsError("day_types.csv: days_per_year must add up to 365")
    return types


def design_day(name: str = "summer_weekday", month: int | None = None) -> DayType:
    """The day type ``name`` with the weather of one ``month`` (default: its hottest month)."""
    by_name = {t.name: t for t in day_types()}
    if name not in by_name:
        raise ScenarioError(f"design_day: {name!r} is not a day type (choose from {', '.join(by_name)})")
    base = by_name[name]
    if month is None:
        temps = monthly_temperature_degc()
        month = max(base.months, key=lambda m: abs(temps[m] - temps.mean()))
    if not 1 <= month <= 12:
        raise ScenarioError(f"month: must be 1-12, got {month}")
    return DayType(base.name, base.months, base.weekday, base.days_per_year, month)


@lru_cache(maxsize=1)
def monthly_temperature_degc() -> pd.Series:
    """Mean air temperature (degC) of each month, from ``data/facts/climate_normals.csv``."""
    table = pd.read_csv(data_path("facts", "climate_normals.csv"))
    return table.set_index("month")["mean_temp_degc"].astype(float)


def temperature_factor(month: int) -> float:
    """Multiplier on BEV energy use in ``month`` against comfortable weather (heating below
    ``comfort_low_degc``, air conditioning above ``comfort_high_degc``)."""
    if not 1 <= int(month) <= 12:
        raise ScenarioError(f"month: must be 1-12, got {month}")
    t = float(monthly_temperature_degc()[int(month)])
    c = sim_constants()
    heat = c["heating_coeff_per_degc"] * max(0.0, c["comfort_low_degc"] - t)
    cool = c["cooling_coeff_per_degc"] * max(0.0, t - c["comfort_high_degc"])
    return 1.0 + heat + cool


def relative_energy_factor(month: int) -> float:
    """:func:`temperature_factor` of ``month`` over its mean across the twelve months."""
    return temperature_factor(month) / float(np.mean([temperature_factor(m) for m in range(1, 13)]))


def _activity() -> pd.DataFrame:
    return read_params("activity.csv")


def activity_share(segment: str, weekday: bool) -> float:
    """Share of the segment's vehicles that drive on a weekday (or a weekend day)."""
    table = _activity()
    parameter = "weekday_active_share" if weekday else "weekend_active_share"
    row = table[(table["segment"] == segment) & (table["parameter"] == parameter)]
    if row.empty:
        raise ParamsError(f"activity.csv: no {parameter} for segment {segment!r}")
    return float(row["value"].iloc[0])


def annual_active_days(segment: str) -> float:
    """Days a year a vehicle of the segment drives on average (the day types' activity, weighted)."""
    return sum(t.days_per_year * activity_share(segment, t.weekday) for t in day_types())
