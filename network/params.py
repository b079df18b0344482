"""Parameters of the road network, with defaults read from ``data/params/network.csv``."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from szplan.data.limits import limit
from szplan.data.tables import scalar_params

__all__ = ["NetworkParams", "network_defaults"]


def network_defaults() -> dict[str, float]:
    """The shipped defaults: ``parameter -> value`` from ``data/params/network.csv`` (a new dict)."""
    return scalar_params("network.csv")


_SPEED_MIN, _SPEED_MAX = limit("speed_min_kmh"), limit("speed_max_kmh")


def _shipped(name: str, **bounds):
    return Field(default_factory=lambda: network_defaults()[name], **bounds)


class NetworkParams(BaseModel):
    """How the zone graph turns distances into travel times.

    Defaults, their units and the reasons behind them are in ``data/params/network.csv``.
    """

    # strict: a boolean or a quoted number is a mistake; nan and inf mean nothing for a road
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    circuity_factor: float = _shipped("circuity_factor", ge=1.0, le=3.0,
                                       description="road distance over straight-line distance between zones")
    # walking pace to the expressway limit (data/params/limits.csv): slower makes every trip
    # outlast the simulated day
    speed_core_kmh: float = _shipped("speed_core_kmh", ge=_SPEED_MIN, le=_SPEED_MAX,
                                    description="car speed in the core districts, km/h")
    speed_outer_kmh: float = _shipped("speed_outer_kmh", ge=_SPEED_MIN, le=_SPEED_MAX,
                                     description="car speed in the outer districts, km/h")
    # trucks are never faster than cars, nor slower than half their speed (limits.csv)
    truck_speed_factor: float = _shipped("truck_speed_factor", ge=limit("truck_speed_factor_min"), le=1.0,
                                        description="truck speed as a fraction of car speed")
    adjacency_tolerance_m: float = _shipped("adjacency_tolerance_m", ge=0, le=500,
                                           description="zones closer than this, in metres, are linked")
