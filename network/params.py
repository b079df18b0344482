"""Parameters of the road network, with defaults read from ``data/params/network.csv``."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from shenzhen_data import data_path

__all__ = ["NetworkParams", "network_defaults"]


@lru_cache(maxsize=1)
def network_defaults() -> dict[str, float]:
    """The shipped defaults: ``parameter -> value`` from ``data/params/network.csv``."""
    table = pd.read_csv(data_path("params", "network.csv"))
    return dict(zip(table["parameter"], table["value"].astype(float)))


def _shipped(name: str, **bounds):
    return Field(default_factory=lambda: network_defaults()[name], **bounds)


class NetworkParams(BaseModel):
    """How the zone graph turns distances into travel times.

    Defaults, their units and the reasons behind them are in ``data/params/network.csv``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    circuity_factor: float = _shipped("circuity_factor", ge=1.0, le=3.0)
    speed_core_kmh: float = _shipped("speed_core_kmh", gt=0, le=120)
    speed_outer_kmh: float = _shipped("speed_outer_kmh", gt=0, le=120)
    truck_speed_factor: float = _shipped("truck_speed_factor", gt=0, le=1.5)
    adjacency_tolerance_m: float = _shipped("adjacency_tolerance_m", ge=0, le=500)
