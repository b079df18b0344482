"""p-median and maximal covering location on a cost matrix.

``cost`` is an ``n_demand x n_sites`` matrix (numpy array or DataFrame whose
index and columns become the demand and site ids of the result).

The exact p-median proceeds in three steps, all exact:

1. an upper bound from greedy addition plus vertex substitution;
2. Lagrangian site elimination (:mod:`network.siting._lagrange`): sites that
   cannot be in any solution better than that bound are dropped, sites that
   must be in every such solution are fixed open;
3. the radius formulation of Elloumi (2010) on the surviving sites with its
   distance levels generated as needed (Garcia, Labbe & Marin 2011;
   :mod:`network.siting._levels`): the linear relaxation gets the levels
   that give it the strong LP bound, SCIP branches, and levels are added
   where an integer solution is priced below its true cost, until the
   optimum is priced exactly or the bound meets the incumbent.  On the
   OR-Library instances a few levels per demand suffice, against one per
   distinct distance in the full formulation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np

from . import mip
from ._inputs import as_matrix, as_vector, check_count, check_scalar, check_time_limit, sort_ids
from ._heuristics import interchange, median_greedy_columns
from ._lagrange import is_integral, reduce_sites
from ._levels import solve_levels
from .result import SitingResult

__all__ = ["max_covering", "p_median"]

log = logging.getLogger(__name__)


def prepare(cost: Any, p: Any, weights: Any) -> tuple[np.ndarray, list, list, np.ndarray]:
    """Check ``cost``, ``p`` and ``weights``; return arrays and labels."""
    arr, rows, cols = as_matrix("cost", cost)
    check_count("p", p, n_candidates=len(cols))
    w = np.ones(len(rows)) if weights is None else as_vector("weights", weights, rows)
    return arr, rows, cols, w


def median_result(
    arr: np.ndarray,
    rows: list,
    cols: list,
    w: np.ndarray,
    chosen: np.ndarray,
    *,
    method: str,
    status: str,
    gap: float,
    bound: float | None,
    started: float,
    info: dict,
) -> SitingResult:
    """Assign each demand to its nearest chosen site and build the result."""
    chosen = np.sort(np.asarray(chosen, dtype=int))
    nearest = chosen[np.argmin(arr[:, chosen], axis=1)]
    served = arr[np.arange(len(rows)), nearest]
    loads = {cols[j]: 0.0 for j in chosen}
    for i, j in enumerate(nearest):
        loads[cols[j]] += float(w[i])
    return SitingResult(
        model="p_median",
        method=method,
        objective=float(w @ served),
        sites=sort_ids([cols[j] for j in chosen]),
        status=status,
        gap=gap,
        solve_time_s=time.perf_counter() - started,
        bound=bound,
        assignment={rows[i]: cols[j] for i, j in enumerate(nearest)},
        loads=loads,
        info=info,
    )


def p_median(
    cost: Any,
    *,
    p: int,
    weights: Any = None,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Open ``p`` sites minimising the weighted cost of serving every demand.

    Parameters
    ----------
    cost : array-like or pandas.DataFrame
        ``n_demand x n_sites`` non-negative costs (e.g. distance in km).
    p : int
        Number of sites to open, ``1 <= p <= n_sites``.
    weights : array-like or pandas.Series, optional
        Non-negative demand weights (default 1).  A Series indexed by the
        demand ids of a DataFrame ``cost`` is aligned by label.
    time_limit_s : float, optional
        Solver time limit; on expiry the best solution is returned as
        ``"feasible"`` with its gap.

    Returns
    -------
    SitingResult
        ``assignment`` maps each demand to its nearest open site; ``loads``
        holds the weight served by each site.
    """
    started = time.perf_counter()
    time_limit_s = check_time_limit(time_limit_s)
    arr, rows, cols, w = prepare(cost, p, weights)
    weighted = w[:, None] * arr
    incumbent = interchange(weighted, median_greedy_columns(weighted, p))
    upper = float(weighted[:, incumbent].min(axis=1).sum())
    red = reduce_sites(weighted, p, upper, incumbent)
    kept = np.flatnonzero(red.keep)
    info: dict[str, Any] = {
        "solver": "SCIP",
        "heuristic_objective": upper,
        "lagrangian_bound": red.lower_bound,
        "sites_kept": int(kept.size),
        "sites_fixed_open": int(red.must_open.sum()),
    }
    if kept.size == p or red.lower_bound >= upper - 1e-9 * max(1.0, abs(upper)):
        # The heuristic solution already meets a valid lower bound.
        info["n_levels"] = 0
        return median_result(arr, rows, cols, w, incumbent, method="exact", status="optimal",
                             gap=0.0, bound=red.lower_bound, started=started, info=info)
    deadline = None if time_limit_s is None else started + time_limit_s
    outcome = solve_levels(weighted[:, kept], p, red.must_open[kept], np.flatnonzero(np.isin(kept, incumbent)),
                           upper, deadline=deadline, integral=is_integral(weighted))
    info.update(radius_lp_bound=outcome.lp_bound, n_levels=outcome.n_levels, mip_rounds=outcome.mip_rounds,
                solver_time_s=outcome.solver_time_s)
    if outcome.infeasible:
        # The fixings keep only solutions better than the incumbent; none
        # exists, so the incumbent is optimal.
        return median_result(arr, rows, cols, w, incumbent, method="exact", status="optimal",
                             gap=0.0, bound=upper, started=started, info=info)
    chosen = incumbent if outcome.columns is None else kept[outcome.columns]
    result = median_result(arr, rows, cols, w, chosen, method="exact", status="feasible",
                           gap=0.0, bound=None, started=started, info=info)
    if result.objective > upper:
        result = median_result(arr, rows, cols, w, incumbent, method="exact", status="feasible",
                               gap=0.0, bound=None, started=started, info=info)
    # The reduced model only holds solutions better than the incumbent, so
    # its bound is global only up to the incumbent's value.
    bound = min(max(outcome.bound, red.lower_bound), upper)
    status = "optimal" if outcome.optimal else "feasible"
    gap = mip.relative_gap(result.objective, bound, optimal=outcome.optimal)
    log.info("p_median p=%d: objective %.6g, %d of %d sites kept, %d distance levels (%s)",
             p, result.objective, kept.size, len(cols), outcome.n_levels, status)
    return replace(result, status=status, gap=gap, bound=bound, solve_time_s=time.perf_counter() - started)


