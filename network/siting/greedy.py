"""Greedy heuristics returning the same :class:`SitingResult` as the exact models.

They give a quick reference point beside the exact optimum: ``gap`` is
``nan`` and ``status`` is ``"feasible"`` because nothing is proven.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .facility import cfl_result
from .facility import prepare as cfl_prepare
from .frlm import frlm_result
from .frlm import prepare as frlm_prepare
from .median import covering_result, median_result
from .median import prepare as median_prepare
from ._heuristics import (
    covering_greedy_columns,
    greedy_allocation,
    interchange,
    median_greedy_columns,
)
from ._inputs import check_scalar
from .errors import SitingError
from .result import SitingResult

__all__ = [
    "greedy_facility_location",
    "greedy_frlm",
    "greedy_max_covering",
    "greedy_p_median",
]

log = logging.getLogger(__name__)

_NAN = float("nan")


def greedy_p_median(cost: Any, *, p: int, weights: Any = None, improve: bool = False) -> SitingResult:
    """Greedy addition for the p-median problem.

    Parameters
    ----------
    cost, p, weights
        As in :func:`network.siting.p_median`.
    improve : bool
        Follow with vertex substitution (Teitz & Bart) to a local optimum.

    Returns
    -------
    SitingResult
    """
    started = time.perf_counter()
    arr, rows, cols, w = median_prepare(cost, p, weights)
    weighted = w[:, None] * arr
    chosen = median_greedy_columns(weighted, p)
    if improve:
        chosen = interchange(weighted, chosen)
    info = {"heuristic": "greedy add" + (" + interchange" if improve else "")}
    return median_result(arr, rows, cols, w, chosen, method="greedy", status="feasible",
                         gap=_NAN, bound=None, started=started, info=info)


def greedy_max_covering(cost: Any, *, p: int, radius: float, weights: Any = None) -> SitingResult:
    """Greedy addition for maximal covering: open the site covering most new weight.

    Parameters
    ----------
    cost, p, radius, weights
        As in :func:`network.siting.max_covering`.

    Returns
    -------
    SitingResult
    """
    started = time.perf_counter()
    arr, rows, cols, w = median_prepare(cost, p, weights)
    radius = check_scalar("radius", radius)
    chosen = covering_greedy_columns(arr <= radius, w, p)
    return covering_result(arr, rows, cols, w, chosen, radius, method="greedy", status="feasible",
                           bound=None, started=started, info={"heuristic": "greedy add"})


def greedy_frlm(graph: nx.Graph, od: pd.DataFrame, *, range_km: float, p: int) -> SitingResult:
    """Greedy addition for the FRLM.

    Each step adds the node that refuels the most additional flow.  Single
    stations often refuel nothing on their own, so ties are broken by the
    flow-weighted share of still-uncovered arcs the node would cover (then
    by node order).

    Parameters
    ----------
    graph, od, range_km, p
        As in :func:`network.siting.frlm`.

    Returns
    -------
    SitingResult
    """
    started = time.perf_counter()
    nodes, trips, cover_sets = frlm_prepare(graph, od, range_km, p)
    # incidence[k] lists (trip, set) pairs whose cover set contains node k,
    # so each candidate is scored only on the trips it can help.
    incidence: dict = {k: [] for k in nodes}
    for q, sets in enumerate(cover_sets):
        for s_idx, members in enumerate(sets or ()):
            for k in members:
                incidence[k].append((q, s_idx))
    hit = [[False] * len(sets or ()) for sets in cover_sets]
    unhit = [len(sets) if sets else -1 for sets in cover_sets]
    chosen: set = set()
    for _ in range(p):
        best_key, best_node = None, None
        for rank, k in enumerate(nodes):
            if k in chosen:
                continue
            hits_by_trip: dict[int, int] = {}
            for q, s_idx in incidence[k]:
                if not hit[q][s_idx]:
                    hits_by_trip[q] = hits_by_trip.get(q, 0) + 1
            gain = sum(trips[q].flow for q, h in hits_by_trip.items() if h == unhit[q])
            progress = sum(trips[q].flow * h / len(cover_sets[q] or ()) for q, h in hits_by_trip.items())
            key = (gain, progress, -rank)
            if best_key is None or key > best_key:
                best_key, best_node = key, k
        chosen.add(best_node)
        for q, s_idx in incidence[best_node]:
            if not hit[q][s_idx]:
                hit[q][s_idx] = True
                unhit[q] -= 1
    info = {"heuristic": "greedy add", "range_km": float(range_km)}
    return frlm_result(trips, cover_sets, chosen, method="greedy", status="feasible", gap=_NAN,
                       bound=None, started=started, info=info)


def greedy_facility_location(
    fixed_cost: Any,
    capacity: Any,
    demand: Any,
    assign_cost: Any,
    *,
    single_source: bool = False,
) -> SitingResult:
    """Greedy drop heuristic for capacitated facility location.

    Starts with every site open and repeatedly closes the site whose closure
    saves most, as long as the remaining capacity still serves all demand.
    Demand is allocated greedily in regret order (largest gap between the
    best and second-best open site first).

    Parameters
    ----------
    fixed_cost, capacity, demand, assign_cost, single_source
        As in :func:`network.siting.capacitated_facility_location`.

    Returns
    -------
    SitingResult

    Raises
    ------
    SitingError
        On invalid input, or when the greedy allocation cannot place all
        demand even with every site open (single source).
    """
    started = time.perf_counter()
    data = cfl_prepare(fixed_cost, capacity, demand, assign_cost, single_source=bool(single_source))
    total_demand = float(data.demand.sum())

    def evaluate(cols: np.ndarray) -> tuple[float, np.ndarray | None]:
        alloc = greedy_allocation(data.demand, data.capacity, data.assign_cost, cols,
                                  single_source=bool(single_source))
        if alloc is None:
            return np.inf, None
        return float(data.fixed_cost[cols].sum() + (data.assign_cost * alloc).sum()), alloc

    open_cols = np.flatnonzero(data.capacity > 0)
    if open_cols.size == 0:  # all demand is zero, so any site can serve it
        open_cols = np.arange(data.capacity.size)
    cost, alloc = evaluate(open_cols)
    if alloc is None:
        raise SitingError("single_source: the greedy allocation could not place every customer "
                          "with all sites open")
    while open_cols.size > 1:
        best: tuple[float, Any, Any] = (cost, None, None)
        for j in open_cols:
            rest = open_cols[open_cols != j]
            if data.capacity[rest].sum() < total_demand:
                continue
            trial, trial_alloc = evaluate(rest)
            if trial < best[0] - 1e-9 * max(1.0, abs(cost)):
                best = (trial, rest, trial_alloc)
        if best[1] is None:
            break
        cost, open_cols, alloc = best
    info = {"heuristic": "greedy drop", "single_source": bool(single_source)}
    return cfl_result(data, open_cols, alloc, method="greedy", status="feasible", gap=_NAN,
                      bound=None, started=started, info=info)
