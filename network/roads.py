"""Shenzhen as a graph of traffic zones, with travel times; and the Futian street graph.

Why the 491 traffic-analysis-zone polygons (``taz_zones.geojson``) and not the 275 UrbanEV zones:
the 491 zones tile the whole city (1,941 km², the municipality is about 1,997 km²), while the 275
UrbanEV zones are the ones holding public chargers and cover 981 km², leaving out much of the
port, logistics and outer districts that heavy trucks and depots use. The 275 UrbanEV zones are a
subset of the 491 (same ids), so their distance matrix serves as an external check of the
centroid distances here.

Zones are nodes; two zones are linked when their polygons touch (within
``adjacency_tolerance_m``). A link's length is the straight-line distance between centroids
times a circuity factor; its time uses the speed of each end's district class (core or outer),
half the length at each. All figures and their reasons live in ``data/params/network.csv``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, shape

from szplan.data import data_path
from szplan.data.tables import param

from .errors import NetworkError
from .params import NetworkParams

__all__ = [
    "CORE_DISTRICTS",
    "haversine_km",
    "load_zones",
    "zone_graph",
    "find_islands",
    "connect_islands",
    "travel_matrices",
    "shortest_paths",
    "load_street_graph",
]

log = logging.getLogger(__name__)

#: Districts whose links use the core speed: the dense, congested centre of the city.
CORE_DISTRICTS = ("Futian", "Luohu", "Nanshan")

_DISTRICT_EN = {
    "罗湖": "Luohu", "福田": "Futian", "盐田": "Yantian", "宝安": "Bao'an", "光明": "Guangming",
    "坪山": "Pingshan", "龙华": "Longhua", "南山": "Nanshan", "大鹏": "Dapeng", "龙岗": "Longgang",
}
_EARTH_RADIUS_KM = 6371.0088
_M_PER_DEG = 111_320.0


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in km between points given in degrees (broadcasts over arrays)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


@lru_cache(maxsize=1)
def zone_polygons() -> tuple[list[int], list]:
    """The traffic zones' ids and their polygons (shapely), in the file's order (read once)."""
    features = json.loads(data_path("shenzhen", "taz_zones.geojson").read_text())["features"]
    ids = [int(f["properties"]["taz_id"]) for f in features]
    # buffer(0) repairs the two self-intersecting rings the Web Mercator conversion left behind
    polygons = [shape(f["geometry"]).buffer(0) for f in features]
    return ids, polygons


@lru_cache(maxsize=1)
def _districts() -> tuple[list[str], list]:
    features = json.loads(data_path("shenzhen", "districts.geojson").read_text())["features"]
    names = [_DISTRICT_EN[f["properties"]["qh"]] for f in features]
    return names, [shape(f["geometry"]).buffer(0) for f in features]


@lru_cache(maxsize=1)
def load_zones() -> pd.DataFrame:
    """The 491 traffic zones, one row each, sorted by ``zone_id``.

    Columns: ``zone_id``, ``lon``, ``lat`` (WGS84 centroid), ``area_km2``, ``road_length_km``,
    ``district``, ``core`` (bool), ``population`` (estimate, see below), ``centroid_repaired``.

    Two zones (222 and 348, on the Shenzhen Bay shore) have a zero centroid and area in the
    source; theirs are computed from the polygon and flagged in ``centroid_repaired``.
    ``population`` spreads each district's 2016 population (``facts/districts.csv``) over its
    zones in proportion to road length, a proxy for built-up area (assumption: road length
    tracks where people live better than land area, which counts mountains and water).
    """
    ids, polygons = zone_polygons()
    props = {
        int(f["properties"]["taz_id"]): f["properties"]
        for f in json.loads(data_path("shenzhen", "taz_zones.geojson").read_text())["features"]
    }
    dnames, dpolys = _districts()
    dtree = shapely.STRtree(dpolys)
    rows = []
    for zid, poly in zip(ids, polygons, strict=True):
        p = props[zid]
        repaired = not p["centroid_lon"]
        lon, lat = (poly.centroid.x, poly.centroid.y) if repaired else (p["centroid_lon"], p["centroid_lat"])
        area = p["area_km2"] or poly.area * _M_PER_DEG**2 * np.cos(np.radians(lat)) / 1e6
        point = Point(lon, lat)
        hit = dtree.query(point, predicate="intersects")
        # coastal zones whose centroid falls in the sea take the nearest district
        district = dnames[hit[0]] if len(hit) else dnames[int(dtree.nearest(point))]
        rows.append((zid, lon, lat, area, p["road_length_km"], district, repaired))
    zones = pd.DataFrame(
        rows, columns=["zone_id", "lon", "lat", "area_km2", "road_length_km", "district", "centroid_repaired"]
    )
    zones["core"] = zones["district"].isin(CORE_DISTRICTS)
    pop = pd.read_csv(data_path("facts", "districts.csv")).set_index("district")["population_10k_2016"] * 1e4
    # a zone with no recorded road length still holds some activity (floor in network.csv)
    weight = zones["road_length_km"].clip(lower=param("network.csv", "zone_road_length_floor_km", "km"))
    share = weight / weight.groupby(zones["district"]).transform("sum")
    zones["population"] = (share * zones["district"].map(pop)).round().astype("int64")
    return zones.sort_values("zone_id", ignore_index=True)


def _link_time_min(length_km: float, core_u: bool, core_v: bool, params: NetworkParams) -> float:
    speed = (params.speed_outer_kmh, params.speed_core_kmh)
    return 60.0 * (length_km / 2 / speed[core_u] + length_km / 2 / speed[core_v])


def zone_graph(params: NetworkParams | None = None) -> nx.Graph:
    """The zone graph: nodes are ``zone_id`` with the columns of :func:`load_zones` as attributes.

    Edges carry ``length_km`` (also as ``length``, the name the siting models read) and
    ``time_min``. Islands (zones with no path to the rest) are linked to their nearest zone on the
    main component and a warning is logged; the shipped data has none.
    """
    params = params or NetworkParams()
    zones = load_zones()
    ids, polygons = zone_polygons()
    tol_deg = params.adjacency_tolerance_m / _M_PER_DEG
    grown = [p.buffer(tol_deg) for p in polygons] if tol_deg > 0 else polygons
    left, right = shapely.STRtree(grown).query(grown, predicate="intersects")
    graph = nx.Graph()
    for row in zones.itertuples(index=False):
        graph.add_node(row.zone_id, **row._asdict())
    for i, j in zip(left, right, strict=True):
        if i < j:
            _add_link(graph, ids[i], ids[j], params)
    connect_islands(graph, params)
    return graph


def _add_link(graph: nx.Graph, u: int, v: int, params: NetworkParams) -> None:
    a, b = graph.nodes[u], graph.nodes[v]
    length = float(haversine_km(a["lon"], a["lat"], b["lon"], b["lat"])) * params.circuity_factor
    time = _link_time_min(length, a["core"], b["core"], params)
    graph.add_edge(u, v, length_km=length, length=length, time_min=time)


def find_islands(graph: nx.Graph) -> list[set]:
    """Connected components other than the largest, largest first (empty when connected)."""
    parts = sorted(nx.connected_components(graph), key=len, reverse=True)
    return parts[1:]


def connect_islands(graph: nx.Graph, params: NetworkParams | None = None) -> list[tuple[int, int]]:
    """Link every island to the nearest zone of the main component; return the links added.

    A zone with no touching neighbour (an offshore island, a gap in the polygons) still has road
    or ferry access in reality; the nearest-centroid link is the least arbitrary stand-in.
    """
    params = params or NetworkParams()
    added = []
    while islands := find_islands(graph):
        main = set(graph) - set().union(*islands)
        island = islands[0]
        best = min(
            ((u, v) for u in island for v in main),
            key=lambda uv: haversine_km(
                graph.nodes[uv[0]]["lon"], graph.nodes[uv[0]]["lat"],
                graph.nodes[uv[1]]["lon"], graph.nodes[uv[1]]["lat"],
            ),
        )
        _add_link(graph, *best, params)
        log.warning("zone graph: island of %d zone(s) %s linked to zone %s", len(island), sorted(island)[:5], best[1])
        added.append(best)
    return added


#: Environment variable naming the folder of the on-disk travel-time cache.
CACHE_ENV = "FLEETSIM_CACHE_DIR"
_CACHE_ARRAYS = ("zone_ids", "time_min", "distance_km")


@lru_cache(maxsize=8)
def travel_matrices(params: NetworkParams | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All-pairs shortest travel times (min) and their distances (km), computed once per params.

    Returns ``(zone_ids, time_min, distance_km)``; row and column ``k`` are ``zone_ids[k]``;
    ``distance_km`` is the length of the fastest path. The arrays are read-only.

    Results are kept in memory per process and on disk in :func:`cache_dir`, keyed by a hash of
    the parameters, the zone and district data and the package version, so a fresh process reads
    them instead of running 491 Dijkstra searches. A missing, corrupt or unwritable cache only
    means the matrices are computed.
    """
    params = params or NetworkParams()
    path = _cache_path(params)
    arrays = _read_cache(path) if path is not None else None
    if arrays is None:
        arrays = _compute_travel_matrices(params)
        if path is not None:
            _write_cache(path, arrays)
    for arr in arrays:
        arr.flags.writeable = False
    return arrays


