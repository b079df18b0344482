"""Time-of-use prices and how drivers answer them.

Shenzhen charging pays time-of-use electricity prices (``data/params/tariffs.csv``): public and
depot chargers the operators' tariff (``operator_tou``) plus a flat service fee, home piles on a
time-of-use residential meter ``residential_tou``.
A driver who *responds* to the prices and whose car stays parked long enough moves the charge
into the valley period: a timer (home and public AC piles, depots) starts the charge at the
valley's start (spread over the first ``timer_spread_min`` minutes), or as late as still lets it
finish before departure. A driver who must drive to a DC station has no timer and no reason to go
at the valley's first minute: any start that finishes inside the valley and before departure pays
the valley price, so the start is spread evenly over that window (:func:`valley_window_spread_min`).
A driver who does not respond, or who must drive on, charges at once.

The share of responding drivers per segment is the share of its charging that moves out of the
peak at the shipped prices (``charging_behaviour.csv``: ``tou_shift_share``; for private cars
``home_timer_share`` at home and ``public_tou_shift_share`` elsewhere). The scenario can change
the prices: the share then moves in proportion to the saving a driver gets by moving a kWh from
the flat period into the valley, as a share of what the driver pays in the flat period (a linear
response through the observed point).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from szplan.data.tables import ParamsError, read_params

__all__ = ["TariffParams", "tariff_periods", "valley_window_min", "peak_windows_min", "response_shares",
           "deferred_start_min", "deferred_start_min_one", "valley_window_spread_min",
           "period_of_minute", "PUBLIC_TARIFF", "HOME_TARIFF", "HOME_KEY"]

#: tariffs of ``tariffs.csv`` paid by public and depot chargers, and by home piles with a timer
PUBLIC_TARIFF, HOME_TARIFF = "operator_tou", "residential_tou"
#: key of :func:`response_shares` for private cars charging at home
HOME_KEY = "private_car_home"
#: tariff periods priced above the flat period
PEAK_PERIODS = ("peak", "sharp")

_DAY_MIN = 1440.0


class TariffParams(BaseModel):
    """Pricing levers of a scenario; ``None`` keeps the shipped tariff."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    valley_price_cny_per_kwh: float | None = Field(None, ge=0, le=5, description="valley electricity "
                                                   "price paid by public and depot charging operators")
    service_fee_cny_per_kwh: float | None = Field(None, ge=0, le=5, description="charging service fee "
                                                  "on top of the electricity price at public chargers")
    response_share: float | None = Field(None, ge=0, le=1, description="share of drivers who move "
                                         "charging into the valley when their dwell allows, for every "
                                         "segment (overrides the published shares)")


def _table() -> pd.DataFrame:
    return read_params("tariffs.csv")


def _months(spec: str) -> set[int]:
    start, end = (int(x) for x in str(spec).split("-"))
    return {((start - 1 + k) % 12) + 1 for k in range((end - start) % 12 + 1)}


def tariff_periods(tariff: str, month: int) -> pd.DataFrame:
    """``period, start_min, end_min, price_cny_per_kwh`` of ``tariff`` in ``month``, covering
    the day once, in time order."""
    table = _table()
    rows = table[(table["tariff"] == tariff) & table["months"].map(lambda m: month in _months(m))]
    if rows.empty:
        raise ParamsError(f"tariff: no {tariff!r} periods for month {month} in tariffs.csv")
    out = pd.DataFrame({"period": rows["period"].to_numpy(), "start_min": rows["start_h"].to_numpy(float) * 60,
                        "end_min": rows["end_h"].to_numpy(float) * 60,
                        "price_cny_per_kwh": rows["price_cny_per_kwh"].to_numpy(float)})
    return out.sort_values("start_min", ignore_index=True)


def period_of_minute(tariff: str, month: int, minute: np.ndarray) -> np.ndarray:
    """Period name (valley, flat, peak, ...) at each clock minute (folded onto the day)."""
    periods = tariff_periods(tariff, month)
    folded = np.mod(np.asarray(minute, dtype=float), _DAY_MIN)
    index = np.searchsorted(periods["end_min"].to_numpy(), folded, side="right")
    return periods["period"].to_numpy()[np.minimum(index, len(periods) - 1)]


def valley_window_min(tariff: str, month: int) -> tuple[float, float]:
    """Start and end minute of the day's longest valley period."""
    periods = tariff_periods(tariff, month)
    valley = periods[periods["period"] == "valley"]
    if valley.empty:
        raise ParamsError(f"tariff: {tariff!r} has no valley period in month {month}")
    longest = valley.loc[(valley["end_min"] - valley["start_min"]).idxmax()]
    return float(longest["start_min"]), float(longest["end_min"])


