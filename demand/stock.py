"""Stock turnover of Shenzhen's road vehicles by year × segment × powertrain.

The model is stock-driven and counts whole vehicles from the start:

1. The end-2014 stock of each segment (``data/params/segments.csv``) is spread over ages by the
   segment's survival curve and its growth before 2014; BEV/PHEV/LNG/FCEV vehicles sit in the
   youngest ages (``clean_max_age_at_base``), ICE is the remainder.
2. Each year every cohort (segment × powertrain × vintage) keeps
   ``round(scale × S(age))`` vehicles, where ``S(a) = exp(-(a / λ) ** k)`` is the segment's
   Weibull survival and ``scale`` the cohort's size at age 0 (rescaled when a lever removes part
   of it). Survivors never exceed last year's count, so retirements are non-negative integers.
3. Levers remove more vehicles: ``early_retirement`` (a share of the ICE vehicles aged
   ``min_age_years`` or more each year) and ``mandate_year`` (from that year new vehicles are
   clean, i.e. non-ICE; in that year every vehicle of a powertrain no longer sold is replaced:
   always ICE, and e.g. PHEV where the segment's shares have dropped it).
4. New vehicles fill the gap to the segment's target stock: anchors of ``segments.csv`` (linear
   between them, then ``annual_growth``), or for private cars last year's target plus the plate
   quota. They are split over powertrains by the year's shares with the largest-remainder rule.

Hence, exactly and per segment × powertrain, ``vehicles[t] = vehicles[t-1] + new_vehicles[t]
- retired[t]``.

Output schema of :func:`project_stock` (one row per year × segment × powertrain the segment can
have, ``int64`` counts): ``year, segment, powertrain, vehicles, new_vehicles, retired``;
``vehicles`` is the stock at the end of the year.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DemandError
from .params import (
    MIN_YEAR,
    POWERTRAINS,
    SEGMENTS,
    NEV_POWERTRAINS,
    SegmentParams,
    StockParams,
    general_params,
)

__all__ = ["BASE_YEAR", "STOCK_COLUMNS", "survival_curve", "project_stock"]

log = logging.getLogger(__name__)

BASE_YEAR = MIN_YEAR - 1
STOCK_COLUMNS = ("year", "segment", "powertrain", "vehicles", "new_vehicles", "retired")
_ICE = POWERTRAINS.index("ICE")
NEV_INDEX = [POWERTRAINS.index(p) for p in NEV_POWERTRAINS]
NON_NEV_INDEX = [i for i in range(len(POWERTRAINS)) if i not in NEV_INDEX]


def survival_curve(age_years, *, scale_years: float, shape: float) -> np.ndarray:
    """Weibull probability that a vehicle is still registered at ``age_years``.

    ``S(a) = exp(-(a / scale_years) ** shape)``: 1 at age 0, non-increasing, tending to 0.

    Parameters
    ----------
    age_years : array_like
        Ages in years (≥ 0).
    scale_years, shape : float
        Weibull scale λ (years; about the age at which 63% have left) and shape k (> 1: the
        hazard rises with age).
    """
    ages = np.asarray(age_years, dtype=float)
    if np.any(ages < 0):
        raise DemandError("survival_curve: ages must be >= 0")
    if scale_years <= 0 or shape <= 0:
        raise DemandError("survival_curve: scale_years and shape must be > 0")
    return np.exp(-((ages / scale_years) ** shape))


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    out = np.zeros(len(weights), dtype=np.int64)
    wsum = float(weights.sum())
    if total <= 0:
        return out
    if wsum <= 0:
        out[0] = total
        return out
    exact = total * weights / wsum
    out[:] = np.floor(exact)
    rest = total - int(out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:rest]] += 1
    return out


def _allocate(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Row-wise largest-remainder split of integer ``totals`` (S,) by ``shares`` (S, P)."""
    exact = totals[:, None] * shares
    base = np.floor(exact).astype(np.int64)
    rest = totals - base.sum(axis=1)
    frac = np.where(shares > 0, exact - base, -1.0)
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(shares.shape[1])[None, :], axis=1)
    return base + (ranks < rest[:, None])


def _target_stock(seg: SegmentParams, params: StockParams, years: np.ndarray) -> np.ndarray:
    """Stock each segment aims at by the end of each year (base year included)."""
    if seg.name == "private_car":
        quota_years = sorted(params.plate_quota_per_year)
        idx = np.searchsorted(quota_years, years[1:], side="right") - 1
        quota = np.array([params.plate_quota_per_year[quota_years[i]] for i in idx])
        return seg.base_stock + np.concatenate([[0], np.cumsum(quota)]).astype(np.int64)
    points = {BASE_YEAR: seg.base_stock, **seg.stock_anchors}
    xs = np.array(sorted(points))
    ys = np.array([points[x] for x in xs], dtype=float)
    out = np.interp(years, xs, ys)
    later = years > xs[-1]
    out[later] = ys[-1] * (1.0 + seg.annual_growth) ** (years[later] - xs[-1])
    return np.rint(out).astype(np.int64)


