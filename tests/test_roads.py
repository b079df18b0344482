"""The zone graph against its source data: connectivity, adjacency and distances."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from network import NetworkParams, load_street_graph, load_zones, travel_matrices, zone_graph
from network.roads import connect_islands, find_islands, haversine_km
from shenzhen_data import data_path


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
        slowest, fastest = min(params.speed_core_kmh, params.speed_outer_kmh), max(params.speed_core_kmh, params.speed_outer_kmh)
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