def peak_windows_min(tariff: str, month: int) -> list[tuple[float, float]]:
    """Start and end minute of each stretch of peak-priced hours (``peak`` and ``sharp``
    periods, adjacent ones merged), in time order."""
    periods = tariff_periods(tariff, month)
    windows: list[tuple[float, float]] = []
    for start, end in periods.loc[periods["period"].isin(PEAK_PERIODS), ["start_min", "end_min"]].itertuples(
            index=False):
        if windows and windows[-1][1] == start:
            windows[-1] = (windows[-1][0], float(end))
        else:
            windows.append((float(start), float(end)))
    return windows


def _price(tariff: str, month: int, period: str) -> float:
    periods = tariff_periods(tariff, month)
    return float(periods.loc[periods["period"] == period, "price_cny_per_kwh"].mean())


def _behaviour() -> pd.DataFrame:
    return read_params("charging_behaviour.csv")


def _saving_share(flat: float, valley: float, fee: float) -> float:
    return max(0.0, flat - valley) / max(flat + fee, 1e-9)


def _observed_shares() -> dict[str, float]:
    table = _behaviour()
    shares = table[table["parameter"] == "tou_shift_share"].set_index("segment")["value"].astype(float).to_dict()
    private = table[table["segment"] == "private_car"].set_index("parameter")["value"].astype(float)
    shares["private_car"] = float(private["public_tou_shift_share"])
    shares[HOME_KEY] = float(private["home_timer_share"])
    return shares


def service_fee_cny_per_kwh() -> float:
    """The public charging service fee of the shipped tariff."""
    fee = tariff_periods("service_fee", 1)
    return float(fee["price_cny_per_kwh"].mean())


def response_shares(params: TariffParams, month: int) -> dict[str, float]:
    """Share of each segment's drivers who move charging into the valley, under ``params``
    (key :data:`HOME_KEY` for private cars at their home pile)."""
    shares = _observed_shares()
    if params.response_share is not None:
        return {key: float(params.response_share) for key in shares}
    fee0 = service_fee_cny_per_kwh()
    flat, valley0 = _price(PUBLIC_TARIFF, month, "flat"), _price(PUBLIC_TARIFF, month, "valley")
    valley = valley0 if params.valley_price_cny_per_kwh is None else params.valley_price_cny_per_kwh
    fee = fee0 if params.service_fee_cny_per_kwh is None else params.service_fee_cny_per_kwh
    scale = _saving_share(flat, valley, fee) / max(_saving_share(flat, valley0, fee0), 1e-9)
    # home piles pay no service fee; a change of the operators' valley price does not reach them
    return {key: float(np.clip(s * (1.0 if key == HOME_KEY else scale), 0.0, 1.0)) for key, s in shares.items()}


def deferred_start_min(plug_min, depart_min, need_min, valley: tuple[float, float], spread_min):
    """When a responding driver's charge starts: the next valley start plus ``spread_min`` (a
    number or an array of draws), or as late as still finishes ``need_min`` before departure,
    never before plugging in. Broadcasts over arrays; clock minutes may exceed one day."""
    plug = np.asarray(plug_min, dtype=float)
    depart = np.asarray(depart_min, dtype=float)
    need = np.asarray(need_min, dtype=float)
    v0, v1 = valley
    day = np.floor(plug / _DAY_MIN) * _DAY_MIN
    in_valley = (plug - day >= v0) & (plug - day < v1)
    next_start = np.where(plug - day < v0, day + v0, day + _DAY_MIN + v0)
    start = np.where(in_valley, plug, next_start + np.asarray(spread_min, dtype=float))
    start = np.minimum(start, depart - need)
    return np.maximum(start, plug)


def deferred_start_min_one(plug_min: float, depart_min: float, need_min: float, valley: tuple[float, float],
                           spread_min: float) -> float:
    """:func:`deferred_start_min` for one session, in plain floats (the simulation's hot path)."""
    next_start = _next_valley_start_min(plug_min, valley)
    start = plug_min if next_start is None else next_start + spread_min
    return max(min(start, depart_min - need_min), plug_min)


def _next_valley_start_min(plug_min: float, valley: tuple[float, float]) -> float | None:
    """The clock minute the next valley starts, or None when ``plug_min`` is inside one."""
    v0, v1 = valley
    day = math.floor(plug_min / _DAY_MIN) * _DAY_MIN
    if v0 <= plug_min - day < v1:
        return None
    return day + v0 if plug_min - day < v0 else day + _DAY_MIN + v0


def valley_window_spread_min(plug_min: float, depart_min: float, need_min: float,
                             valley: tuple[float, float]) -> float:
    """Minutes after the next valley start within which a charge of ``need_min`` can still start
    and finish inside that valley and before departure (0 when the plug-in is inside a valley or
    no such start exists)."""
    start = _next_valley_start_min(plug_min, valley)
    if start is None:
        return 0.0
    latest = min(start - valley[0] + valley[1], depart_min) - need_min
    return max(latest - start, 0.0)
