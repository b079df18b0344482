"""The simulated day against what Shenzhen observes: one table, reported, modelled, error, source.

Every row compares like with like: the grid company's charging figures cover the chargers it
meters as charging facilities (public stations, depots, swap stations), not private home piles
on household meters, so the model's ``grid_metered`` scope is compared with them; utilisation
is the share of the public piles' time they are occupied, unit-weighted over the city.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from szplan.data import data_path

__all__ = ["observations", "observed_quarter", "day_calibration_table", "public_utilisation"]

_AC = ("ac_7kw",)
_DC = ("dc_60kw", "dc_120kw", "dc_480kw")


@lru_cache(maxsize=1)
def observations() -> pd.DataFrame:
    """``data/facts/charging_observations.csv``."""
    return pd.read_csv(data_path("facts", "charging_observations.csv"))


def _observed(metric: str, date_prefix: str | None = None) -> pd.Series | None:
    obs = observations()
    rows = obs[obs["metric"] == metric]
    if date_prefix:
        rows = rows[rows["date"].astype(str).str.startswith(date_prefix)]
    return rows.iloc[0] if len(rows) else None


def observed_quarter(year: int) -> int | None:
    """The calendar quarter of ``year`` whose charging energy the grid company reported, if any."""
    row = _observed("ev_charging_energy_quarter", str(year))
    return None if row is None else (int(str(row["date"])[5:7]) + 2) // 3


def public_utilisation(station_use: pd.DataFrame, equipment) -> float:
    """Unit-weighted mean utilisation of the public resources of ``equipment``."""
    use = station_use[station_use["equipment"].isin(equipment) & ~station_use["station_id"].str.startswith("depot-")]
    units = use["units"].to_numpy(float)
    return float((use["utilisation"] * units).sum() / units.sum()) if units.sum() else 0.0


def day_calibration_table(*, year: int, annual: pd.DataFrame, station_use: pd.DataFrame,
                          quarter: dict[str, float] | None = None) -> pd.DataFrame:
    """``quantity, scope, reported, modelled, unit, error, source`` for the scenario year.

    ``annual`` is :func:`szplan.fleetsim.runs.annual.annual_energy`; ``station_use`` the design day's;
    ``quarter`` the energy by scope of :func:`observed_quarter` (:func:`szplan.fleetsim.runs.annual.quarter_energy`).
    The error is (modelled - reported) / reported; an upper bound reports the margin.
    """
    rows = []
    metered = annual[annual["scope"] == "grid_metered"]
    year_gwh = float(metered["energy_gwh_year"].sum())
    expected = _observed("ev_charging_energy_year_expected")
    if expected is not None and year == 2025:
        rows.append(("EV charging electricity in the year", expected["scope"], float(expected["value"]), year_gwh,
                     "GWh", expected["source"]))
    reported = _observed("ev_charging_energy_quarter", str(year))
    if reported is not None and quarter is not None:
        rows.append((f"EV charging electricity, Q{observed_quarter(year)}", reported["scope"],
                     float(reported["value"]), quarter["grid_metered"], "GWh", reported["source"]))
    bound = _observed("public_charger_time_utilisation_max")
    if bound is not None:
        for label, kinds in (("public AC", _AC), ("public DC", _DC), ("all public", _AC + _DC)):
            rows.append((f"time utilisation of {label} chargers (upper bound)", bound["scope"],
                         float(bound["value"]), public_utilisation(station_use, kinds), "fraction", bound["source"]))
    dc = _observed("public_dc_daily_utilisation")
    if dc is not None:
        rows.append(("time utilisation of public DC piles", dc["scope"], float(dc["value"]),
                     public_utilisation(station_use, _DC), "fraction", dc["source"]))
    table = pd.DataFrame(rows, columns=["quantity", "scope", "reported", "modelled", "unit", "source"])
    table["error"] = (table["modelled"] - table["reported"]) / table["reported"]
    table["error"] = np.where(table["quantity"].str.contains("upper bound"),
                              np.where(table["modelled"] <= table["reported"], 0.0, table["error"]), table["error"])
    return table[["quantity", "scope", "reported", "modelled", "unit", "error", "source"]]
