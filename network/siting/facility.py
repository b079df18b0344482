"""Capacitated facility location (CFL), split or single-source demand.

    min  sum_j f_j y_j + sum_ij c_ij x_ij
    s.t. sum_j x_ij = 1                     every customer fully served
         sum_i d_i x_ij <= s_j y_j          capacity of open sites
         x_ij <= y_j                        strong linking (tightens the LP)
         sum_j s_j y_j >= sum_i d_i         implied; helps the LP bound
         y binary, x in [0, 1] (binary when single_source)

``c_ij`` (``assign_cost[i][j]``) is the cost of serving *all* of customer
``i``'s demand from site ``j``, so a fraction ``x_ij`` costs ``c_ij x_ij``
(OR-Library capacitated warehouse convention).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import mip
from ._inputs import as_matrix, as_vector, check_time_limit, fmt, sort_ids
from .errors import SitingError
from .result import SitingResult

__all__ = ["capacitated_facility_location"]

log = logging.getLogger(__name__)

# Allocations below this are solver noise, not real splits.
_FRACTION_EPS = 1e-9


@dataclass(frozen=True)
class CflData:
    """Checked CFL instance with labels."""

    fixed_cost: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    assign_cost: np.ndarray
    customers: list
    sites: list


def prepare(fixed_cost: Any, capacity: Any, demand: Any, assign_cost: Any, *, single_source: bool) -> CflData:
    """Check the instance; raise :class:`SitingError` on bad or infeasible data."""
    cost, customers, sites = as_matrix("assign_cost", assign_cost)
    f = as_vector("fixed_cost", fixed_cost, sites)
    s = as_vector("capacity", capacity, sites)
    d = as_vector("demand", demand, customers)
    total_s, total_d = float(s.sum()), float(d.sum())
    if total_s < total_d * (1 - 1e-12):
        raise SitingError(
            f"capacity: total {fmt(total_s)} < demand {fmt(total_d)} (short by {fmt(total_d - total_s)})"
        )
    if single_source and d.size and d.max() > s.max() * (1 + 1e-12):
        i = int(np.argmax(d))
        raise SitingError(
            f"capacity: largest {fmt(s.max())} < demand {fmt(d[i])} of customer {customers[i]!r} "
            f"(short by {fmt(d[i] - s.max())}) with single_source=True"
        )
    return CflData(f, s, d, cost, customers, sites)


def cfl_result(
    data: CflData,
    open_cols: np.ndarray,
    alloc: np.ndarray,
    *,
    method: str,
    status: str,
    gap: float,
    bound: float | None,
    started: float,
    info: dict,
) -> SitingResult:
    """Build the result from open columns and an ``n x m`` fraction matrix."""
    open_cols = np.sort(np.asarray(open_cols, dtype=int))
    served = alloc * data.demand[:, None]
    objective = float(data.fixed_cost[open_cols].sum() + (data.assign_cost * alloc).sum())
    allocation = {
        (data.customers[i], data.sites[j]): float(alloc[i, j]) for i, j in zip(*np.nonzero(alloc), strict=True)
    }
    return SitingResult(
        model="cfl",
        method=method,
        objective=objective,
        sites=sort_ids([data.sites[j] for j in open_cols]),
        status=status,
        gap=gap,
        solve_time_s=time.perf_counter() - started,
        bound=bound,
        assignment={data.customers[i]: data.sites[int(np.argmax(alloc[i]))] for i in range(alloc.shape[0])},
        allocation=allocation,
        loads={data.sites[j]: float(served[:, j].sum()) for j in open_cols},
        info=info,
    )


def capacitated_facility_location(
    fixed_cost: Any,
    capacity: Any,
    demand: Any,
    assign_cost: Any,
    *,
    single_source: bool = False,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Open sites and allocate demand at minimum fixed plus allocation cost.

    Parameters
    ----------
    fixed_cost : array-like or pandas.Series
        Length ``m`` opening cost per site.
    capacity : array-like or pandas.Series
        Length ``m`` capacity per site, in demand units.
    demand : array-like or pandas.Series
        Length ``n`` demand per customer.
    assign_cost : array-like or pandas.DataFrame
        ``n x m``; cost of serving all of customer ``i``'s demand from site
        ``j``.  DataFrame index/columns become customer/site ids, and Series
        arguments indexed by those ids are aligned by label.
    single_source : bool
        Require each customer to be served by exactly one site.
    time_limit_s : float, optional
        Solver time limit.

    Returns
    -------
    SitingResult
        ``allocation`` maps ``(customer, site)`` to the served fraction,
        ``loads`` gives demand served per open site and ``assignment`` the
        main site of each customer.

    Raises
    ------
    SitingError
        On invalid input, total capacity below total demand, or (single
        source) demands that cannot be packed into the capacities.
    """
    started = time.perf_counter()
    time_limit_s = check_time_limit(time_limit_s)
    data = prepare(fixed_cost, capacity, demand, assign_cost, single_source=bool(single_source))
    n, m = data.assign_cost.shape
    solver = mip.new_solver()
    y = [solver.BoolVar(f"y[{j}]") for j in range(m)]
    make = solver.BoolVar if single_source else (lambda name: solver.NumVar(0.0, 1.0, name))
    x = [[make(f"x[{i},{j}]") for j in range(m)] for i in range(n)]
    objective = solver.Objective()
    for j in range(m):
        objective.SetCoefficient(y[j], float(data.fixed_cost[j]))
        cap = solver.Constraint(-solver.infinity(), 0.0)
        cap.SetCoefficient(y[j], -float(data.capacity[j]))
        for i in range(n):
            cap.SetCoefficient(x[i][j], float(data.demand[i]))
    for i in range(n):
        serve = solver.Constraint(1.0, 1.0)
        for j in range(m):
            serve.SetCoefficient(x[i][j], 1)
            objective.SetCoefficient(x[i][j], float(data.assign_cost[i, j]))
            link = solver.Constraint(-solver.infinity(), 0.0)
            link.SetCoefficient(x[i][j], 1)
            link.SetCoefficient(y[j], -1)
    cover = solver.Constraint(float(data.demand.sum()), solver.infinity())
    for j in range(m):
        cover.SetCoefficient(y[j], float(data.capacity[j]))
    objective.SetMinimization()
    infeasible = (
        f"single_source: the {n} demands (total {fmt(data.demand.sum())}) cannot be packed into "
        f"the site capacities (total {fmt(data.capacity.sum())})"
    )
    outcome = mip.solve(solver, time_limit_s=time_limit_s, what="cfl", infeasible=infeasible)
    open_cols = np.array([j for j in range(m) if y[j].solution_value() > 0.5], dtype=int)
    alloc = np.array([[x[i][j].solution_value() for j in range(m)] for i in range(n)])
    alloc[:, np.setdiff1d(np.arange(m), open_cols)] = 0.0
    alloc = np.clip(alloc, 0.0, 1.0)
    alloc[alloc < _FRACTION_EPS] = 0.0
    if single_source:
        alloc = np.where(alloc > 0.5, 1.0, 0.0)
    alloc /= alloc.sum(axis=1, keepdims=True)
    status = "optimal" if outcome.optimal else "feasible"
    info = {"solver": "SCIP", "single_source": bool(single_source), "solver_time_s": outcome.wall_time_s}
    result = cfl_result(data, open_cols, alloc, method="exact", status=status, gap=0.0,
                        bound=outcome.bound, started=started, info=info)
    gap = mip.relative_gap(result.objective, outcome.bound, optimal=outcome.optimal)
    log.info("cfl (single_source=%s): cost %.6f, %d sites open (%s)",
             single_source, result.objective, open_cols.size, status)
    return replace(result, gap=gap)
