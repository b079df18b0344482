"""Parameter tables the simulation reads: duty cycles, simulation constants, assumed sites.

Each lives in ``data/params/`` with the basis (sourced or assumption) and the reason of every
value; this module only reads them.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from szplan.data import data_path

__all__ = ["duty_params", "sim_constants", "assumed_stations", "SIM_POWERTRAINS"]

#: Powertrains that use the city's energy infrastructure and so enter the simulation; ICE
#: vehicles enter only the stock and CO2 accounts.
SIM_POWERTRAINS = ("BEV", "PHEV", "LNG", "FCEV")


@lru_cache(maxsize=1)
def duty_params() -> dict[str, dict[str, float]]:
    """``segment -> {parameter: value}`` from ``duty_cycles.csv``."""
    table = pd.read_csv(data_path("params", "duty_cycles.csv"))
    return {seg: dict(zip(g["parameter"], g["value"].astype(float), strict=True))
            for seg, g in table.groupby("segment")}


@lru_cache(maxsize=1)
def sim_constants() -> dict[str, float]:
    """``parameter -> value`` from ``simulation.csv``."""
    table = pd.read_csv(data_path("params", "simulation.csv"))
    return dict(zip(table["parameter"], table["value"].astype(float), strict=True))


@lru_cache(maxsize=1)
def assumed_stations() -> pd.DataFrame:
    """LNG, hydrogen, swap and truck-charging sites assumed before any siting plan."""
    return pd.read_csv(data_path("params", "assumed_stations.csv"))
