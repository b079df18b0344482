"""Flow-refuelling location model (FRLM), arc-cover / path-cover form.

Kuby & Lim (2005) maximise the round-trip flow that can be refuelled with
``p`` stations on the nodes of a network, for vehicles of limited range.
Instead of their pre-generated station combinations this module uses the
arc-cover / path-cover formulation of Capar, Kuby, Leon & Tsai (2013):

    max  sum_q f_q y_q
    s.t. y_q <= sum_{k in K(q, a)} x_k   for every arc a of round trip q
         sum_k x_k = p,   x binary,   0 <= y_q <= 1

where ``K(q, a)`` holds the nodes from which a full tank reaches the head of
arc ``a`` along the round trip (see :func:`~network.siting._trips.arc_cover_sets`).
Vehicles leave an origin without a station with half a tank and must return
with at least half a tank (Kuby & Lim's convention); on a round trip along a
path and its reverse this is exactly the cyclic reading used by the sets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable
from dataclasses import replace

import networkx as nx
import pandas as pd

from . import mip
from ._inputs import check_count, check_scalar, check_time_limit, sort_ids
from ._trips import Trip, arc_cover_sets, build_trips
from .errors import SitingError
from .result import SitingResult

__all__ = ["frlm", "frlm_result"]

log = logging.getLogger(__name__)


def prepare(
    graph: nx.Graph, od: pd.DataFrame, range_km: float, p: int
) -> tuple[list[Hashable], list[Trip], list[list[frozenset] | None]]:
    """Check the arguments and build trips and their arc-cover sets."""
    if not isinstance(graph, nx.Graph):
        raise SitingError(f"graph: expected a networkx graph, got {type(graph).__name__}")
    range_km = check_scalar("range_km", range_km, positive=True)
    nodes = list(graph.nodes)
    check_count("p", p, n_candidates=len(nodes), what="nodes in graph")
    trips = build_trips(graph, od)
    return nodes, trips, [arc_cover_sets(t, range_km) for t in trips]


def frlm_result(
    trips: list[Trip],
    cover_sets: list[list[frozenset] | None],
    stations: set[Hashable],
    *,
    method: str,
    status: str,
    gap: float,
    bound: float | None,
    started: float,
    info: dict,
) -> SitingResult:
    """Build the result for a station set, deciding coverage by arc cover."""
    covered = [
        t for t, sets in zip(trips, cover_sets, strict=True)
        if sets is not None and all(stations & s for s in sets)
    ]
    sites = sort_ids(list(stations))
    loads = {k: 0.0 for k in sites}
    for t in covered:
        for k in t.path_nodes & stations:
            loads[k] += t.flow
    return SitingResult(
        model="frlm",
        method=method,
        objective=float(sum(t.flow for t in covered)),
        sites=sites,
        status=status,
        gap=gap,
        solve_time_s=time.perf_counter() - started,
        bound=bound,
        loads=loads,
        covered=tuple(t.label for t in covered),
        info=info,
    )


def frlm(
    graph: nx.Graph,
    od: pd.DataFrame,
    *,
    range_km: float,
    p: int,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Locate ``p`` refuelling stations to maximise the refuelled round-trip flow.

    Parameters
    ----------
    graph : networkx.Graph
        Network with edge attribute ``length`` in km; every node is a
        candidate station site.
    od : pandas.DataFrame
        One row per OD pair with columns ``origin``, ``destination``,
        ``flow`` and optionally ``path`` (list of nodes from origin to
        destination, used both ways).  Without ``path`` the shortest path by
        ``length`` is used.
    range_km : float
        Vehicle range on a full tank.
    p : int
        Number of stations to open (exactly ``p``; extra stations never hurt).
    time_limit_s : float, optional
        Solver time limit; the best solution found is returned with status
        ``"feasible"`` when it is reached.

    Returns
    -------
    SitingResult
        ``covered`` holds the labels of the refuelled OD rows and ``loads``
        the covered flow passing each station.

    Raises
    ------
    SitingError
        On invalid input.
    """
    started = time.perf_counter()
    time_limit_s = check_time_limit(time_limit_s)
    nodes, trips, cover_sets = prepare(graph, od, range_km, p)
    # The models are tiny; SCIP's root restarts cost more than they save.
    solver = mip.new_solver(scip_params="presolving/maxrestarts = 0")
    x = {k: solver.BoolVar(f"x[{i}]") for i, k in enumerate(nodes)}
    card = solver.Constraint(p, p)
    for var in x.values():
        card.SetCoefficient(var, 1)
    objective = solver.Objective()
    n_rows = 0
    for q, (trip, sets) in enumerate(zip(trips, cover_sets, strict=True)):
        if sets is None or trip.flow == 0:
            continue
        y = solver.NumVar(0.0, 1.0, f"y[{q}]")
        objective.SetCoefficient(y, trip.flow)
        for s in sets:
            row = solver.Constraint(0.0, solver.infinity())
            row.SetCoefficient(y, -1)
            for k in s:
                row.SetCoefficient(x[k], 1)
            n_rows += 1
    objective.SetMaximization()
    outcome = mip.solve(solver, time_limit_s=time_limit_s, what="frlm")
    stations = {k for k, var in x.items() if var.solution_value() > 0.5}
    info = {
        "solver": "SCIP",
        "range_km": float(range_km),
        "n_trips": len(trips),
        "n_uncoverable_trips": sum(s is None for s in cover_sets),
        "n_cover_rows": n_rows,
        "solver_time_s": outcome.wall_time_s,
    }
    result = frlm_result(
        trips, cover_sets, stations,
        method="exact",
        status="optimal" if outcome.optimal else "feasible",
        gap=0.0,
        bound=outcome.bound,
        started=started,
        info=info,
    )
    gap = mip.relative_gap(result.objective, outcome.bound, optimal=outcome.optimal)
    log.info("frlm p=%d range=%g km: covered flow %.6g (%s)", p, range_km, result.objective, result.status)
    return replace(result, gap=gap)
