"""Station data against the source files."""
from __future__ import annotations

import pandas as pd
import pytest

from szplan.network import existing_stations, load_zones, new_station_table
from szplan.network.errors import NetworkError
from szplan.network.stations import station_kind, urbanev_stations
from szplan.data import data_path


def test_existing_station_counts_match_source():
    stations = existing_stations()
    source = pd.read_csv(data_path("shenzhen", "st-evcdp", "stations.csv"))
    assert len(stations) == len(source) == 1706
    assert stations["ac_7kw"].sum() == source["slow"].sum() == 20179
    assert stations["dc_60kw"].sum() == source["fast"].sum() == 2693
    assert stations["zone_id"].isin(load_zones()["zone_id"]).all()


def test_zone_mapping_agrees_with_urbanev_own_zones():
    urbanev = urbanev_stations()
    assert len(urbanev) == 1362 and urbanev["piles"].sum() == 17532
    assert (urbanev["zone_id"] == urbanev["source_zone_id"]).mean() >= 0.99
    raw = urbanev_stations(raw=True)
    assert len(raw) == 1587 and raw["piles"].sum() == 23441


def test_station_kinds_count_supplies():
    table = new_station_table([
        {"station_id": "a", "source": "t", "zone_id": 102, "lon": 0, "lat": 0, "dc_120kw": 4},
        {"station_id": "b", "source": "t", "zone_id": 102, "lon": 0, "lat": 0, "lng_dispenser": 2},
        {"station_id": "c", "source": "t", "zone_id": 102, "lon": 0, "lat": 0, "dc_480kw": 2, "h2_dispenser": 1},
        {"station_id": "d", "source": "t", "zone_id": 102, "lon": 0, "lat": 0, "swap_bay": 1, "dc_60kw": 2},
        {"station_id": "e", "source": "t", "zone_id": 102, "lon": 0, "lat": 0},
    ])
    assert list(station_kind(table)) == ["charging", "lng", "integrated", "integrated", "none"]


def test_bad_equipment_is_rejected():
    with pytest.raises(NetworkError, match="unknown type"):
        new_station_table([{"station_id": "a", "source": "t", "zone_id": 1, "lon": 0, "lat": 0, "diesel_pump": 2}])
    with pytest.raises(NetworkError, match="ac_7kw"):
        new_station_table([{"station_id": "a", "source": "t", "zone_id": 1, "lon": 0, "lat": 0, "ac_7kw": -1}])