def powertrain_share_table(seg: SegmentParams, params: StockParams, years: np.ndarray) -> np.ndarray:
    """Powertrain shares of new vehicles, (years, POWERTRAINS), rows summing to 1."""
    anchor_years = np.array(sorted(seg.new_shares))
    table = np.zeros((len(years), len(POWERTRAINS)))
    for j, pt in enumerate(POWERTRAINS):
        vals = [seg.new_shares[y].get(pt, 0.0) for y in anchor_years]
        table[:, j] = np.interp(years, anchor_years, vals)
    if seg.name == "private_car" and params.nev_share_path:
        path_years = np.array(sorted(params.nev_share_path))
        path = np.interp(years, path_years, [params.nev_share_path[y] for y in path_years])
        for i in np.nonzero(years >= path_years[0])[0]:
            table[i] = _with_nev_share(table[i], path[i])
    if seg.mandate_year is not None:
        after = years >= seg.mandate_year
        table[after, _ICE] = 0.0
        empty = after & (table.sum(axis=1) <= 0)
        fallback = "BEV" if "BEV" in seg.powertrains else next(
            p for p in seg.powertrains if p != "ICE"
        )
        table[empty, POWERTRAINS.index(fallback)] = 1.0
    return table / table.sum(axis=1, keepdims=True)


def _with_nev_share(row: np.ndarray, nev_share: float) -> np.ndarray:
    """Rescale one share row to an NEV total of ``nev_share``, keeping the splits within."""
    out = row.copy()
    nev, non = row[NEV_INDEX].sum(), row[NON_NEV_INDEX].sum()
    if nev > 0:
        out[NEV_INDEX] = row[NEV_INDEX] * nev_share / nev
    else:
        out[POWERTRAINS.index("BEV")] = nev_share
    if non > 0:
        out[NON_NEV_INDEX] = row[NON_NEV_INDEX] * (1.0 - nev_share) / non
    else:
        out[_ICE] = 1.0 - nev_share
    return out


def _base_cohorts(seg: SegmentParams, surv: np.ndarray, max_age: int, clean_age: int) -> np.ndarray:
    """End-2014 stock by (POWERTRAINS, age 0..max_age)."""
    ages = np.arange(max_age + 1)
    weights = (1.0 + seg.pre_base_growth) ** (-ages.astype(float)) * surv[: max_age + 1]
    total = _apportion(seg.base_stock, weights)
    out = np.zeros((len(POWERTRAINS), max_age + 1), dtype=np.int64)
    free = total.copy()
    for pt, count in seg.base_powertrain_stock.items():
        want = np.zeros(max_age + 1, dtype=np.int64)
        want[: clean_age + 1] = _apportion(count, weights[: clean_age + 1])
        carry = 0
        j = POWERTRAINS.index(pt)
        # A young cohort too small for its clean vehicles pushes the excess to older ages.
        for a in range(max_age + 1):
            take = min(int(want[a]) + carry, int(free[a]))
            carry += int(want[a]) - take
            out[j, a] = take
            free[a] -= take
    out[_ICE] = free
    return out


@dataclass(frozen=True)
class StockArrays:
    """Raw projection: counts indexed (year, SEGMENTS, POWERTRAINS), base year first."""

    years: np.ndarray
    vehicles: np.ndarray
    new_vehicles: np.ndarray
    retired: np.ndarray
    valid: np.ndarray


