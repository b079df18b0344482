"""Round trips for the flow-refuelling location model.

A trip is the closed walk ``O -> ... -> D -> ... -> O`` along the chosen
path and back along its reverse.  Both the arc-cover model and the
fuel-simulation validator start from the same :class:`Trip` objects, so they
agree on paths and lengths while deciding coverage independently.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from .errors import SitingError

__all__: list[str] = []


@dataclass(frozen=True)
class Trip:
    """One OD round trip.

    Attributes
    ----------
    label : Hashable
        Row label in the OD table.
    flow : float
        Trips per period.
    nodes : tuple
        Closed walk ``v0 = O, ..., D, ..., v_2m = O`` (first node repeated).
    lengths_km : tuple of float
        Length of each of the ``2m`` arcs of the walk.
    """

    label: Hashable
    flow: float
    nodes: tuple[Hashable, ...]
    lengths_km: tuple[float, ...]

    @property
    def path_nodes(self) -> frozenset:
        """Nodes visited by the trip."""
        return frozenset(self.nodes)


def _arc_length(graph: nx.Graph, u: Hashable, v: Hashable) -> float:
    if not graph.has_edge(u, v):
        raise SitingError(f"od: path uses ({u!r}, {v!r}), which is not an edge of graph")
    data = graph.get_edge_data(u, v)
    if graph.is_multigraph():
        values = [d.get("length") for d in data.values()]
    else:
        values = [data.get("length")]
    if any(x is None for x in values):
        raise SitingError(f"graph: edge ({u!r}, {v!r}) has no 'length' attribute")
    length = min(float(x) for x in values)
    if not np.isfinite(length) or length < 0:
        raise SitingError(f"graph: edge ({u!r}, {v!r}) has invalid length {length!r}")
    return length


def build_trips(graph: nx.Graph, od: pd.DataFrame) -> list[Trip]:
    """Resolve every OD row to a round trip.

    Parameters
    ----------
    graph : networkx.Graph
        Road graph with edge attribute ``length`` (km).
    od : pandas.DataFrame
        Columns ``origin``, ``destination``, ``flow`` and optionally ``path``.

    Returns
    -------
    list of Trip
    """
    if not isinstance(od, pd.DataFrame):
        raise SitingError(f"od: expected a pandas DataFrame, got {type(od).__name__}")
    missing = [c for c in ("origin", "destination", "flow") if c not in od.columns]
    if missing:
        raise SitingError(f"od: missing column(s) {', '.join(missing)}")
    if len(od) == 0:
        raise SitingError("od: no OD rows")
    flows = pd.to_numeric(od["flow"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(flows)) or flows.min() < 0:
        raise SitingError("od: column 'flow' must be finite and non-negative")
    has_path = "path" in od.columns
    trips = []
    for pos, label in enumerate(od.index):
        origin, destination = od["origin"].iat[pos], od["destination"].iat[pos]
        for end in (origin, destination):
            if end not in graph:
                raise SitingError(f"od: row {label!r} uses node {end!r}, which is not in graph")
        if origin == destination:
            raise SitingError(f"od: row {label!r} has origin == destination ({origin!r})")
        path = od["path"].iat[pos] if has_path else None
        if isinstance(path, np.ndarray):
            path = path.tolist()
        if path is None or (not isinstance(path, Sequence) and pd.isna(path)):
            try:
                path = nx.shortest_path(graph, origin, destination, weight="length")
            except nx.NetworkXNoPath:
                raise SitingError(f"od: no path from {origin!r} to {destination!r} in graph") from None
        if isinstance(path, str) or not isinstance(path, Sequence):
            raise SitingError(f"od: row {label!r} path must be a list of nodes, got {type(path).__name__}")
        path = list(path)
        if len(path) < 2 or path[0] != origin or path[-1] != destination:
            raise SitingError(f"od: row {label!r} path must run from {origin!r} to {destination!r}")
        outbound = [_arc_length(graph, u, v) for u, v in zip(path[:-1], path[1:], strict=True)]
        inbound = [_arc_length(graph, v, u) for u, v in zip(path[:-1], path[1:], strict=True)][::-1]
        nodes = tuple(path) + tuple(path[-2::-1])
        trips.append(Trip(label, float(flows[pos]), nodes, tuple(outbound + inbound)))
    return trips


def arc_cover_sets(trip: Trip, range_km: float) -> list[frozenset] | None:
    """Nodes able to refuel each arc of the closed walk (Capar et al. 2013).

    A station at node ``k`` lets a vehicle traverse arc ``a`` when ``k`` lies
    on the walk before ``a`` and the distance from ``k`` to the head of ``a``
    is within range.  The walk is treated as a cycle: a vehicle arriving back
    at its origin leaves again with the fuel it came back with, which is the
    steady-state reading of Kuby & Lim's half-tank rule.

    Returns
    -------
    list of frozenset or None
        The minimal distinct cover sets (supersets dropped because they are
        implied), or ``None`` when some arc cannot be refuelled at all.
    """
    lengths = np.asarray(trip.lengths_km, dtype=float)
    arcs = lengths.size
    nodes = trip.nodes[:-1]
    total = float(lengths.sum())
    tol = 1e-9 * max(1.0, range_km)
    sets: set[frozenset] = set()
    for t in range(arcs):
        covering = []
        travelled = 0.0
        # Walk backwards from the arc's tail; the distance to the arc's head
        # grows monotonically, so stop at the first node out of range.
        for back in range(arcs):
            s = (t - back) % arcs
            travelled += lengths[s]
            if travelled > range_km + tol:
                break
            covering.append(nodes[s])
        if not covering:
            return None
        sets.add(frozenset(covering))
    if total <= range_km + tol:
        return [frozenset(nodes)]
    minimal = [s for s in sets if not any(o < s for o in sets)]
    return sorted(minimal, key=lambda s: (len(s), sorted(map(str, s))))
