"""The zone graph against its source data: connectivity, adjacency and distances."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from szplan.network import NetworkParams, load_street_graph, load_zones, travel_matrices, zone_graph
from szplan.network import roads
from szplan.network.roads import CACHE_ENV, connect_islands, find_islands, haversine_km
from szplan.data import data_path


@pytest.fixture(scope="module")
def graph():
    return zone_graph()


def test_all_491_zones_connected(graph):
    assert graph.number_of_nodes() == 491
    assert nx.is_connected(graph)
    assert find_islands(graph) == []


def test_island_is_reported_and_linked(graph):
    cut = graph.copy()
    lonely = 102
    cut.remove_edges_from(list(cut.edges(lonely)))
    assert find_islands(cut) == [{lonely}]
    added = connect_islands(cut)
    assert len(added) == 1 and added[0][0] == lonely
    assert nx.is_connected(cut)


def _urbanev():
    adj = pd.read_csv(data_path("shenzhen", "urbanev", "adj.csv"))
    ids = [int(c) for c in adj.columns]
    dist = pd.read_csv(data_path("shenzhen", "urbanev", "distance.csv")).to_numpy() / 1000.0
    return ids, adj.to_numpy(), dist


def test_urbanev_adjacency_is_reproduced(graph):
    ids, adj, _ = _urbanev()
    pairs = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids)) if adj[i, j] or adj[j, i]]
    agree = np.mean([graph.has_edge(u, v) for u, v in pairs])
    assert agree >= 0.98, f"only {agree:.1%} of UrbanEV's adjacent zone pairs touch here"


def test_centroid_distances_match_urbanev_matrix():
    ids, _, dist = _urbanev()
    zones = load_zones().set_index("zone_id").loc[ids]
    lon, lat = zones["lon"].to_numpy(), zones["lat"].to_numpy()
    straight = haversine_km(lon[:, None], lat[:, None], lon[None], lat[None])
    ok = ~zones["centroid_repaired"].to_numpy()
    mask = ok[:, None] & ok[None] & (dist > 0)
    ratio = straight[mask] / dist[mask]
    assert np.percentile(ratio, 99) < 1.01 and np.percentile(ratio, 1) > 0.99
    assert np.abs(ratio - 1).max() < 0.05


def test_link_lengths_and_times_follow_the_assumptions(graph):
    params = NetworkParams()
    for u, v, data in list(graph.edges(data=True))[:200]:
        a, b = graph.nodes[u], graph.nodes[v]
        straight = float(haversine_km(a["lon"], a["lat"], b["lon"], b["lat"]))
        assert data["length_km"] == pytest.approx(straight * params.circuity_factor)
        speeds = (params.speed_core_kmh, params.speed_outer_kmh)
        slowest, fastest = min(speeds), max(speeds)
        assert data["length_km"] / fastest * 60 - 1e-9 <= data["time_min"] <= data["length_km"] / slowest * 60 + 1e-9


def test_travel_matrices_are_shortest_paths(graph):
    zone_ids, time_min, dist_km = travel_matrices()
    assert time_min.shape == (491, 491) and np.all(np.diag(time_min) == 0)
    assert np.allclose(time_min, time_min.T)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 491, size=(20, 2)):
        expected = nx.shortest_path_length(graph, int(zone_ids[i]), int(zone_ids[j]), weight="time_min")
        assert time_min[i, j] == pytest.approx(expected)
    zones = load_zones().set_index("zone_id").loc[zone_ids]
    lon, lat = zones["lon"].to_numpy(), zones["lat"].to_numpy()
    straight = haversine_km(lon[:, None], lat[:, None], lon[None], lat[None])
    assert np.all(dist_km >= straight * NetworkParams().circuity_factor - 1e-6)  # triangle inequality


def test_travel_matrices_are_cached():
    assert travel_matrices() is travel_matrices()
    faster = NetworkParams(speed_core_kmh=50, speed_outer_kmh=70)
    assert travel_matrices(faster)[1].mean() < travel_matrices()[1].mean()


def _fresh_process_call(params=None):
    """``travel_matrices`` as a new process sees it: no in-memory cache, only the disk."""
    return roads.travel_matrices.__wrapped__(params)


def _refuse(params):
    raise AssertionError("travel times were recomputed instead of read from the cache")


def test_travel_cache_is_read_by_a_fresh_process(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = _fresh_process_call()
    files = list(tmp_path.glob("travel-*.npz"))
    assert len(files) == 1 and not list(tmp_path.glob(".travel-*"))  # no temporary file left behind
    monkeypatch.setattr(roads, "_compute_travel_matrices", _refuse)
    second = _fresh_process_call()
    for a, b in zip(first, second, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes() and not b.flags.writeable
    # the cached matrices are the computed ones, bit for bit
    for a, b in zip(travel_matrices(), second, strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(AssertionError, match="recomputed"):
        _fresh_process_call(NetworkParams(speed_core_kmh=26))


def test_corrupt_travel_cache_is_recomputed_and_rewritten(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    good = _fresh_process_call()
    (path,) = tmp_path.glob("travel-*.npz")
    whole = path.read_bytes()
    calls = []
    compute = roads._compute_travel_matrices
    monkeypatch.setattr(roads, "_compute_travel_matrices", lambda p: calls.append(p) or compute(p))
    for damaged in (whole[: len(whole) // 2], b"not a cache", b""):
        path.write_bytes(damaged)
        again = _fresh_process_call()
        assert all(a.tobytes() == b.tobytes() for a, b in zip(good, again, strict=True))
        assert path.read_bytes() == whole
    assert len(calls) == 3


def test_unwritable_travel_cache_falls_back_to_computing(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # a folder below a file cannot exist
    computed = _fresh_process_call()
    assert computed[1].shape == (491, 491)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(travel_matrices(), computed, strict=True))


def test_travel_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert roads.cache_dir() == tmp_path / "shenzhen-fleetsim"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert roads.cache_dir() == tmp_path / "home" / ".cache" / "shenzhen-fleetsim"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "x"))
    assert roads.cache_dir() == tmp_path / "x"


def test_futian_street_graph_loads():
    streets = load_street_graph()
    assert streets.number_of_nodes() == 1751 and streets.number_of_edges() == 4009
    lengths = [d["length"] for _, _, d in streets.edges(data=True)]
    assert min(lengths) >= 0 and max(lengths) < 5000


def test_zone_population_adds_up_to_districts():
    zones = load_zones()
    districts = pd.read_csv(data_path("facts", "districts.csv")).set_index("district")
    per_district = zones.groupby("district")["population"].sum()
    expected = districts.loc[per_district.index, "population_10k_2016"] * 1e4
    assert np.allclose(per_district.to_numpy(), expected.to_numpy(), atol=len(zones))