def max_covering(
    cost: Any,
    *,
    p: int,
    radius: float,
    weights: Any = None,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Open ``p`` sites maximising the weight of demands within ``radius``.

    Parameters
    ----------
    cost : array-like or pandas.DataFrame
        ``n_demand x n_sites`` non-negative costs; demand ``i`` is covered
        by site ``j`` when ``cost[i, j] <= radius``.
    p : int
        Number of sites to open, ``1 <= p <= n_sites``.
    radius : float
        Coverage radius in the units of ``cost``.
    weights : array-like or pandas.Series, optional
        Non-negative demand weights (default 1).
    time_limit_s : float, optional
        Solver time limit.

    Returns
    -------
    SitingResult
        ``covered`` lists the covered demand ids; ``assignment`` maps every
        demand to its nearest open site; ``loads`` is the covered weight
        whose nearest open site is each site.
    """
    started = time.perf_counter()
    time_limit_s = check_time_limit(time_limit_s)
    arr, rows, cols, w = prepare(cost, p, weights)
    radius = check_scalar("radius", radius)
    covers = arr <= radius
    solver = mip.new_solver()
    y = [solver.BoolVar(f"y[{j}]") for j in range(len(cols))]
    card = solver.Constraint(p, p)
    for var in y:
        card.SetCoefficient(var, 1)
    objective = solver.Objective()
    for i in np.flatnonzero(covers.any(axis=1) & (w > 0)):
        z = solver.NumVar(0.0, 1.0, f"z[{i}]")
        objective.SetCoefficient(z, float(w[i]))
        ct = solver.Constraint(0.0, solver.infinity())
        ct.SetCoefficient(z, -1)
        for j in np.flatnonzero(covers[i]):
            ct.SetCoefficient(y[j], 1)
    objective.SetMaximization()
    outcome = mip.solve(solver, time_limit_s=time_limit_s, what="max_covering")
    chosen = np.array([j for j, var in enumerate(y) if var.solution_value() > 0.5], dtype=int)
    result = covering_result(arr, rows, cols, w, chosen, radius, method="exact",
                             status="optimal" if outcome.optimal else "feasible",
                             bound=outcome.bound, started=started, info={"solver": "SCIP"})
    gap = mip.relative_gap(result.objective, outcome.bound, optimal=outcome.optimal)
    log.info("max_covering p=%d radius=%g: covered %.6g (%s)", p, radius, result.objective, result.status)
    return replace(result, gap=gap)


def covering_result(
    arr: np.ndarray,
    rows: list,
    cols: list,
    w: np.ndarray,
    chosen: np.ndarray,
    radius: float,
    *,
    method: str,
    status: str,
    bound: float | None,
    started: float,
    info: dict,
) -> SitingResult:
    """Build a max-covering result for the chosen columns."""
    chosen = np.sort(np.asarray(chosen, dtype=int))
    nearest = chosen[np.argmin(arr[:, chosen], axis=1)]
    is_covered = arr[np.arange(len(rows)), nearest] <= radius
    loads = {cols[j]: 0.0 for j in chosen}
    for i in np.flatnonzero(is_covered):
        loads[cols[nearest[i]]] += float(w[i])
    return SitingResult(
        model="max_covering",
        method=method,
        objective=float(w[is_covered].sum()),
        sites=sort_ids([cols[j] for j in chosen]),
        status=status,
        gap=0.0 if status == "optimal" else float("nan"),
        solve_time_s=time.perf_counter() - started,
        bound=bound,
        assignment={rows[i]: cols[j] for i, j in enumerate(nearest)},
        loads=loads,
        covered=tuple(rows[i] for i in np.flatnonzero(is_covered)),
        info={**info, "radius": radius},
    )