def simulate(params: StockParams) -> StockArrays:
    """Run the stock model from the base year to ``params.end_year`` (arrays, no DataFrame)."""
    gen = general_params()
    max_age, clean_age = int(gen["max_vehicle_age"]), int(gen["clean_max_age_at_base"])
    years = np.arange(BASE_YEAR, params.end_year + 1)
    first_vintage = BASE_YEAR - max_age
    vintages = np.arange(first_vintage, params.end_year + 1)
    n_seg, n_pt, n_vint = len(SEGMENTS), len(POWERTRAINS), len(vintages)

    surv = np.empty((n_seg, n_vint + 1))
    cohorts = np.zeros((n_seg, n_pt, n_vint), dtype=np.int64)
    valid = np.zeros((n_seg, n_pt), dtype=bool)
    targets = np.empty((n_seg, len(years)), dtype=np.int64)
    shares = np.empty((n_seg, len(years), n_pt))
    mandate = np.full(n_seg, -1)
    levers = []
    for si, name in enumerate(SEGMENTS):
        seg = params.segment_params(name)
        surv[si] = survival_curve(
            np.arange(n_vint + 1), scale_years=seg.weibull_scale_years, shape=seg.weibull_shape
        )
        valid[si] = [p in seg.powertrains for p in POWERTRAINS]
        base = _base_cohorts(seg, surv[si], max_age, clean_age)
        cohorts[si, :, : max_age + 1] = base[:, ::-1]
        targets[si] = _target_stock(seg, params, years)
        shares[si] = powertrain_share_table(seg, params, years)
        if seg.mandate_year is not None:
            mandate[si] = seg.mandate_year
        if seg.early_retirement is not None and seg.early_retirement.share_per_year > 0:
            levers.append((si, seg.early_retirement))

    base_age = np.clip(BASE_YEAR - vintages, 0, None)
    s_base = np.broadcast_to(surv[:, base_age][:, None, :], cohorts.shape)
    scale = np.divide(cohorts, s_base, out=np.zeros(cohorts.shape), where=s_base > 0)
    shape = (len(years), n_seg, n_pt)
    vehicles = np.zeros(shape, dtype=np.int64)
    new = np.zeros(shape, dtype=np.int64)
    retired = np.zeros(shape, dtype=np.int64)
    vehicles[0] = cohorts.sum(axis=2)

    for yi in range(1, len(years)):
        year = int(years[yi])
        age = np.clip(year - vintages, 0, None)
        s_at = surv[:, age]
        kept = np.rint(scale * s_at[:, None, :]).astype(np.int64)
        survivors = np.minimum(cohorts, kept)
        out = (cohorts - survivors).sum(axis=2)
        cohorts = survivors
        for si, lever in levers:
            if lever.start_year <= year <= lever.end_year:
                old = age >= lever.min_age_years
                gone = np.rint(lever.share_per_year * cohorts[si, _ICE, old]).astype(np.int64)
                cohorts[si, _ICE, old] -= gone
                out[si, _ICE] += int(gone.sum())
                s_old = s_at[si, old]
                scale[si, _ICE, old] = np.divide(
                    cohorts[si, _ICE, old], s_old, out=np.zeros(len(s_old)), where=s_old > 0
                )
        for si in np.nonzero(mandate == year)[0].tolist():
            # Powertrains no longer sold from the mandate year on (always ICE) leave the stock.
            gone = shares[si, yi] <= 0
            out[si, gone] += cohorts[si, gone].sum(axis=1)
            cohorts[si, gone] = 0
            scale[si, gone] = 0.0
        gap = np.maximum(targets[:, yi] - cohorts.sum(axis=(1, 2)), 0)
        added = _allocate(gap, shares[:, yi, :])
        col = year - first_vintage
        cohorts[:, :, col] = added
        scale[:, :, col] = added
        vehicles[yi], new[yi], retired[yi] = cohorts.sum(axis=2), added, out
    if np.any(vehicles[:, ~valid]):
        raise DemandError("internal: vehicles of a powertrain a segment cannot have")
    return StockArrays(years, vehicles, new, retired, valid)


def stock_frame(arrays: StockArrays, first_year: int) -> pd.DataFrame:
    """The simulated ``arrays`` as a stock table (:data:`STOCK_COLUMNS`) from ``first_year`` on."""
    keep = arrays.years >= first_year
    seg_idx, pt_idx = np.nonzero(arrays.valid)
    n_years, n_pairs = int(keep.sum()), len(seg_idx)
    seg_names = np.array(SEGMENTS, dtype=object)[seg_idx]
    pt_names = np.array(POWERTRAINS, dtype=object)[pt_idx]
    return pd.DataFrame(
        {
            "year": np.repeat(arrays.years[keep], n_pairs).astype(np.int64),
            "segment": np.tile(seg_names, n_years),
            "powertrain": np.tile(pt_names, n_years),
            "vehicles": arrays.vehicles[keep][:, seg_idx, pt_idx].ravel(),
            "new_vehicles": arrays.new_vehicles[keep][:, seg_idx, pt_idx].ravel(),
            "retired": arrays.retired[keep][:, seg_idx, pt_idx].ravel(),
        }
    )


def project_stock(
    params: StockParams | None = None, *, include_base_year: bool = False
) -> pd.DataFrame:
    """Project the vehicle stock by year × segment × powertrain.

    Parameters
    ----------
    params : StockParams, optional
        Scenario; default the calibrated baseline ``StockParams()``.
    include_base_year : bool
        Also return the end-2014 initial stock (its ``new_vehicles`` and ``retired`` are 0: the
        initial condition, not modelled flows).

    Returns
    -------
    pandas.DataFrame
        ``year, segment, powertrain, vehicles, new_vehicles, retired`` (see the module docstring),
        years ``params.start_year`` to ``params.end_year``.
    """
    params = StockParams() if params is None else params
    arrays = simulate(params)
    frame = stock_frame(arrays, BASE_YEAR if include_base_year else params.start_year)
    log.debug("projected %d stock rows to %d", len(frame), params.end_year)
    return frame
