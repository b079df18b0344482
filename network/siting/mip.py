"""Thin, deterministic wrapper around OR-Tools' ``pywraplp`` SCIP backend.

Linear relaxations that are re-solved many times as rows are added (the
p-median's distance-level generation) use GLOP, which keeps its basis
between solves.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from .errors import SitingError

__all__ = ["MipOutcome", "new_solver", "new_lp_solver", "solve_lp", "solve", "relative_gap"]

log = logging.getLogger(__name__)

# Proofs of optimality must be exact up to floating-point noise; the pywraplp
# default of 1e-4 would stop early on the benchmark instances.
_RELATIVE_GAP = 1e-9


@dataclass(frozen=True)
class MipOutcome:
    """What the caller needs from a MIP solve."""

    optimal: bool
    infeasible: bool
    objective: float
    bound: float
    wall_time_s: float


def new_solver(*, scip_params: str = "") -> pywraplp.Solver:
    """Create a SCIP solver (single-threaded, hence deterministic).

    ``scip_params`` holds SCIP settings lines such as
    ``"presolving/maxrestarts = 0"``.
    """
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise SitingError("solver: OR-Tools was built without SCIP")
    if scip_params and not solver.SetSolverSpecificParametersAsString(scip_params):
        raise SitingError(f"solver: SCIP rejected parameters {scip_params!r}")
    return solver


def new_lp_solver() -> pywraplp.Solver:
    """Create a GLOP linear-programming solver (warm-started on re-solves)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        raise SitingError("solver: OR-Tools was built without GLOP")
    return solver


def solve_lp(solver: pywraplp.Solver, *, what: str) -> float | None:
    """Solve a linear program; return its optimal value, or ``None`` if infeasible."""
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return None
    if status != pywraplp.Solver.OPTIMAL:
        raise SitingError(f"{what}: the linear relaxation stopped with status {status}")
    return float(solver.Objective().Value())


def solve(
    solver: pywraplp.Solver,
    *,
    time_limit_s: float | None,
    what: str,
    infeasible: str | None = None,
    allow_infeasible: bool = False,
    gap: float = _RELATIVE_GAP,
) -> MipOutcome:
    """Solve and translate the status; raise :class:`SitingError` when no solution.

    ``infeasible`` is the message used if the model proves infeasible; callers
    pass one that names the argument and the shortfall.  With
    ``allow_infeasible`` an infeasible model is reported in the outcome
    instead. ``gap`` is the relative gap at which SCIP may stop (default: a proof of optimality).
    """
    if time_limit_s is not None:
        solver.SetTimeLimit(max(1, int(math.ceil(time_limit_s * 1000))))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, gap)
    status = solver.Solve(params)
    wall = solver.wall_time() / 1000.0
    log.debug("%s: SCIP status %s in %.3f s", what, status, wall)
    if status == pywraplp.Solver.INFEASIBLE:
        if allow_infeasible:
            return MipOutcome(False, True, math.nan, math.nan, wall)
        raise SitingError(infeasible or f"{what}: the model is infeasible")
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        if time_limit_s is not None:
            raise SitingError(f"time_limit_s: no feasible solution found for {what} within {time_limit_s:g} s")
        raise SitingError(f"{what}: the solver stopped without a solution")
    objective = solver.Objective()
    return MipOutcome(
        optimal=status == pywraplp.Solver.OPTIMAL,
        infeasible=False,
        objective=objective.Value(),
        bound=objective.BestBound(),
        wall_time_s=wall,
    )


def relative_gap(objective: float, bound: float, *, optimal: bool) -> float:
    """Relative gap, reported as exactly ``0.0`` for proven optima."""
    if optimal:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-12)
