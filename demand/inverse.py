"""The inverse problem: the smallest private-car NEV share path that reaches a target.

Parametrisation
---------------
The decision is the NEV share of new private cars (85-90% of all new registrations; the other
segments follow the scenario) from ``first_free_year`` on. Let ``s0`` be the scenario's share
in the year before, ``r`` the fastest allowed rise per year
(``StockParams.max_share_increase_per_year``, default 0.10) and ``L`` a level in ``[s0, 1]``::

    share(y) = min(L, s0 + r * (y - first_free_year + 1))      for y >= first_free_year

The share rises as fast as allowed until it reaches ``L`` and stays there: smooth enough for a
market (piecewise linear, no jump above ``r``), non-decreasing, never above 1. Paths of the family
are ordered pointwise by ``L``, and a target metric such as the NEV stock grows with ``L``, so
bisection on the one scalar ``L`` finds the pointwise-smallest path of the family that reaches the
target. The target is unreachable under the scenario's constraints when even ``L = 1`` (rise at
``r`` a year to 100%) falls short; the result then says by how much. When the target is met
already at ``L = s0`` (share frozen at its last value) the result says so
(``exceeded_at_floor``): no increase is needed, and the achieved value may be well above the
target.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from szplan.data import i18n

from .errors import DemandError
from .params import NEV_POWERTRAINS, StockParams
from .stock import NEV_INDEX, stock_frame, powertrain_share_table, simulate
from .targets import load_targets, stock_metrics, target_verdict

__all__ = ["SharePathResult", "required_share_path"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class SharePathResult:
    """Answer of :func:`required_share_path`.

    Attributes
    ----------
    metric, year, target_value
        The target.
    share_path : pandas.DataFrame
        ``year, share, all_vehicle_nev_share``: the private-car NEV share of new registrations
        from ``first_free_year`` to the scenario's end year, and the resulting NEV share of all
        new vehicles.
    level : float
        The level ``L`` the path rises to.
    achieved_value : float
        The metric in the target year with this path.
    reachable : bool
        Whether the target is reached (within ``rel_tol``).
    shortfall : float
        ``target_value - achieved_value`` when unreachable, else 0.
    exceeded_at_floor : bool
        The target is met even with the share frozen at its last value.
    params : StockParams
        The scenario with the path applied (``nev_share_path``).
    bound : str
        The target's bound (``about`` or ``at_least``), for :attr:`verdict`.
    """

    metric: str
    year: int
    target_value: float
    share_path: pd.DataFrame
    level: float
    achieved_value: float
    reachable: bool
    shortfall: float
    exceeded_at_floor: bool
    params: StockParams
    bound: str = "at_least"

    @property
    def verdict(self) -> str:
        """``short``, ``within`` or ``exceeded``: :func:`demand.target_verdict` of the answer."""
        return str(target_verdict([self.target_value], [self.achieved_value], [self.bound])["verdict"][0])

    @property
    def path(self) -> pd.DataFrame:
        """Alias of :attr:`share_path`."""
        return self.share_path

    def describe(self, lang: str = "en") -> str:
        """A few lines for people, in ``lang``: target, answer, shortfall or margin."""
        def fmt(v: float) -> str:
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

        gap = self.achieved_value - self.target_value
        fields = {
            "metric": self.metric, "year": self.year, "target": fmt(self.target_value),
            "bound": i18n.text(f"bound.{self.bound}", lang), "level": f"{self.level:.1%}",
            "achieved": fmt(self.achieved_value), "gap": fmt(gap), "shortfall": fmt(self.shortfall),
            "pct": f" ({gap / self.target_value:+.1%})" if self.target_value else "",
            "verdict": i18n.verdict_text(self.verdict, lang),
        }
        case = "frozen" if self.exceeded_at_floor else "reachable" if self.reachable else "unreachable"
        return i18n.text("stock.describe_head", lang, **fields) + "\n" + i18n.text(f"stock.describe_{case}", lang,
                                                                                   **fields)


def _resolve_target(target) -> tuple[str, int, float, str]:
    if isinstance(target, str):
        table = load_targets()
        row = table[table["target_id"] == target]
        if row.empty:
            raise DemandError.of("stock.unknown_target", got=repr(target), known=", ".join(table["target_id"]))
        return (str(row["metric"].iloc[0]), int(row["year"].iloc[0]), float(row["value"].iloc[0]),
                str(row["bound"].iloc[0]))
    try:
        metric, year, value = target
        return str(metric), int(year), float(value), "at_least"
    except (TypeError, ValueError):
        raise DemandError(
            f"target must be a target id of targets.csv or (metric, year, value), got {target!r}"
        ) from None


def _stock_target_ids(metrics: pd.DataFrame) -> list[str]:
    table = load_targets()
    return list(table.loc[table["metric"].isin(set(metrics["metric"])), "target_id"])


def required_share_path(
    params: StockParams | None,
    target,
    *,
    first_free_year: int = 2025,
    rel_tol: float = 1e-3,
    max_iter: int = 60,
) -> SharePathResult:
    """Smallest private-car NEV share path (see the module docstring) reaching ``target``.

    Parameters
    ----------
    params : StockParams or None
        Scenario (default the baseline); its ``nev_share_path`` is replaced from
        ``first_free_year`` on.
    target : str or tuple
        A ``target_id`` of ``targets.csv`` (e.g. ``"nev_stock_2030"``) or ``(metric, year,
        value)`` with a metric of :func:`demand.stock_metrics`.
    first_free_year : int
        First year whose share is free; default 2025, the first year after the calibrated
        history.
    rel_tol : float
        Stop when the achieved value is within this relative distance above the target.
    max_iter : int
        Bisection steps at most.

    Returns
    -------
    SharePathResult

    Raises
    ------
    DemandError
        Unknown target or metric, or years outside the scenario.
    """
    params = StockParams() if params is None else params
    metric, year, value, bound = _resolve_target(target)
    if not params.start_year <= first_free_year <= year <= params.end_year:
        raise DemandError(
            f"need start_year <= first_free_year <= target year <= end_year; got "
            f"{params.start_year}, {first_free_year}, {year}, {params.end_year}"
        )
    years = np.arange(first_free_year, params.end_year + 1)
    shares = powertrain_share_table(
        params.segment_params("private_car"), params, np.array([first_free_year - 1])
    )
    s0 = float(shares[0, NEV_INDEX].sum())
    rise = params.max_share_increase_per_year
    cache: dict[float, tuple[float, pd.DataFrame, StockParams]] = {}

    def evaluate(level: float) -> float:
        path = np.minimum(level, s0 + rise * (years - first_free_year + 1))
        anchors = {int(y): float(min(s, 1.0)) for y, s in zip(years, path, strict=True)}
        trial = params.model_copy(update={"nev_share_path": anchors})
        stock = stock_frame(simulate(trial), first_free_year)
        metrics = stock_metrics(stock)
        hit = metrics[(metrics["metric"] == metric) & (metrics["year"] == year)]
        if hit.empty:
            raise DemandError.of("stock.target_not_computed", got=repr(target if isinstance(target, str) else metric),
                                 known=", ".join(_stock_target_ids(metrics)))
        cache[level] = (float(hit["value"].iloc[0]), stock, trial)
        return cache[level][0]

    lo, hi = s0, 1.0
    f_lo, f_hi = evaluate(lo), evaluate(hi)
    exceeded = f_lo >= value
    if exceeded:
        best = lo
    elif f_hi < value * (1.0 - rel_tol):
        best = hi
    else:
        best = hi
        for _ in range(max_iter):
            mid = 0.5 * (lo + hi)
            f_mid = evaluate(mid)
            if f_mid >= value:
                hi, best = mid, mid
                if f_mid <= value * (1.0 + rel_tol):
                    break
            else:
                lo = mid
            if hi - lo < 1e-7:
                break
    achieved, stock, trial = cache[best]
    reachable = achieved >= value * (1.0 - rel_tol)
    nev = stock["powertrain"].isin(NEV_POWERTRAINS)
    nev_new = stock[nev].groupby("year")["new_vehicles"].sum()
    all_new = stock.groupby("year")["new_vehicles"].sum()
    share_path = pd.DataFrame(
        {
            "year": years.astype(np.int64),
            "share": [trial.nev_share_path[int(y)] for y in years],
            "all_vehicle_nev_share": (nev_new / all_new.where(all_new > 0))
            .reindex(years)
            .to_numpy(),
        }
    )
    log.info(
        "%s %d target %.6g: level %.4f achieved %.6g (%s)", metric, year, value, best, achieved,
        "reachable" if reachable else "unreachable",
    )
    return SharePathResult(
        metric=metric,
        year=year,
        target_value=value,
        share_path=share_path,
        level=float(best),
        achieved_value=achieved,
        reachable=bool(reachable),
        shortfall=0.0 if reachable else float(value - achieved),
        exceeded_at_floor=bool(exceeded),
        params=trial,
        bound=bound,
    )