def cache_dir() -> Path:
    """Folder of the travel-time cache: ``$FLEETSIM_CACHE_DIR``, else the user cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "shenzhen-fleetsim"


def _cache_key(params: NetworkParams) -> str:
    digest = hashlib.sha256()
    try:
        version = metadata.version("shenzhen-fleetsim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    # The module's own source is hashed too, so a change to how times are computed misses.
    parts = [params.model_dump_json().encode(), version.encode(), Path(__file__).read_bytes(),
             data_path("shenzhen", "taz_zones.geojson").read_bytes(),
             data_path("shenzhen", "districts.geojson").read_bytes()]
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:32]


def _cache_path(params: NetworkParams) -> Path | None:
    try:
        return cache_dir() / f"travel-{_cache_key(params)}.npz"
    except OSError as exc:  # e.g. no home folder: work without a cache
        log.warning("travel-time cache unavailable (%s); computing", exc)
        return None


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The cached arrays, or ``None`` when the file is missing or not a complete cache."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            zone_ids, time, dist = (np.array(data[name]) for name in _CACHE_ARRAYS)
        n = zone_ids.size
        if zone_ids.dtype != np.int64 or time.shape != (n, n) or dist.shape != (n, n) or n == 0:
            raise NetworkError("arrays of the wrong shape or type")
        if not (np.isfinite(time).all() and np.isfinite(dist).all()):
            raise NetworkError("non-finite entries")
    except Exception as exc:  # noqa: BLE001 - any unreadable cache is recomputed, never fatal
        log.warning("travel-time cache %s is unreadable (%s); recomputing", path, exc)
        return None
    log.debug("travel times read from %s", path)
    return zone_ids, time, dist


def _write_cache(path: Path, arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Write atomically: a reader sees the old file, the new file or none, never a partial one."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".travel-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **dict(zip(_CACHE_ARRAYS, arrays, strict=True)))  # type: ignore[arg-type]
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:  # read-only or full disk: the computed arrays are still returned
        log.warning("travel-time cache %s not written (%s)", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _compute_travel_matrices(params: NetworkParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    graph = zone_graph(params)
    zone_ids = np.array(sorted(graph), dtype=np.int64)
    index = {z: k for k, z in enumerate(zone_ids)}
    n = len(zone_ids)
    time = np.full((n, n), np.inf)
    dist = np.full((n, n), np.inf)
    for origin in zone_ids:
        pred, times = nx.dijkstra_predecessor_and_distance(graph, int(origin), weight="time_min")
        i = index[origin]
        along = {int(origin): 0.0}
        # settled in order of time, so a node's predecessor already has its distance
        for dest in sorted(times, key=times.get):
            if pred[dest]:
                before = pred[dest][0]
                along[dest] = along[before] + graph[before][dest]["length_km"]
            time[i, index[dest]] = times[dest]
            dist[i, index[dest]] = along[dest]
    if np.isinf(time).any():
        raise NetworkError("zone graph: some zone pairs have no path after connecting islands")
    return zone_ids, time, dist


def shortest_paths(graph: nx.Graph, origins, *, weight: str = "time_min") -> dict:
    """Shortest paths from each origin: ``{origin: {destination: [nodes...]}}``."""
    missing = [o for o in origins if o not in graph]
    if missing:
        raise NetworkError(f"origins: zones {missing[:5]} are not in the graph")
    return {o: nx.single_source_dijkstra_path(graph, o, weight=weight) for o in origins}


@lru_cache(maxsize=1)
def load_street_graph() -> nx.MultiDiGraph:
    """The OpenStreetMap street graph of western Futian (© OpenStreetMap contributors, ODbL 1.0).

    Node ``x``/``y`` (lon/lat) and edge ``length`` (m) are converted to floats; ``length_km`` is
    added. Returned as loaded (directed, with parallel edges), as OSMnx writes it.
    """
    graph = nx.read_graphml(data_path("shenzhen", "futian_streets.graphml"))
    for _, data in graph.nodes(data=True):
        data["x"], data["y"] = float(data["x"]), float(data["y"])
    for _, _, data in graph.edges(data=True):
        data["length"] = float(data["length"])
        data["length_km"] = data["length"] / 1000.0
    return graph
