"""Parameters of the Shenzhen station plan, with defaults from ``data/params/siting.csv``."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from shenzhen_data import data_path

__all__ = ["SitingParams", "ServiceArea", "siting_defaults", "default_service_areas"]


@lru_cache(maxsize=1)
def siting_defaults() -> dict[str, float]:
    """The shipped defaults: ``parameter -> value`` from ``data/params/siting.csv``."""
    table = pd.read_csv(data_path("params", "siting.csv"))
    return dict(zip(table["parameter"], table["value"].astype(float)))


class ServiceArea(BaseModel):
    """An expressway service area that must offer fast charging."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    lon: float = Field(ge=113.0, le=116.0)
    lat: float = Field(ge=22.0, le=23.5)


@lru_cache(maxsize=1)
def default_service_areas() -> tuple[ServiceArea, ...]:
    """The documented default list (``data/params/expressway_service_areas.csv``)."""
    table = pd.read_csv(data_path("params", "expressway_service_areas.csv"))
    return tuple(ServiceArea(name=r.name, lon=r.lon, lat=r.lat) for r in table.itertuples(index=False))


def _shipped(name: str, **bounds):
    return Field(default_factory=lambda: siting_defaults()[name], **bounds)


class SitingParams(BaseModel):
    """Budget, grid, service level and the other inputs of ``fleetsim site``.

    Defaults, their units and reasons are in ``data/params/siting.csv``; ``grid_headroom_kw``
    overrides the per-zone default for named zones (zone id → kW).
    """

    model_config = ConfigDict(extra="forbid")

    phase_years: list[int] = Field(default_factory=lambda: [2025, 2030], min_length=1)
    budget_cny: float = _shipped("budget_cny", ge=0)
    grid_headroom_kw_per_zone: float = _shipped("grid_headroom_kw_per_zone", ge=0)
    grid_headroom_kw: dict[int, float] = Field(default_factory=dict)
    max_wait_min: float = _shipped("max_wait_min", gt=0)
    service_share: float = _shipped("service_share", gt=0, lt=1)
    peak_utilisation: float = _shipped("peak_utilisation", gt=0, le=1)
    max_access_min: float = _shipped("max_access_min", gt=0)
    access_cost_cny_per_vehicle_min: float = _shipped("access_cost_cny_per_vehicle_min", ge=0)
    unserved_cost_cny_per_daily_session: float = _shipped("unserved_cost_cny_per_daily_session", gt=0)
    site_fixed_cost_cny: float = _shipped("site_fixed_cost_cny", ge=0)
    max_new_units_per_site: int = Field(default_factory=lambda: int(siting_defaults()["max_new_units_per_site"]),
                                        ge=1, le=1000)
    min_integrated_sites: int = Field(default_factory=lambda: int(siting_defaults()["min_integrated_sites"]), ge=0)
    time_limit_s: float = _shipped("time_limit_s", gt=0)
    relative_gap: float = _shipped("relative_gap", ge=0, lt=1)
    expressway_service_areas: list[ServiceArea] = Field(default_factory=lambda: list(default_service_areas()))
    resize_rounds: int = Field(3, ge=0, le=10, description="re-simulation rounds that resize sites")

    def headroom_kw(self, zone_id: int) -> float:
        return self.grid_headroom_kw.get(int(zone_id), self.grid_headroom_kw_per_zone)
