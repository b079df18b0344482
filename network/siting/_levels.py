"""Exact p-median by generating distance levels of the radius formulation.

For demand ``i`` and any distance level ``D`` the inequality

    theta_i >= D - sum_j max(0, D - c_ij) y_j

holds for every choice of open sites ``y`` (if the nearest open site is at
``d <= D`` the right-hand side is at most ``d``; otherwise it is ``D < d``).
Taken over all distinct costs ``D`` of row ``i`` these are the radius
formulation of Elloumi (2010) with its covering variables projected out, and
their linear relaxation equals that of the strong formulation.  Only a few
levels per demand matter, so, after Garcia, Labbe & Marin (2011), the model
starts from the level of each demand in the incumbent and adds a level only
where a solution needs it:

* in the linear relaxation, the level at which the open fractions ``y``,
  taken nearest first, first reach 1 (the maximiser of the right-hand side);
* in an integer solution, each demand's actual distance (the cut is then
  tight, so the model value becomes that solution's true cost).

Any subset of levels gives a relaxation, so the model's bound is always
valid; the MIP is re-solved until its optimum is a solution whose true cost
equals its model value, or its bound meets the incumbent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import mip
from .errors import SitingError

__all__: list[str] = []

# Pseudocost branching instead of SCIP's reliability (strong) branching, and a
# short root cut loop: the level cuts already give the strong LP bound, and on
# the OR-Library instances this halves the solve time.  The search is mostly a
# proof (the interchange incumbent is usually optimal, and every better
# solution SCIP finds is priced anyway), so the costly primal heuristics
# (large-neighbourhood searches and LP dives: RENS alone took 7 s of pmed36's
# root) are off, and depth-first node selection re-solves each node's LP from
# its parent's basis: 30-40% less SCIP time on pmed36.
_HEURISTICS_OFF = (
    "rens rins alns feaspump crossover dins gins lpface mutation localbranching adaptivediving fracdiving "
    "farkasdiving conflictdiving distributiondiving guideddiving linesearchdiving pscostdiving veclendiving "
    "coefdiving actconsdiving objpscostdiving rootsoldiving intdiving shiftandpropagate proximity octane"
).split()
_SCIP_PARAMS = "\n".join([
    "branching/pscost/priority = 1000000",
    "separating/maxroundsroot = 5",
    "separating/maxrounds = 0",
    "nodeselection/dfs/stdpriority = 1000000",
    *(f"heuristics/{name}/freq = -1" for name in _HEURISTICS_OFF),
])

# Pricing every swap costs (open sites x levels x sites); beyond this (about
# 2 s) the MIP rounds are left to find the under-priced solutions themselves.
# It pays where p is small and the proof hard (pmed36-39); with large p
# (pmed25, p = 167) SCIP is quick and the pricing would cost 10-20 s.
_MAX_PRICED = 30_000_000


class Levels:
    """The ``(demand, level)`` cuts of the model, in the order they were added."""

    def __init__(self, n: int) -> None:
        self.by_row: list[set[float]] = [set() for _ in range(n)]
        self.rows: list[int] = []
        self.values: list[float] = []

    def add(self, rows: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Record the new ``(row, level)`` pairs; return those not already present."""
        pairs = zip(rows.tolist(), levels.tolist(), strict=True)
        fresh = [k for k, (i, d) in enumerate(pairs) if d not in self.by_row[i]]
        new_rows, new_levels = rows[fresh], levels[fresh]
        for i, d in zip(new_rows.tolist(), new_levels.tolist(), strict=True):
            self.by_row[i].add(d)
        self.rows += new_rows.tolist()
        self.values += new_levels.tolist()
        return new_rows, new_levels

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class LevelOutcome:
    """Best columns found, a valid lower bound and whether it is a proof."""

    columns: np.ndarray | None
    bound: float
    optimal: bool
    infeasible: bool
    lp_bound: float | None
    n_levels: int
    mip_rounds: int
    solver_time_s: float


def _add_cuts(solver: Any, y: list, theta: list, weighted: np.ndarray, rows: np.ndarray, levels: np.ndarray) -> None:
    for i, level in zip(rows.tolist(), levels.tolist(), strict=True):
        ct = solver.Constraint(level, solver.infinity())
        ct.SetCoefficient(theta[i], 1.0)
        reach = level - weighted[i]
        for j in np.flatnonzero(reach > 0):
            ct.SetCoefficient(y[j], float(reach[j]))


