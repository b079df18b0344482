"""Parameter tables the simulation reads: duty cycles, simulation constants, assumed sites.

Each lives in ``data/params/`` with the basis (sourced or assumption) and the reason of every
value; this module only reads them, through the checked reader :mod:`szplan.data.tables`. Every
call gives a new dict or frame: changing it changes nothing else.
"""
from __future__ import annotations

import pandas as pd

from szplan.data.tables import grouped_params, read_params, scalar_params

__all__ = ["duty_params", "sim_constants", "assumed_stations", "SIM_POWERTRAINS"]

#: Powertrains that use the city's energy infrastructure and so enter the simulation; ICE
#: vehicles enter only the stock and CO2 accounts.
SIM_POWERTRAINS = ("BEV", "PHEV", "LNG", "FCEV")


def duty_params() -> dict[str, dict[str, float]]:
    """``segment -> {parameter: value}`` from ``duty_cycles.csv``."""
    return grouped_params("duty_cycles.csv")


def sim_constants() -> dict[str, float]:
    """``parameter -> value`` from ``simulation.csv``."""
    return scalar_params("simulation.csv")


def assumed_stations() -> pd.DataFrame:
    """LNG, hydrogen, swap and truck-charging sites assumed before any siting plan."""
    return read_params("assumed_stations.csv")
