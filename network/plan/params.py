"""Parameters of the Shenzhen station plan, with defaults from ``data/params/siting.csv``."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from szplan.data import data_path
from szplan.data.i18n import Problem
from szplan.data.limits import limit
from szplan.data.tables import read_params, scalar_params

__all__ = ["SitingParams", "ServiceArea", "siting_defaults", "default_service_areas"]


def siting_defaults() -> dict[str, float]:
    """The shipped defaults: ``parameter -> value`` from ``data/params/siting.csv`` (a new dict)."""
    return scalar_params("siting.csv")


@lru_cache(maxsize=1)
def zone_ids() -> frozenset[int]:
    """Ids of the 491 shipped traffic zones (``shenzhen/taz_zones.geojson``)."""
    features = json.loads(data_path("shenzhen", "taz_zones.geojson").read_text())["features"]
    return frozenset(int(f["properties"]["taz_id"]) for f in features)


# scenario inputs: a boolean or a quoted number is a mistake, not a value; nan and inf mean nothing
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
# the stock model projects 2015-2035 (demand.MIN_YEAR..MAX_YEAR); the scenario checks its own range
_PhaseYear = Annotated[int, Field(ge=2015, le=2035)]
_ZoneKey = Annotated[int, Strict(False)]  # "590" from a JSON dump is zone 590
_HeadroomKw = Annotated[float, Field(ge=0, le=limit("grid_headroom_max_kw"))]


class ServiceArea(BaseModel):
    """An expressway service area that must offer fast charging."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=200)
    lon: float = Field(ge=113.0, le=116.0)
    lat: float = Field(ge=22.0, le=23.5)


@lru_cache(maxsize=1)
def default_service_areas() -> tuple[ServiceArea, ...]:
    """The documented default list (``data/params/expressway_service_areas.csv``)."""
    table = read_params("expressway_service_areas.csv")
    return tuple(ServiceArea(name=r.name, lon=r.lon, lat=r.lat) for r in table.itertuples(index=False))


def _shipped(name: str, **bounds):
    return Field(default_factory=lambda: siting_defaults()[name], **bounds)


class SitingParams(BaseModel):
    """Budget, grid, service level and the other inputs of ``fleetsim site``.

    Defaults, their units and reasons are in ``data/params/siting.csv``; ``grid_headroom_kw``
    overrides the per-zone default for named zones (zone id → kW).
    """

    model_config = _STRICT

    phase_years: list[_PhaseYear] = Field(default_factory=lambda: [2025, 2030], min_length=1, max_length=21,
                                        description="years whose stations are planned, in order")
    budget_cny: float = _shipped("budget_cny", ge=0, le=limit("budget_max_cny"),
                                 description="capital budget of all phases, CNY")
    grid_headroom_kw_per_zone: float = _shipped("grid_headroom_kw_per_zone", ge=0, le=limit("grid_headroom_max_kw"),
                                                description="new charging power a zone's grid takes, kW")
    grid_headroom_kw: dict[_ZoneKey, _HeadroomKw] = Field(default_factory=dict,
                                                          description="headroom of named zones, kW (zone_id: kW)")
    # a day has 1,440 minutes: a longer wait or drive is no service level
    max_wait_min: float = _shipped("max_wait_min", gt=0, le=1440, description="longest wait of the service level, min")
    service_share: float = _shipped("service_share", gt=0, lt=1,
                                    description="share of arrivals served within max_wait_min")
    peak_utilisation: float = _shipped("peak_utilisation", gt=0, le=1,
                                       description="highest planned utilisation of a site in its busiest hour")
    max_access_min: float = _shipped("max_access_min", gt=0, le=1440,
                                     description="longest drive to an assigned site, min")
    # costs above the largest budget lose the solver's precision and mean nothing
    access_cost_cny_per_vehicle_min: float = _shipped(
        "access_cost_cny_per_vehicle_min", ge=0, le=limit("budget_max_cny"),
        description="cost the plan gives a minute of driving to a site, CNY per daily vehicle")
    unserved_cost_cny_per_daily_session: float = _shipped(
        "unserved_cost_cny_per_daily_session", gt=0, le=limit("budget_max_cny"),
        description="cost the plan gives a daily session left unserved, CNY")
    site_fixed_cost_cny: float = _shipped("site_fixed_cost_cny", ge=0, le=limit("budget_max_cny"),
                                          description="cost of opening a new site, CNY")
    max_new_units_per_site: int = Field(default_factory=lambda: int(siting_defaults()["max_new_units_per_site"]),
                                        ge=1, le=1000, description="most new chargers or dispensers at one site")
    min_integrated_sites: int = Field(default_factory=lambda: int(siting_defaults()["min_integrated_sites"]), ge=0,
                                      le=1000, description="integrated energy stations the plan must hold")
    # a solver limit over a day is a mistake, not a plan
    time_limit_s: float = _shipped("time_limit_s", gt=0, le=86400, description="solver time limit per phase, s")
    relative_gap: float = _shipped("relative_gap", ge=0, lt=1, description="optimality gap at which the solver stops")
    expressway_service_areas: list[ServiceArea] = Field(default_factory=lambda: list(default_service_areas()),
                                                        description="service areas that get fast chargers")
    resize_rounds: int = Field(3, ge=0, le=10, description="re-simulation rounds that resize sites")

    @field_validator("phase_years")
    @classmethod
    def _increasing(cls, years: list[int]) -> list[int]:
        for before, after in zip(years[:-1], years[1:], strict=True):
            if after <= before:
                raise Problem("params.phase_years_order", before=before, after=after)
        return years

    @field_validator("grid_headroom_kw")
    @classmethod
    def _known_zones(cls, headroom: dict[int, float]) -> dict[int, float]:
        unknown = sorted(set(headroom) - zone_ids())
        if unknown:
            raise Problem("params.unknown_zone", zone=unknown[0], n=len(zone_ids()))
        return headroom

    def headroom_kw(self, zone_id: int) -> float:
        return self.grid_headroom_kw.get(int(zone_id), self.grid_headroom_kw_per_zone)
