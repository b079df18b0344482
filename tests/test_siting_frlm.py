"""Tests for the flow-refuelling location model and its validator."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from szplan.network.siting import (
    SitingError,
    frlm,
    frlm_coverage,
    greedy_frlm,
    round_trip_feasible,
    validate_frlm,
)
from szplan.network.siting.instances import read_frlm25

INSTANCE_DIR = Path(__file__).parent / "instances" / "frlm25"
# Edge lengths on the 25-node network run from 2 to 9 and shortest paths up
# to 38, so ranges from 4 (only short hops) to 25 (most trips need one or
# two stations) all give non-trivial optima.
RANGES_KM = (4, 8, 12, 16, 20, 25)


@pytest.fixture(scope="module")
def network25() -> tuple[nx.Graph, pd.DataFrame]:
    return read_frlm25(INSTANCE_DIR)


@pytest.fixture(scope="module")
def walks25(network25):
    """Round trips built here from the raw paths, independently of the package."""
    graph, od = network25
    walks = []
    for path, flow in zip(od["path"], od["flow"], strict=True):
        nodes = list(path) + list(path[-2::-1])
        lengths = [graph[u][v]["length"] for u, v in zip(nodes[:-1], nodes[1:], strict=True)]
        walks.append((set(path), nodes, lengths, flow))
    return walks


def _brute_force(graph, walks, range_km, p):
    best = 0.0
    for stations in itertools.combinations(sorted(graph.nodes), p):
        chosen = set(stations)
        flow = sum(
            f for on_path, nodes, lengths, f in walks
            if on_path & chosen and round_trip_feasible(nodes, lengths, chosen, range_km=range_km)
        )
        best = max(best, flow)
    return best


@pytest.mark.parametrize("range_km", RANGES_KM)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_frlm_matches_brute_force(network25, walks25, range_km, p):
    graph, od = network25
    result = frlm(graph, od, range_km=range_km, p=p)
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert len(result.sites) == p
    assert result.objective == pytest.approx(_brute_force(graph, walks25, range_km, p), rel=1e-9, abs=1e-9)
    assert validate_frlm(graph, od, result, range_km=range_km, p=p) == pytest.approx(result.objective)
    greedy = greedy_frlm(graph, od, range_km=range_km, p=p)
    assert validate_frlm(graph, od, greedy, range_km=range_km, p=p) == pytest.approx(greedy.objective)
    assert greedy.objective <= result.objective + 1e-9


def test_frlm_objective_grows_with_range_and_p(network25):
    graph, od = network25
    by_range = [frlm(graph, od, range_km=r, p=2).objective for r in RANGES_KM]
    assert all(a <= b + 1e-9 for a, b in zip(by_range, by_range[1:], strict=False))
    by_p = [frlm(graph, od, range_km=12, p=p).objective for p in (1, 2, 3, 4)]
    assert all(a < b for a, b in zip(by_p, by_p[1:], strict=False))


def test_frlm_is_deterministic_and_fast(network25):
    graph, od = network25
    first = frlm(graph, od, range_km=16, p=3)
    second = frlm(graph, od, range_km=16, p=3)
    assert first.sites == second.sites and first.objective == second.objective
    assert first.solve_time_s < 5.0
    assert set(first.covered) <= set(od.index)
    # Loads count each covered trip at every station on its path.
    for site, load in first.loads.items():
        expected = od.loc[[q for q in first.covered if site in od.at[q, "path"]], "flow"].sum()
        assert load == pytest.approx(expected)


def _line(lengths):
    graph = nx.Graph()
    for i, length in enumerate(lengths):
        graph.add_edge(chr(65 + i), chr(66 + i), length=length)
    return graph


@pytest.mark.parametrize(
    ("range_km", "stations", "covered"),
    [
        (10, {"A"}, False),       # full tank at A but the 12 km round trip needs 12
        (12, {"A"}, True),
        (10, {"B"}, False),       # leaves A with half a tank (5) for a 6 km leg
        (12, {"B"}, True),
        (10, {"A", "B"}, True),   # refuel at both ends
        (5, {"A", "B"}, False),   # one leg already exceeds the range
    ],
)
def test_half_tank_rule_on_single_edge(range_km, stations, covered):
    graph = _line([6])
    od = pd.DataFrame({"origin": ["A"], "destination": ["B"], "flow": [1.0]})
    assert frlm_coverage(graph, od, stations, range_km=range_km).tolist() == [covered]
    result = frlm(graph, od, range_km=range_km, p=len(stations))
    if covered:
        assert result.objective == 1.0
    validate_frlm(graph, od, result, range_km=range_km)


def test_midpoint_station_needs_half_range_to_each_end():
    graph = _line([4, 4])  # A -4- B -4- C
    od = pd.DataFrame({"origin": ["A"], "destination": ["C"], "flow": [3.0], "path": [["A", "B", "C"]]})
    assert not round_trip_feasible(["A", "B", "C", "B", "A"], [4, 4, 4, 4], {"B"}, range_km=7.9)
    assert round_trip_feasible(["A", "B", "C", "B", "A"], [4, 4, 4, 4], {"B"}, range_km=8)
    result = frlm(graph, od, range_km=8, p=1)
    assert result.sites == ("B",) and result.objective == 3.0


def test_default_paths_are_shortest_paths(network25):
    graph, od = network25
    no_paths = od.drop(columns="path")
    result = frlm(graph, no_paths, range_km=12, p=2)
    assert validate_frlm(graph, no_paths, result, range_km=12, p=2) == pytest.approx(result.objective)
    # Where the shortest path is unique it is the listed path, so coverage agrees.
    unique = od["n_shortest_paths"] == 1
    given_paths = frlm_coverage(graph, od, result.sites, range_km=12)
    default_paths = frlm_coverage(graph, no_paths, result.sites, range_km=12)
    assert unique.sum() > 200
    assert (given_paths[unique] == default_paths[unique]).all()


def test_validator_rejects_wrong_objective_and_coverage(network25):
    graph, od = network25
    result = frlm(graph, od, range_km=12, p=2)
    with pytest.raises(SitingError, match="objective|covered flow"):
        validate_frlm(graph, od, replace(result, objective=result.objective * 1.01), range_km=12)
    with pytest.raises(SitingError, match="p=3"):
        validate_frlm(graph, od, result, range_km=12, p=3)
    with pytest.raises(SitingError, match="covered"):
        validate_frlm(graph, od, replace(result, covered=result.covered[1:]), range_km=12)
    with pytest.raises(SitingError, match="not candidate"):
        validate_frlm(graph, od, replace(result, sites=(999,)), range_km=12)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"range_km": -1, "p": 1}, "range_km"),
        ({"range_km": 0, "p": 1}, "range_km"),
        ({"range_km": 10, "p": 26}, "p"),
        ({"range_km": 10, "p": 0}, "p"),
        ({"range_km": 10, "p": 1.5}, "p"),
    ],
)
def test_bad_scalars(network25, kwargs, name):
    graph, od = network25
    with pytest.raises(SitingError, match=rf"^{name}:"):
        frlm(graph, od, **kwargs)


def test_bad_od_tables(network25):
    graph, od = network25
    with pytest.raises(SitingError, match="^od: missing column"):
        frlm(graph, od.drop(columns="flow"), range_km=10, p=1)
    bad = od.head(3).copy()
    bad["path"] = [[1, 2], [1, 3], [1, 2, 4]]  # 1-3 is not an edge
    with pytest.raises(SitingError, match="^od:"):
        frlm(graph, bad, range_km=10, p=1)
    neg = od.head(3).copy()
    neg.loc[neg.index[0], "flow"] = -1.0
    with pytest.raises(SitingError, match="^od:.*flow"):
        frlm(graph, neg, range_km=10, p=1)
    loop = pd.DataFrame({"origin": [1], "destination": [1], "flow": [1.0]})
    with pytest.raises(SitingError, match="^od:.*origin == destination"):
        frlm(graph, loop, range_km=10, p=1)
    nolen = nx.Graph([(1, 2)])
    with pytest.raises(SitingError, match="^graph:.*length"):
        frlm(nolen, pd.DataFrame({"origin": [1], "destination": [2], "flow": [1.0]}), range_km=10, p=1)


@st.composite
def random_networks(draw):
    n = draw(st.integers(3, 7))
    graph = nx.path_graph(n)  # connected backbone
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    graph.add_edges_from((u, v) for u, v in extra if u != v)
    for u, v in sorted(graph.edges):
        graph[u][v]["length"] = draw(st.integers(1, 9))
    pairs = [(o, d) for o in range(n) for d in range(o + 1, n)]
    flows = draw(st.lists(st.integers(0, 50), min_size=len(pairs), max_size=len(pairs)))
    od = pd.DataFrame({"origin": [o for o, _ in pairs], "destination": [d for _, d in pairs], "flow": flows})
    return graph, od, draw(st.integers(2, 20)), draw(st.integers(1, 3))


@settings(max_examples=30, deadline=None)
@given(random_networks())
def test_property_exact_and_greedy_validate(case):
    graph, od, range_km, p = case
    exact = frlm(graph, od, range_km=range_km, p=p)
    greedy = greedy_frlm(graph, od, range_km=range_km, p=p)
    assert validate_frlm(graph, od, exact, range_km=range_km, p=p) == pytest.approx(exact.objective)
    assert validate_frlm(graph, od, greedy, range_km=range_km, p=p) == pytest.approx(greedy.objective)
    assert greedy.objective <= exact.objective + 1e-9
    best = max(
        od["flow"][frlm_coverage(graph, od, set(s), range_km=range_km)].sum()
        for s in itertools.combinations(graph.nodes, p)
    )
    assert exact.objective == pytest.approx(best)
