"""Readers for the benchmark instance formats used by the siting tests.

* OR-Library ``pmedN.txt`` (Beasley 1985): first line ``n edges p``, then
  ``i j cost`` edge lines of an undirected graph.  Distances are all-pairs
  shortest paths; when an edge is listed twice the last listing counts.
* OR-Library ``pmedopt.txt``: ``name value`` lines with proven optima.
* OR-Library capacitated warehouse files (``capNN.txt``): ``m n``; ``m`` lines
  ``capacity fixed_cost``; then per customer its demand followed by ``m``
  costs of allocating all of that demand to each warehouse.  Values may wrap
  across lines, so the file is read as one token stream.
* The 25-node FRLM test network (Simchi-Levi & Berman 1988 as used by Kuby &
  Lim 2005): ``nodes_25.csv``, ``edges_25.csv`` and ``od_flows_25.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .errors import SitingError

__all__ = [
    "CapInstance",
    "PMedInstance",
    "read_cap",
    "read_frlm25",
    "read_pmed",
    "read_pmed_optima",
]


@dataclass(frozen=True)
class PMedInstance:
    """An OR-Library p-median instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmed1"``.
    p : int
        Number of medians to open.
    cost : numpy.ndarray
        ``n x n`` shortest-path distance matrix (demand rows, site columns).
    """

    name: str
    p: int
    cost: np.ndarray


@dataclass(frozen=True)
class CapInstance:
    """An OR-Library capacitated warehouse location instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"cap41"``.
    fixed_cost, capacity : numpy.ndarray
        Length-``m`` warehouse opening costs and capacities.
    demand : numpy.ndarray
        Length-``n`` customer demands.
    assign_cost : numpy.ndarray
        ``n x m``; cost of serving all of customer ``i``'s demand from ``j``.
    """

    name: str
    fixed_cost: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    assign_cost: np.ndarray


def read_pmed(path: str | Path) -> PMedInstance:
    """Read an OR-Library ``pmedN.txt`` file into a distance matrix.

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    PMedInstance
        Vertices are renumbered ``0..n-1``.
    """
    path = Path(path)
    tokens = path.read_text().split()
    n, n_edges, p = (int(t) for t in tokens[:3])
    edges = np.asarray(tokens[3 : 3 + 3 * n_edges], dtype=float).reshape(n_edges, 3)
    adjacency = np.full((n, n), np.inf)
    # Sequential writes so that a repeated edge (in either orientation)
    # overwrites both directions: the OR-Library "last listing counts" rule.
    for a, b, length in edges:
        adjacency[int(a) - 1, int(b) - 1] = length
        adjacency[int(b) - 1, int(a) - 1] = length
    np.fill_diagonal(adjacency, 0.0)
    return PMedInstance(name=path.stem, p=p, cost=_floyd_warshall(adjacency))


def _floyd_warshall(dist: np.ndarray) -> np.ndarray:
    """All-pairs shortest paths on a dense matrix (``inf`` = no edge)."""
    dist = dist.copy()
    for k in range(dist.shape[0]):
        np.minimum(dist, dist[:, k, None] + dist[None, k, :], out=dist)
    return dist


def read_pmed_optima(path: str | Path) -> dict[str, float]:
    """Read ``pmedopt.txt`` into ``{"pmed1": 5819.0, ...}``."""
    optima: dict[str, float] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].lower().startswith("pmed"):
            optima[parts[0].lower()] = float(parts[1])
    return optima


def read_cap(path: str | Path) -> CapInstance:
    """Read an OR-Library capacitated warehouse file (``cap41.txt`` ...).

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    CapInstance
    """
    path = Path(path)
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    pos = 2
    warehouses = np.asarray(tokens[pos : pos + 2 * m], dtype=float).reshape(m, 2)
    pos += 2 * m
    block = np.asarray(tokens[pos : pos + n * (m + 1)], dtype=float)
    if block.size != n * (m + 1):
        raise SitingError(f"{path.name}: expected {n * (m + 1)} customer values, got {block.size}")
    block = block.reshape(n, m + 1)
    return CapInstance(
        name=path.stem,
        fixed_cost=warehouses[:, 1].copy(),
        capacity=warehouses[:, 0].copy(),
        demand=block[:, 0].copy(),
        assign_cost=block[:, 1:].copy(),
    )


def read_frlm25(directory: str | Path) -> tuple[nx.Graph, pd.DataFrame]:
    """Read the 25-node FRLM network and its OD table.

    Parameters
    ----------
    directory : str or Path
        Folder holding ``nodes_25.csv``, ``edges_25.csv`` and ``od_flows_25.csv``.

    Returns
    -------
    graph : networkx.Graph
        Nodes are ints with ``weight``, ``x``, ``y``; edges carry ``length``.
    od : pandas.DataFrame
        Columns ``origin, destination, flow, flow_int, sp_length,
        n_shortest_paths, path`` where ``flow`` is the gravity flow (exponent
        1.5) and ``path`` is the lexicographically smallest shortest path as
        a list of nodes.
    """
    directory = Path(directory)
    nodes = pd.read_csv(directory / "nodes_25.csv")
    edges = pd.read_csv(directory / "edges_25.csv")
    flows = pd.read_csv(directory / "od_flows_25.csv")
    graph = nx.Graph()
    for row in nodes.itertuples(index=False):
        graph.add_node(int(row.node), weight=float(row.weight), x=float(row.x), y=float(row.y))
    for row in edges.itertuples(index=False):
        graph.add_edge(int(row.u), int(row.v), length=float(row.length))
    od = pd.DataFrame(
        {
            "origin": flows["o"].astype(int),
            "destination": flows["d"].astype(int),
            "flow": flows["flow_gravity_1p5"].astype(float),
            "flow_int": flows["flow_gravity_1p5_int"].astype(int),
            "sp_length": flows["sp_length"].astype(float),
            "n_shortest_paths": flows["n_shortest_paths"].astype(int),
            "path": [[int(v) for v in s.split("-")] for s in flows["path_lexmin"]],
        }
    )
    return graph, od