def _master(solver: Any, weighted: np.ndarray, p: int, must_open: np.ndarray, *, integer: bool) -> tuple[list, list]:
    """``p`` open sites and one cost variable per demand, without cuts yet."""
    n, m = weighted.shape
    y = [solver.BoolVar(f"y[{j}]") if integer else solver.NumVar(0.0, 1.0, f"y[{j}]") for j in range(m)]
    for j in np.flatnonzero(must_open):
        y[j].SetLb(1.0)
    card = solver.Constraint(p, p)
    for var in y:
        card.SetCoefficient(var, 1)
    nearest = weighted.min(axis=1)
    theta = [solver.NumVar(float(nearest[i]), solver.infinity(), f"theta[{i}]") for i in range(n)]
    objective = solver.Objective()
    for var in theta:
        objective.SetCoefficient(var, 1)
    objective.SetMinimization()
    return y, theta


def _lp_levels(weighted: np.ndarray, y: np.ndarray, order: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Per demand, the level maximising the cut's right-hand side at fractional ``y``."""
    reached = np.cumsum(y[order], axis=1) >= 1.0 - 1e-9
    first = np.argmax(reached, axis=1)
    return ranked[np.arange(weighted.shape[0]), first]


def _violated(weighted: np.ndarray, y: np.ndarray, theta: np.ndarray, levels: np.ndarray) -> np.ndarray:
    rhs = levels - np.maximum(0.0, levels[:, None] - weighted) @ y
    return np.flatnonzero(rhs > theta + 1e-7 * np.maximum(1.0, np.abs(levels)))


def _relaxation(weighted: np.ndarray, p: int, must_open: np.ndarray, levels: Levels) -> float | None:
    """Add levels until the linear relaxation is that of the full radius formulation.

    Returns its value, or ``None`` when the fixings leave no solution.
    """
    order = np.argsort(weighted, axis=1, kind="stable")
    ranked = np.take_along_axis(weighted, order, axis=1)
    solver = mip.new_lp_solver()
    y, theta = _master(solver, weighted, p, must_open, integer=False)
    _add_cuts(solver, y, theta, weighted, np.asarray(levels.rows, dtype=int), np.asarray(levels.values))
    while True:
        value = mip.solve_lp(solver, what="p_median")
        if value is None:
            return None
        y_val = np.array([var.solution_value() for var in y])
        theta_val = np.array([var.solution_value() for var in theta])
        wanted = _lp_levels(weighted, y_val, order, ranked)
        short = _violated(weighted, y_val, theta_val, wanted)
        rows, new = levels.add(short, wanted[short])
        if rows.size == 0:
            return value
        _add_cuts(solver, y, theta, weighted, rows, new)


def _swap_prices(weighted: np.ndarray, levels: Levels, open_cols: np.ndarray) -> np.ndarray:
    """Model value, at the current levels, of every solution one swap from ``open_cols``.

    Entry ``[r, j]`` prices ``open_cols`` with its ``r``-th site replaced by
    column ``j`` (``inf`` where ``j`` is already open).  For an integer
    solution each demand's ``theta`` is the largest right-hand side among its
    cuts, or its nearest cost.
    """
    n, m = weighted.shape
    rows = np.asarray(levels.rows, dtype=int)
    values = np.asarray(levels.values)
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], values[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    cut_rows = rows[starts]
    floor = weighted.min(axis=1)
    reach_all = np.maximum(0.0, values[:, None] - weighted[rows])  # cuts x columns
    reach_open = reach_all[:, open_cols]
    base = values - reach_open.sum(axis=1)
    prices = np.full((open_cols.size, m), np.inf)
    for r in range(open_cols.size):
        rhs = (base + reach_open[:, r])[:, None] - reach_all
        theta = np.repeat(floor[:, None], m, axis=1)
        theta[cut_rows] = np.maximum(theta[cut_rows], np.maximum.reduceat(rhs, starts, axis=0))
        prices[r] = theta.sum(axis=0)
    prices[:, open_cols] = np.inf
    return prices


def _price_neighbours(weighted: np.ndarray, levels: Levels, open_cols: np.ndarray, threshold: float,
                      *, max_passes: int = 20) -> int:
    """Add levels until no solution one swap from ``open_cols`` is priced below ``threshold``.

    Those are the solutions a MIP round would otherwise find under-priced
    first, at the cost of re-solving the MIP for their levels.  Returns the
    number of levels added.
    """
    m = weighted.shape[1]
    open_cols = np.asarray(open_cols, dtype=int)
    total = 0
    if open_cols.size * len(levels) * m > _MAX_PRICED:
        return total
    for _ in range(max_passes):
        prices = _swap_prices(weighted, levels, open_cols)
        added = 0
        for r, j in np.argwhere(prices < threshold).tolist():
            cols = open_cols.copy()
            cols[r] = j
            y = np.zeros(m)
            y[cols] = 1.0
            distance = weighted[:, cols].min(axis=1)
            short = _under_priced(weighted, levels, y, distance)
            rows, _ = levels.add(short, distance[short])
            added += rows.size
        total += added
        if added == 0:
            break
    return total


def _under_priced(weighted: np.ndarray, levels: Levels, y: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Demands whose model ``theta`` at integer ``y`` is below their true ``distance``."""
    theta = weighted.min(axis=1).copy()
    rows = np.asarray(levels.rows, dtype=int)
    values = np.asarray(levels.values)
    rhs = values - (np.maximum(0.0, values[:, None] - weighted[rows]) @ y)
    np.maximum.at(theta, rows, rhs)
    return np.flatnonzero(theta < distance - 1e-7 * np.maximum(1.0, distance))


def solve_levels(
    weighted: np.ndarray,
    p: int,
    must_open: np.ndarray,
    incumbent: np.ndarray,
    upper: float,
    *,
    deadline: float | None,
    integral: bool,
) -> LevelOutcome:
    """Minimise the p-median cost over the columns of ``weighted``.

    ``incumbent`` (column indices, true cost ``upper``) seeds the levels and
    SCIP's primal bound.  ``deadline`` is a :func:`time.perf_counter` value.
    ``integral`` says every objective is an integer, so bounds round up.
    """
    n, m = weighted.shape
    levels = Levels(n)
    levels.add(np.arange(n), weighted[:, incumbent].min(axis=1))
    lp_bound = _relaxation(weighted, p, must_open, levels)
    if lp_bound is None:
        return LevelOutcome(None, upper, False, True, None, len(levels), 0, 0.0)
    _price_neighbours(weighted, levels, np.asarray(incumbent, dtype=int), upper)
    best_cols, best_value, bound = incumbent, upper, -math.inf
    solver_time, rounds = 0.0, 0
    tol = 1e-9 * max(1.0, abs(upper))
    while True:
        remaining = None if deadline is None else deadline - time.perf_counter()
        if remaining is not None and remaining <= 0:
            break
        solver = mip.new_solver(scip_params=_SCIP_PARAMS)
        y, theta = _master(solver, weighted, p, must_open, integer=True)
        _add_cuts(solver, y, theta, weighted, np.asarray(levels.rows, dtype=int), np.asarray(levels.values))
        # A complete starting solution: SCIP ignores hints that leave most
        # variables unset.
        start = np.isin(np.arange(m), best_cols)
        solver.SetHint(y + theta, start.astype(float).tolist() + weighted[:, start].min(axis=1).tolist())
        try:
            outcome = mip.solve(solver, time_limit_s=remaining, what="p_median", allow_infeasible=True)
        except SitingError:
            if remaining is None:
                raise
            break  # out of time before SCIP found anything
        rounds += 1
        solver_time += outcome.wall_time_s
        if outcome.infeasible:
            return LevelOutcome(None, upper, False, True, lp_bound, len(levels), rounds, solver_time)
        bound = max(bound, outcome.bound)
        if integral:
            bound = math.ceil(bound - 1e-6)
        chosen, value, n_new = _price(weighted, y, theta, levels)
        if value < best_value:
            best_cols, best_value = chosen, value
        # SCIP's other stored solutions were also priced below their true
        # cost on their way to the optimum: their levels now too, rather
        # than one re-solve each.
        while solver.NextSolution():
            other, other_value, _ = _price(weighted, y, theta, levels)
            if other_value < best_value:
                best_cols, best_value = other, other_value
        # Proven when the bound meets the best solution, or when SCIP's
        # optimum is a solution the model already prices at its true cost
        # (within the solver's feasibility tolerance): the model then holds
        # no cheaper solution, and the better of it and the incumbent wins.
        if bound >= best_value - tol or (outcome.optimal and n_new == 0):
            return LevelOutcome(best_cols, max(bound, lp_bound), True, False, lp_bound, len(levels), rounds,
                                solver_time)
        if not outcome.optimal:
            break  # out of time
        # The neighbours of SCIP's under-priced optimum are the next
        # candidates to be under-priced.
        _price_neighbours(weighted, levels, chosen, best_value)
    return LevelOutcome(best_cols, max(bound, lp_bound), False, False, lp_bound, len(levels), rounds, solver_time)


def _price(weighted: np.ndarray, y: list, theta: list, levels: Levels) -> tuple[np.ndarray, float, int]:
    """Read the solver's current solution and add the levels it is under-priced at.

    Returns its columns, true cost and the number of levels added.
    """
    open_sites = np.array([var.solution_value() > 0.5 for var in y])
    distance = weighted[:, open_sites].min(axis=1)
    theta_val = np.array([var.solution_value() for var in theta])
    short = _violated(weighted, open_sites.astype(float), theta_val, distance)
    rows, _ = levels.add(short, distance[short])
    return np.flatnonzero(open_sites), float(distance.sum()), int(rows.size)
