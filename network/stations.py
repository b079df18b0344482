"""Energy stations: the equipment they hold, the real existing public chargers, and new sites.

A station is one row of a table with a column per equipment type (counts); the equipment's
supply kind, carrier, rating and capital cost are in ``data/params/equipment.csv``:

============== ========= =========== ==========
equipment      supply    carrier     rate
============== ========= =========== ==========
ac_7kw         charging  electricity 7 kW
dc_60kw        charging  electricity 60 kW
dc_120kw       charging  electricity 120 kW
dc_480kw       charging  electricity 480 kW
depot_dc_120kw charging  electricity 120 kW
lng_dispenser  lng       lng         60 kg/min
h2_dispenser   h2        h2          2 kg/min
swap_bay       swapping  electricity 5 min/swap
============== ========= =========== ==========

A station is *integrated* when it offers two or more supplies (charging, swapping, LNG,
hydrogen), which is how the plan counts its "integrated energy supply stations".

Existing public chargers come from ST-EVCDP (1,706 stations, fast/slow split, 2022), each placed
in the traffic zone that contains it (or the nearest, for the few on the shore line).

Datum: the station files are in GCJ-02, and the zone polygons share that frame although their
source calls them WGS84: point-in-polygon on the raw station coordinates reproduces UrbanEV's own
zone assignment for 99.7% of its stations, against 46.5% after a GCJ-02 → WGS84 conversion. So
coordinates are kept as published and zones and stations line up on the dashboard's map.
"""
from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from szplan.data import data_path
from szplan.data.tables import read_params

from .errors import NetworkError
from .roads import zone_polygons

__all__ = [
    "STATION_COLUMNS",
    "load_equipment",
    "equipment_names",
    "new_station_table",
    "station_kind",
    "existing_stations",
    "zone_of_points",
    "urbanev_stations",
    "freight_sites",
]

log = logging.getLogger(__name__)

#: Columns of every station table, before the per-equipment count columns.
STATION_COLUMNS = ["station_id", "source", "zone_id", "lon", "lat", "kind"]


def load_equipment() -> pd.DataFrame:
    """Equipment types with ``supply, carrier, rate, rate_unit, capex_cny`` and their basis (a new frame)."""
    return read_params("equipment.csv").set_index("equipment")


def equipment_names() -> list[str]:
    """Names of the equipment count columns, in table order."""
    return list(load_equipment().index)


def station_kind(table: pd.DataFrame) -> pd.Series:
    """``charging``, ``swapping``, ``lng``, ``h2`` or ``integrated`` (two or more supplies)."""
    equipment = load_equipment()
    supplies = sorted(set(equipment["supply"]))
    offered = pd.DataFrame(
        {s: table[list(equipment.index[equipment["supply"] == s])].sum(axis=1) > 0 for s in supplies}
    )
    kind = offered.idxmax(axis=1).where(offered.any(axis=1), "none")
    return kind.where(offered.sum(axis=1) < 2, "integrated")


def new_station_table(rows: list[dict] | None = None) -> pd.DataFrame:
    """A station table with every column present; missing equipment counts are 0.

    Each row needs ``station_id, source, zone_id, lon, lat`` and any equipment counts; an
    unknown equipment name or a negative count raises :class:`NetworkError`.
    """
    names = equipment_names()
    table = pd.DataFrame(rows or [], columns=None)
    for col in STATION_COLUMNS[:-1]:
        if col not in table:
            table[col] = pd.Series(dtype="object")
    unknown = set(table.columns) - set(STATION_COLUMNS) - set(names)
    if unknown:
        raise NetworkError(f"station equipment: unknown type(s) {sorted(unknown)}; known: {names}")
    for name in names:
        table[name] = table[name].fillna(0).astype("int64") if name in table else 0
        if (table[name] < 0).any():
            raise NetworkError(f"station equipment {name}: counts must be >= 0")
    table["kind"] = station_kind(table)
    table["zone_id"] = table["zone_id"].astype("int64")
    return table[STATION_COLUMNS + names].reset_index(drop=True)


def zone_of_points(lon, lat) -> np.ndarray:
    """Zone id of the traffic zone containing each point (same datum as the zones), or the nearest."""
    ids, polygons = zone_polygons()
    tree = shapely.STRtree(polygons)
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    point_idx, poly_idx = tree.query(points, predicate="within")
    found = np.full(len(points), -1, dtype=np.int64)
    # a point on a shared border lies in two polygons: keep the first for a stable answer
    first = pd.Series(poly_idx).groupby(point_idx).min()
    found[first.index.to_numpy()] = first.to_numpy()
    missing = np.flatnonzero(found < 0)
    if len(missing):
        found[missing] = tree.nearest(points[missing])
    return np.asarray(ids, dtype=np.int64)[found]


@lru_cache(maxsize=1)
def existing_stations() -> pd.DataFrame:
    """The 1,706 public charging stations of ST-EVCDP (2022) as a station table.

    Slow piles are AC 7 kW; fast piles are DC 60 kW (their power is not recorded; see
    ``equipment.csv``). Stations with no pile are kept with zero counts, so totals match the
    source file: 22,872 piles, 2,693 fast and 20,179 slow.
    """
    src = pd.read_csv(data_path("shenzhen", "st-evcdp", "stations.csv"))
    if (src[["fast", "slow"]].sum(axis=1) != src["count"]).any():
        raise NetworkError("st-evcdp/stations.csv: fast + slow differs from count")
    lon, lat = src["longitude"].to_numpy(), src["latitude"].to_numpy()
    table = new_station_table(
        [
            {"station_id": f"stevcdp-{sid}", "source": "ST-EVCDP 2022", "lon": x, "lat": y,
             "zone_id": z, "ac_7kw": slow, "dc_60kw": fast}
            for sid, x, y, z, slow, fast in zip(
                src["station_id"], lon, lat, zone_of_points(lon, lat), src["slow"], src["fast"], strict=True
            )
        ]
    )
    log.info("existing stations: %d stations, %d piles", len(table), int(src["count"].sum()))
    return table


def urbanev_stations(*, raw: bool = False) -> pd.DataFrame:
    """UrbanEV public stations with their source zone (``TAZID``), pile count and our zone.

    ``raw=False`` gives the 1,362 stations UrbanEV kept after cleaning (17,532 piles);
    ``raw=True`` all 1,587 (23,441 piles). Used to cross-check the zone mapping.
    """
    src = pd.read_csv(data_path("shenzhen", "urbanev", "inf_raw.csv" if raw else "inf.csv"))
    lon, lat = src["longitude"].to_numpy(), src["latitude"].to_numpy()
    return pd.DataFrame(
        {"station_id": src["station_id"], "source_zone_id": src["TAZID"], "lon": lon, "lat": lat,
         "piles": src["charge_count"], "zone_id": zone_of_points(lon, lat)}
    )


def freight_sites() -> pd.DataFrame:
    """Ports, logistics parks and city-edge crossings that heavy trucks run between
    (``data/params/freight_sites.csv``, locations approximate and labelled as assumptions; a new frame)."""
    return read_params("freight_sites.csv")
