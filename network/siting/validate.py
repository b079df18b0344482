"""Solver-independent checks of siting solutions.

Each validator recomputes the objective from the instance and the reported
sites (and, for CFL, the reported allocation) without any solver, raises
:class:`~network.siting.errors.SitingError` when the solution is infeasible
or its reported objective differs by more than 1e-6 relative, and returns the
recomputed objective.  FRLM coverage is decided by simulating the fuel level
along each round trip, independently of the arc-cover sets used by the model.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ._inputs import as_matrix, as_vector, check_scalar, fmt
from ._trips import build_trips
from .errors import SitingError
from .facility import prepare as cfl_prepare
from .result import SitingResult

__all__ = [
    "frlm_coverage",
    "round_trip_feasible",
    "validate_facility_location",
    "validate_frlm",
    "validate_max_covering",
    "validate_p_median",
]

_REL_TOL = 1e-6


def _check_objective(reported: float, recomputed: float, what: str) -> float:
    if abs(reported - recomputed) > _REL_TOL * max(1.0, abs(recomputed)):
        raise SitingError(f"result: reported {what} {reported!r} differs from recomputed {recomputed!r}")
    return recomputed


def _site_columns(result: SitingResult, cols: list, p: int | None) -> np.ndarray:
    if len(set(result.sites)) != len(result.sites):
        raise SitingError("result: sites contain duplicates")
    position = {c: j for j, c in enumerate(cols)}
    unknown = [s for s in result.sites if s not in position]
    if unknown:
        raise SitingError(f"result: sites {unknown[:5]!r} are not candidate sites")
    if p is not None and len(result.sites) != p:
        raise SitingError(f"result: {len(result.sites)} sites chosen, expected p={p}")
    if not result.sites:
        raise SitingError("result: no sites chosen")
    return np.array([position[s] for s in result.sites], dtype=int)


def round_trip_feasible(
    nodes: Sequence[Hashable], lengths_km: Sequence[float], stations: Iterable[Hashable], *, range_km: float
) -> bool:
    """Whether a vehicle can complete a closed walk refuelling at ``stations``.

    The vehicle starts at ``nodes[0]`` with a full tank if a station stands
    there and half a tank otherwise, fills up at every station it passes,
    must never run dry, and, without an origin station, must arrive home
    with at least half a tank so the trip can be repeated (Kuby & Lim 2005).

    Parameters
    ----------
    nodes : sequence
        Closed walk ``O, ..., D, ..., O`` (first node repeated at the end).
    lengths_km : sequence of float
        Length of each of the ``len(nodes) - 1`` arcs.
    stations : iterable
        Nodes with a station.
    range_km : float
        Full-tank range.
    """
    stations = set(stations)
    tol = 1e-9 * max(1.0, range_km)
    home = nodes[0] in stations
    fuel = range_km if home else range_km / 2.0
    for node, length in zip(nodes[:-1], lengths_km, strict=True):
        if node in stations:
            fuel = range_km
        fuel -= length
        if fuel < -tol:
            return False
    return home or fuel >= range_km / 2.0 - tol


def frlm_coverage(
    graph: nx.Graph, od: pd.DataFrame, stations: Iterable[Hashable], *, range_km: float
) -> pd.Series:
    """Boolean Series (indexed like ``od``): which round trips ``stations`` refuel."""
    range_km = check_scalar("range_km", range_km, positive=True)
    stations = set(stations)
    trips = build_trips(graph, od)
    flags = [
        bool(stations & t.path_nodes) and round_trip_feasible(t.nodes, t.lengths_km, stations, range_km=range_km)
        for t in trips
    ]
    return pd.Series(flags, index=od.index, name="covered")


def validate_frlm(
    graph: nx.Graph, od: pd.DataFrame, result: SitingResult, *, range_km: float, p: int | None = None
) -> float:
    """Recompute the refuelled flow of an FRLM result by fuel simulation.

    Returns
    -------
    float
        The recomputed covered flow.
    """
    _site_columns(result, list(graph.nodes), p)
    covered = frlm_coverage(graph, od, result.sites, range_km=range_km)
    flow = pd.to_numeric(od["flow"]).to_numpy(dtype=float)
    recomputed = float(flow[covered.to_numpy()].sum())
    if set(result.covered) != set(od.index[covered.to_numpy()]):
        raise SitingError("result: covered OD rows disagree with the fuel simulation")
    return _check_objective(result.objective, recomputed, "covered flow")


def validate_p_median(cost: Any, result: SitingResult, *, p: int | None = None, weights: Any = None) -> float:
    """Recompute the weighted cost of serving each demand from its nearest chosen site."""
    arr, rows, cols = as_matrix("cost", cost)
    w = np.ones(len(rows)) if weights is None else as_vector("weights", weights, rows)
    chosen = _site_columns(result, cols, p)
    recomputed = float(w @ arr[:, chosen].min(axis=1))
    open_sites = set(result.sites)
    if result.assignment and not set(result.assignment.values()) <= open_sites:
        raise SitingError("result: assignment uses a site that is not open")
    return _check_objective(result.objective, recomputed, "cost")


def validate_max_covering(
    cost: Any, result: SitingResult, *, radius: float, p: int | None = None, weights: Any = None
) -> float:
    """Recompute the weight within ``radius`` of some chosen site."""
    arr, rows, cols = as_matrix("cost", cost)
    w = np.ones(len(rows)) if weights is None else as_vector("weights", weights, rows)
    radius = check_scalar("radius", radius)
    chosen = _site_columns(result, cols, p)
    covered = (arr[:, chosen] <= radius).any(axis=1)
    if result.covered and set(result.covered) != {rows[i] for i in np.flatnonzero(covered)}:
        raise SitingError("result: covered demands disagree with the radius test")
    return _check_objective(result.objective, float(w[covered].sum()), "covered weight")


def validate_facility_location(
    fixed_cost: Any,
    capacity: Any,
    demand: Any,
    assign_cost: Any,
    result: SitingResult,
    *,
    single_source: bool = False,
) -> float:
    """Check capacities, full service and single sourcing; recompute the cost."""
    data = cfl_prepare(fixed_cost, capacity, demand, assign_cost, single_source=single_source)
    chosen = _site_columns(result, data.sites, None)
    row = {c: i for i, c in enumerate(data.customers)}
    col = {c: j for j, c in enumerate(data.sites)}
    alloc = np.zeros_like(data.assign_cost)
    for (customer, site), fraction in result.allocation.items():
        if customer not in row or site not in col:
            raise SitingError(f"result: allocation ({customer!r}, {site!r}) names an unknown customer or site")
        if not np.isfinite(fraction) or fraction < -_REL_TOL or fraction > 1 + _REL_TOL:
            raise SitingError(f"result: allocation ({customer!r}, {site!r}) = {fraction!r} is outside [0, 1]")
        alloc[row[customer], col[site]] = fraction
    closed = np.setdiff1d(np.arange(len(data.sites)), chosen)
    if (alloc[:, closed] > _REL_TOL).any():
        raise SitingError("result: demand is allocated to a site that is not open")
    served = alloc.sum(axis=1)
    short = np.flatnonzero(np.abs(served - 1.0) > _REL_TOL)
    if short.size:
        i = int(short[0])
        raise SitingError(f"demand: customer {data.customers[i]!r} is {served[i]:.6g} served, not fully")
    if single_source and ((alloc > _REL_TOL) & (alloc < 1 - _REL_TOL)).any():
        raise SitingError("single_source: some customer's demand is split across sites")
    load = (alloc * data.demand[:, None]).sum(axis=0)
    over = np.flatnonzero(load > data.capacity * (1 + _REL_TOL) + _REL_TOL)
    if over.size:
        j = int(over[0])
        raise SitingError(
            f"capacity: site {data.sites[j]!r} serves {fmt(load[j])} > capacity {fmt(data.capacity[j])} "
            f"(over by {fmt(load[j] - data.capacity[j])})"
        )
    recomputed = float(data.fixed_cost[chosen].sum() + (data.assign_cost * alloc).sum())
    return _check_objective(result.objective, recomputed, "cost")
