"""Parameters of the fleet stock model, with defaults read from ``data/params``.

Every default number lives in a CSV file of ``data/params`` together with its unit, whether it is
``sourced`` or an ``assumption``, and the source or reason; :mod:`szplan.data.tables` reads and
checks them:

``segments.csv``
    ``segment, parameter, value, unit, basis, source_or_reason``; scalar parameters per segment
    (``base_stock``, ``base_stock_<powertrain>``, ``stock_<year>`` anchors, ``annual_growth``,
    ``pre_base_growth``, ``weibull_scale``, ``weibull_shape``, ``annual_km``,
    ``ice_diesel_share``, ``mandate_year``, ``early_retirement_*``).
``powertrain_shares.csv``
    ``segment, year, powertrain, share, ...``; anchor years of the powertrain shares of new
    vehicles (a powertrain missing from an anchor year has share 0; shares are interpolated
    linearly between anchors and held before the first and after the last).
``vehicles.csv``
    ``segment, powertrain, parameter, value, unit, basis, source_or_reason``; energy use and
    tank or battery size per segment and powertrain (also read by the simulation engine). The
    powertrains listed for a segment are the only ones it can have.
``general.csv``, ``grid_factor.csv``, ``fuels.csv``
    plate quota, model constants, scenario defaults, the grid CO2 factor path, fuel factors.

``StockParams()`` is the calibrated Shenzhen baseline; a scenario changes only the fields it names.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, Strict, model_validator

from szplan.data.i18n import Problem
from szplan.data.limits import limit
from szplan.data.tables import read_params, scalar_params

from .errors import DemandError

__all__ = [
    "SEGMENTS", "POWERTRAINS", "NEV_POWERTRAINS", "MIN_YEAR", "MAX_YEAR",
    "EarlyRetirement", "SegmentParams", "SegmentOverride", "StockParams",
    "load_vehicle_params", "segment_powertrains", "general_params", "fuel_params",
]

SEGMENTS: tuple[str, ...] = (
    "private_car", "taxi", "ride_hailing", "bus", "official_car",
    "light_logistics", "heavy_truck", "sanitation", "port_tractor", "waste_transfer",
)
POWERTRAINS: tuple[str, ...] = ("BEV", "PHEV", "LNG", "FCEV", "ICE")
# China's NEV definition (新能源汽车): battery-electric, plug-in hybrid and fuel-cell vehicles.
NEV_POWERTRAINS: tuple[str, ...] = ("BEV", "PHEV", "FCEV")
MIN_YEAR = 2015
MAX_YEAR = 2035

SegmentName = Literal[SEGMENTS]  # type: ignore[valid-type]
PowertrainName = Literal[POWERTRAINS]  # type: ignore[valid-type]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
# mapping keys: a year written "2030" is still that year (scenarios dumped to JSON give strings)
YearKey = Annotated[int, Strict(False), Field(ge=MIN_YEAR, le=MAX_YEAR)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Growth = Annotated[float, Field(ge=-0.5, le=0.5)]
# bounds with their reasons in data/params/limits.csv
_MAX_STOCK = int(limit("segment_stock_max_vehicles"))
_MAX_FLEET = int(limit("fleet_max_vehicles"))
Stock = Annotated[int, Field(ge=0, le=_MAX_STOCK)]
Quota = Annotated[int, Field(ge=0, le=int(limit("plate_quota_max_per_year")))]
AnnualKm = Annotated[float, Field(ge=0.0, le=limit("annual_km_max"))]
# scenario inputs: a boolean or a quoted number is a mistake, not a value; nan and inf mean nothing
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

_SHARE_SUM_TOL = 1e-6


@lru_cache(maxsize=1)
def _vehicle_table() -> pd.DataFrame:
    frame = read_params("vehicles.csv")
    unknown = sorted(set(frame["segment"]) - set(SEGMENTS)) + sorted(
        set(frame["powertrain"]) - set(POWERTRAINS)
    )
    if unknown:
        raise DemandError(f"data/params/vehicles.csv: unknown segment or powertrain {unknown}")
    return frame


def load_vehicle_params() -> pd.DataFrame:
    """Energy use and tank/battery size per segment and powertrain (``vehicles.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment, powertrain, parameter, value, unit, basis, source_or_reason``;
        parameters ``energy_per_km`` (kWh/km for BEV and PHEV electric mode, kg/km for LNG and
        FCEV, L/km for ICE), ``capacity`` (kWh, kg or L) and, for PHEV, ``fuel_per_km`` (L/km)
        and ``electric_km_share`` (fraction). A copy: changing it changes nothing else.
    """
    return _vehicle_table().copy()


def segment_powertrains() -> dict[str, tuple[str, ...]]:
    """Powertrains each segment can have, in :data:`POWERTRAINS` order (from ``vehicles.csv``; a new dict)."""
    return dict(_segment_powertrains())


@lru_cache(maxsize=1)
def _segment_powertrains() -> dict[str, tuple[str, ...]]:
    table = _vehicle_table()
    out = {}
    for seg in SEGMENTS:
        present = set(table.loc[table["segment"] == seg, "powertrain"])
        if "ICE" not in present:
            raise DemandError(f"data/params/vehicles.csv: segment {seg!r} needs an ICE row")
        out[seg] = tuple(p for p in POWERTRAINS if p in present)
    return out


def general_params() -> dict[str, float]:
    """Scalar model constants and scenario defaults from ``general.csv`` (parameter → value; a new dict)."""
    values = scalar_params("general.csv")
    if int(values["base_year"]) != MIN_YEAR - 1:
        raise DemandError(f"data/params/general.csv: base_year must be {MIN_YEAR - 1}")
    return values


def fuel_params() -> dict[tuple[str, str], float]:
    """Fuel factors from ``fuels.csv`` keyed by ``(carrier, parameter)`` (a new dict)."""
    frame = read_params("fuels.csv")
    rows = zip(frame["carrier"], frame["parameter"], frame["value"], strict=True)
    return {(c, p): float(v) for c, p, v in rows}


@lru_cache(maxsize=1)
def _grid_defaults() -> tuple[tuple[int, float], ...]:
    frame = read_params("grid_factor.csv")
    return tuple((int(y), float(v)) for y, v in zip(frame["year"], frame["value"], strict=True))


class EarlyRetirement(BaseModel):
    """Lever: each year from ``start_year`` to ``end_year`` a share of the ICE vehicles aged
    ``min_age_years`` or more is retired early and replaced by new vehicles of the segment."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    share_per_year: Share
    min_age_years: int = Field(ge=0, le=40)
    start_year: Year
    end_year: Year

    @model_validator(mode="after")
    def _ordered(self) -> EarlyRetirement:
        if self.start_year > self.end_year:
            raise Problem("params.years_reversed", field="early_retirement: ", start=self.start_year,
                          end=self.end_year)
        return self


class SegmentParams(BaseModel):
    """Everything the stock model needs about one segment (baseline merged with a scenario)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SegmentName
    powertrains: tuple[PowertrainName, ...]
    base_stock: Stock
    base_powertrain_stock: dict[PowertrainName, NonNegativeInt] = {}
    pre_base_growth: float = Field(0.0, ge=-0.5, le=1.0)
    stock_anchors: dict[Year, Stock] = {}
    annual_growth: Growth = 0.0
    weibull_scale_years: float = Field(gt=0.0, le=100.0)
    weibull_shape: float = Field(gt=0.0, le=20.0)
    annual_km: AnnualKm
    ice_diesel_share: Share = 1.0
    mandate_year: Year | None = None
    early_retirement: EarlyRetirement | None = None
    new_shares: dict[Year, dict[PowertrainName, Share]]

    @model_validator(mode="after")
    def _consistent(self) -> SegmentParams:
        if not self.new_shares:
            raise Problem("params.no_share_anchor", segment=self.name)
        for year, shares in self.new_shares.items():
            alien = sorted(set(shares) - set(self.powertrains))
            if alien:
                raise Problem("params.alien_powertrain", segment=self.name, year=year, alien=alien,
                              allowed=list(self.powertrains))
            total = sum(shares.values())
            if abs(total - 1.0) > _SHARE_SUM_TOL:
                raise Problem("params.shares_sum", segment=self.name, year=year, total=f"{total:.6g}")
        for pt in self.base_powertrain_stock:
            if pt == "ICE" or pt not in self.powertrains:
                raise Problem("params.base_powertrain", segment=self.name, allowed=list(self.powertrains),
                              got=repr(pt))
        if sum(self.base_powertrain_stock.values()) > self.base_stock:
            raise Problem("params.base_stock_exceeded", segment=self.name, base_stock=self.base_stock)
        if self.name == "private_car" and self.stock_anchors:
            raise Problem("params.private_car_anchors", segment=self.name)
        return self


class SegmentOverride(BaseModel):
    """Scenario changes to one segment; every field is optional.

    ``stock_anchors`` and ``new_shares`` replace the baseline's anchors from their first year on
    and keep the earlier ones. Mandate year, early retirement and growth are set with the
    top-level fields of :class:`StockParams`.
    """

    model_config = _STRICT

    stock_anchors: dict[YearKey, Stock] | None = None
    # a Weibull scale under a year retires nearly the whole stock every year
    weibull_scale_years: float | None = Field(None, ge=1.0, le=100.0)
    weibull_shape: float | None = Field(None, gt=0.0, le=20.0)
    annual_km: AnnualKm | None = None
    ice_diesel_share: Share | None = None
    new_shares: dict[YearKey, dict[PowertrainName, Share]] | None = None


_SCALARS = {
    "base_stock": ("base_stock", int),
    "pre_base_growth": ("pre_base_growth", float),
    "annual_growth": ("annual_growth", float),
    "weibull_scale": ("weibull_scale_years", float),
    "weibull_shape": ("weibull_shape", float),
    "annual_km": ("annual_km", float),
    "ice_diesel_share": ("ice_diesel_share", float),
    "mandate_year": ("mandate_year", int),
}
_EARLY = {
    "early_retirement_share": ("share_per_year", float),
    "early_retirement_min_age": ("min_age_years", int),
    "early_retirement_start_year": ("start_year", int),
    "early_retirement_end_year": ("end_year", int),
}


@lru_cache(maxsize=1)
def _baseline_segments() -> dict[str, SegmentParams]:
    table = read_params("segments.csv")
    shares = read_params("powertrain_shares.csv")
    unknown = sorted((set(table["segment"]) | set(shares["segment"])) - set(SEGMENTS))
    if unknown:
        raise DemandError(f"data/params: unknown segment(s) {unknown}")
    out = {}
    for seg in SEGMENTS:
        raw: dict = {"name": seg, "powertrains": segment_powertrains()[seg]}
        base_pt: dict[str, int] = {}
        anchors: dict[int, int] = {}
        early: dict = {}
        for param, value in table.loc[table["segment"] == seg, ["parameter", "value"]].itertuples(
            index=False
        ):
            if param in _SCALARS:
                field, cast = _SCALARS[param]
                raw[field] = cast(value)
            elif param in _EARLY:
                field, cast = _EARLY[param]
                early[field] = cast(value)
            elif m := re.fullmatch(r"base_stock_(bev|phev|lng|fcev)", param):
                base_pt[m.group(1).upper()] = int(value)
            elif m := re.fullmatch(r"stock_(\d{4})", param):
                anchors[int(m.group(1))] = int(value)
            else:
                raise DemandError(f"data/params/segments.csv: unknown parameter {param!r} ({seg})")
        sub = shares[shares["segment"] == seg]
        new_shares: dict[int, dict[str, float]] = {}
        for year, pt, share in sub[["year", "powertrain", "share"]].itertuples(index=False):
            new_shares.setdefault(int(year), {})[pt] = float(share)
        raw.update(base_powertrain_stock=base_pt, stock_anchors=anchors, new_shares=new_shares)
        if early:
            raw["early_retirement"] = early
        try:
            out[seg] = SegmentParams.model_validate(raw)
        except ValueError as exc:
            raise DemandError(f"data/params (segment {seg}): {exc}") from exc
    return out


def _merge_from(base: dict, new: dict | None) -> dict:
    """Baseline anchors before the first new anchor year, then the new anchors."""
    if not new:
        return dict(base)
    first = min(new)
    merged = {y: v for y, v in base.items() if y < first}
    merged.update(new)
    return dict(sorted(merged.items()))


class StockParams(BaseModel):
    """Scenario inputs of the stock model; ``StockParams()`` is the calibrated baseline.

    Attributes
    ----------
    start_year, end_year
        Years reported by :func:`demand.project_stock` (the model always starts from the end-2014
        stock, so ``start_year`` only trims the output).
    plate_quota_per_year
        Net growth of the private-car stock per year (year → vehicles/yr, held until the next
        year given); default the 100000-plate quota.
    nev_share_path
        Private-car NEV share of new registrations (year → fraction), interpolated between the
        given years and held after the last; years before the first keep the baseline. Within
        NEVs and within non-NEVs the baseline powertrain split is kept.
    annual_growth
        Per-segment growth of the stock after its last anchor (not for ``private_car``).
    mandate_year
        Per segment: from this year on new vehicles are 100% clean (non-ICE), and during that
        year every vehicle of a powertrain no longer sold (ICE, and PHEV where the shares drop
        it) is replaced. ``None`` removes a baseline mandate.
    early_retirement
        Per segment :class:`EarlyRetirement` lever (``None`` removes a baseline programme).
    segment_overrides
        Other per-segment changes (:class:`SegmentOverride`).
    grid_factor_path
        Grid CO2 factor in kgCO2/kWh (year → value), interpolated linearly.
    hydrogen_production_route
        ``grey`` (steam reforming, the default: Guangdong's pilots run on fossil hydrogen),
        ``coal`` or ``green``; sets the hydrogen well-to-tank factor.
    home_charging_access_share
        Fraction of private BEV/PHEV owners with a home charger.
    max_share_increase_per_year
        Fastest rise of the private-car NEV share allowed by :func:`demand.required_share_path`.
    """

    model_config = _STRICT

    start_year: Year = Field(default=MIN_YEAR, description="first year reported (the model starts from end-2014)")
    end_year: Year = Field(default=MAX_YEAR, description="last year projected")
    plate_quota_per_year: dict[YearKey, Quota] = Field(
        default_factory=lambda: {MIN_YEAR: int(general_params()["plate_quota_per_year"])},
        description="net growth of the private-car stock, vehicles a year (year: value, held to the next year)"
    )
    nev_share_path: dict[YearKey, Share] = Field(
        default={}, description="private-car NEV share of new cars (year: fraction), interpolated; {} = baseline")
    annual_growth: dict[SegmentName, Growth] = Field(
        default={}, description="growth of a segment's stock after its last reported count (segment: fraction a year)")
    mandate_year: dict[SegmentName, Year | None] = Field(
        default={}, description="year from which a segment's new vehicles are all clean (segment: year or null)")
    early_retirement: dict[SegmentName, EarlyRetirement | None] = Field(
        default={}, description="ICE vehicles retired early (segment: {share_per_year, min_age_years, ...})")
    segment_overrides: dict[SegmentName, SegmentOverride] = Field(
        default={}, description="other per-segment changes (segment: {stock_anchors, new_shares, annual_km, ...})")
    grid_factor_path: dict[YearKey, Annotated[float, Field(ge=0.0, le=2.0)]] = Field(
        default_factory=lambda: dict(_grid_defaults()),
        description="grid CO2 factor, kg CO2/kWh (year: value), interpolated"
    )
    hydrogen_production_route: Literal["grey", "coal", "green"] = Field(
        default="grey", description="how hydrogen is made: grey (steam reforming), coal or green")
    home_charging_access_share: Share = Field(
        default_factory=lambda: general_params()["home_charging_access_share"],
        description="fraction of private NEV owners with a home charger"
    )
    max_share_increase_per_year: float = Field(
        default_factory=lambda: general_params()["max_share_increase_per_year"], gt=0.0, le=1.0,
        description="fastest rise of the NEV share of new cars that fleetsim stock may ask for, per year"
    )

    @model_validator(mode="after")
    def _consistent(self) -> StockParams:
        if self.start_year > self.end_year:
            raise Problem("params.years_reversed", field="", start=self.start_year, end=self.end_year)
        if "private_car" in self.annual_growth:
            raise Problem("params.private_car_growth")
        if not self.plate_quota_per_year or min(self.plate_quota_per_year) != MIN_YEAR:
            raise Problem("params.plate_quota_first_year", year=MIN_YEAR)
        if not self.grid_factor_path:
            raise Problem("params.grid_factor_empty")
        bound = sum(self.fleet_upper_bound(self.segment_params(seg)) for seg in SEGMENTS)
        if bound > _MAX_FLEET:
            raise Problem("params.fleet_too_large", bound=f"{bound:,.0f}", year=MAX_YEAR, most=f"{_MAX_FLEET:,}")
        return self

    def fleet_upper_bound(self, seg: SegmentParams) -> float:
        """An upper bound of the segment's stock in any year to :data:`MAX_YEAR`, cheap to compute.

        Private cars: the base stock plus every year's plate quota. Other segments: the
        largest of the base stock and the anchors, grown at the segment's growth rate from its
        last anchor (or the base year) to :data:`MAX_YEAR` when that growth is positive.
        """
        if seg.name == "private_car":
            quota = sorted(self.plate_quota_per_year.items())
            per_year = [next(v for y, v in reversed(quota) if y <= year) for year in range(MIN_YEAR, MAX_YEAR + 1)]
            return seg.base_stock + sum(per_year)
        last_year = max(seg.stock_anchors, default=MIN_YEAR - 1)
        top = max([seg.base_stock, *seg.stock_anchors.values()])
        return top * (1.0 + max(seg.annual_growth, 0.0)) ** (MAX_YEAR - last_year)

    def segment_params(self, segment: str) -> SegmentParams:
        """The baseline of ``segment`` with this scenario's changes applied (validated)."""
        try:
            base = _baseline_segments()[segment]
        except KeyError:
            raise DemandError(f"unknown segment {segment!r}; known: {list(SEGMENTS)}") from None
        changes = (
            self.segment_overrides, self.annual_growth, self.mandate_year, self.early_retirement
        )
        if not any(segment in change for change in changes):
            return base
        raw = base.model_dump()
        over = self.segment_overrides.get(segment)
        if over is not None:
            for field in ("weibull_scale_years", "weibull_shape", "annual_km", "ice_diesel_share"):
                if getattr(over, field) is not None:
                    raw[field] = getattr(over, field)
            raw["stock_anchors"] = _merge_from(base.stock_anchors, over.stock_anchors)
            raw["new_shares"] = _merge_from(base.new_shares, over.new_shares)
        if segment in self.annual_growth:
            raw["annual_growth"] = self.annual_growth[segment]
        if segment in self.mandate_year:
            raw["mandate_year"] = self.mandate_year[segment]
        if segment in self.early_retirement:
            lever = self.early_retirement[segment]
            raw["early_retirement"] = None if lever is None else lever.model_dump()
        return SegmentParams.model_validate(raw)
