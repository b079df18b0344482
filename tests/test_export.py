"""Exports: GCJ-02 to WGS-84 against published pairs, district summaries by hand, every format."""
from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile

import numpy as np
import pandas as pd
import pytest

from szplan.fleetsim.cli import main
from szplan.fleetsim.errors import ResultsError
from szplan.fleetsim.runs.export import (CONVERSION, district_summary, export_bytes, export_results, export_tables,
                                         gcj02_to_wgs84, wgs84_to_gcj02)
from szplan.fleetsim.runs.results import read_manifest, read_table

# Published test vectors of the eviltransform reference implementation (MIT, github.com/googollee/
# eviltransform, test.py): WGS-84 lat, lon and GCJ-02 lat, lon of Shanghai, Shenzhen and Beijing.
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


def _metres(lon1, lat1, lon2, lat2):
    lat = np.radians((lat1 + lat2) / 2)
    return 6_371_000 * np.hypot(np.radians(lon2 - lon1) * np.cos(lat), np.radians(lat2 - lat1))


@pytest.mark.parametrize("w_lat,w_lon,g_lat,g_lon", PUBLISHED)
def test_conversion_matches_published_pairs(w_lat, w_lon, g_lat, g_lon):
    lon, lat = wgs84_to_gcj02(w_lon, w_lat)
    assert _metres(lon, lat, g_lon, g_lat) < 0.01
    lon, lat = gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(lon, lat, w_lon, w_lat) < 0.01


def test_round_trip_over_shenzhen_under_a_metre():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(113.75, 114.65, 500), rng.uniform(22.4, 22.9, 500)
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert _metres(back[0], back[1], lon, lat).max() < 1.0
    # the offset in Shenzhen is several hundred metres: a conversion left out would show
    shift = _metres(*gcj02_to_wgs84(lon, lat), lon, lat)
    assert 300 < shift.min() and shift.max() < 800


def _siting(zone_a: int, zone_b: int) -> pd.DataFrame:
    base = {c: 0 for c in ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw", "lng_dispenser",
                           "h2_dispenser", "swap_bay")}
    rows = [
        {"site": f"plan-{zone_a}", "zone_id": zone_a, "kind": "charging", **base, "dc_120kw": 4,
         "capex_cny": 1.0e6, "year_built": 2025, "arrivals_per_day": 40.0},
        {"site": f"plan-{zone_a}", "zone_id": zone_a, "kind": "charging", **base, "dc_120kw": 2,
         "capex_cny": 2.0e5, "year_built": 2030, "arrivals_per_day": 20.0},
        {"site": f"plan-{zone_b}", "zone_id": zone_b, "kind": "integrated", **base, "dc_480kw": 1, "swap_bay": 2,
         "capex_cny": 3.0e6, "year_built": 2030, "arrivals_per_day": 10.0},
    ]
    frame = pd.DataFrame(rows)
    frame["lon"], frame["lat"] = 114.0, 22.55
    frame["expected_utilisation"], frame["expected_wait_p95_min"] = 0.5, 2.0
    return frame


@pytest.fixture(scope="module")
def plan_run(small_run, tmp_path_factory):
    """The small run with a hand-made plan of two sites in two districts."""
    out = tmp_path_factory.mktemp("export") / "with-plan"
    shutil.copytree(small_run.path, out)
    zones = read_table(out, "zones")
    a = int(zones.loc[zones["district"] == "Futian", "zone_id"].iloc[0])
    b = int(zones.loc[zones["district"] == "Nanshan", "zone_id"].iloc[0])
    _siting(a, b).to_parquet(out / "siting.parquet")
    manifest = read_manifest(out)
    manifest["siting"] = {"phases": [], "notes": []}
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out, a, b


def test_district_summary_by_hand(plan_run):
    out, a, b = plan_run
    zones = read_table(out, "zones")
    use = pd.DataFrame({"station_id": [f"plan-{a}", f"plan-{a}", f"plan-{b}", "other"],
                        "served_vehicles": [100, 50, 7, 999]})
    table = district_summary(_siting(a, b), zones, use).set_index("district")
    assert table.loc["Futian", "sites"] == 1 and table.loc["Futian", "dc_120kw"] == 6
    assert table.loc["Futian", "capex_cny"] == pytest.approx(1.2e6)
    assert table.loc["Futian", "served_vehicles"] == 150
    assert table.loc["Nanshan", "swap_bay"] == 2 and table.loc["Nanshan", "served_vehicles"] == 7
    assert table.loc["total", "sites"] == 2 and table.loc["total", "capex_cny"] == pytest.approx(4.2e6)
    only_2025 = district_summary(_siting(a, b), zones, year=2025).set_index("district")
    assert list(only_2025.index) == ["Futian", "total"] and only_2025.loc["Futian", "dc_120kw"] == 4


def test_a_simulated_planned_site_is_one_point(plan_run, tmp_path):
    """A site run's station table holds the planned sites it simulated: the point layer draws
    each of them once, as planned (one row per phase year), not also as a station."""
    out, a, _ = plan_run
    twice = tmp_path / "twice"
    shutil.copytree(out, twice)
    stations = read_table(twice, "stations")
    extra = stations.iloc[[0]].assign(station_id=f"plan-{a}", source="plan")
    pd.concat([stations, extra], ignore_index=True).to_parquet(twice / "stations.parquet")
    features = json.loads(export_bytes(twice, "geojson"))["features"]
    layers = [f["properties"]["layer"] for f in features if f["properties"]["station_id"] == f"plan-{a}"]
    assert layers == ["planned", "planned"]  # its 2025 and 2030 rows
    assert len(features) == len(stations) + 3


def test_export_districts_count_the_sites_of_the_simulated_year(plan_run, tmp_path):
    """The run's served demand is that of the simulated year: a 2025 run's district table holds
    the 2025 site only (Futian, 4 DC 120 kW), as the CLI and the Stations page show it."""
    out, _, _ = plan_run
    early = tmp_path / "early"
    shutil.copytree(out, early)
    manifest = read_manifest(early)
    manifest["scenario"]["year"] = 2025
    (early / "manifest.json").write_text(json.dumps(manifest))
    districts = export_tables(early)["districts"].set_index("district")
    assert list(districts.index) == ["Futian", "total"] and districts.loc["total", "dc_120kw"] == 4


def test_export_tables_hold_wgs84_districts_and_targets(plan_run):
    out, a, _ = plan_run
    tables = export_tables(out)
    stations = tables["stations"]
    assert {"lon", "lat", "lon_gcj02", "lat_gcj02", "district", "zone_id", "served_vehicles"} <= set(stations)
    back = wgs84_to_gcj02(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    assert _metres(back[0], back[1], stations["lon_gcj02"], stations["lat_gcj02"]).max() < 0.05
    assert stations["district"].notna().all()
    assert tables["plan"].loc[tables["plan"]["zone_id"] == a, "district"].eq("Futian").all()
    assert set(tables["districts"]["district"]) == {"Futian", "Nanshan", "total"}
    assert dict(zip(tables["districts"]["district"], tables["districts"]["district_zh"], strict=True)) == {
        "Futian": "福田区", "Nanshan": "南山区", "total": "合计"}
    assert tables["plan"].loc[tables["plan"]["zone_id"] == a, "district_zh"].eq("福田区").all()
    assert stations["district_zh"].str.endswith(("区", "新区")).all()
    assert {"verdict", "gap", "gap_pct", "seed_wording"} <= set(tables["targets"])
    assert len(tables["targets"]) == len(read_table(out, "targets"))
    assert CONVERSION in set(tables["about"]["value"])


def test_every_format_reads_back(plan_run, tmp_path):
    out, _, _ = plan_run
    n_points = len(read_table(out, "stations")) + 3
    exported = {fmt: export_bytes(out, fmt) for fmt in ("csv", "xlsx", "geojson", "gpkg")}
    for fmt, data in exported.items():
        assert export_bytes(out, fmt) == data, fmt  # same results, same bytes
    archive = zipfile.ZipFile(io.BytesIO(exported["csv"]))
    assert {"stations.csv", "plan.csv", "districts.csv", "targets.csv", "figures.csv"} <= set(archive.namelist())
    targets = pd.read_csv(archive.open("targets.csv"), encoding="utf-8-sig")
    assert "全市新能源汽车保有量达到130万辆左右" in set(targets["seed_wording"])
    book = pd.read_excel(io.BytesIO(exported["xlsx"]), sheet_name=None)
    assert {"about", "stations", "plan", "districts", "targets", "figures", "zones"} <= set(book)
    doc = json.loads(exported["geojson"])
    assert doc["conversion"] == CONVERSION and len(doc["features"]) == n_points
    assert len(doc["targets"]) == len(targets) and len(doc["districts"]) == 3 and doc["figures"]
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert 113.7 < lon < 114.7 and 22.4 < lat < 22.9
    path = export_results(out, "gpkg", tmp_path / "plan.gpkg")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert con.execute("SELECT count(*) FROM stations").fetchone()[0] == n_points
    con.close()
    pyogrio = pytest.importorskip("pyogrio")  # GDAL's own reader, independent of the writer
    meta = pyogrio.read_info(path, layer="stations")
    assert meta["features"] == n_points and meta["geometry_type"] == "Point" and "4326" in meta["crs"]
    _, _, geometry, fields = pyogrio.raw.read(path, layer="stations")
    assert len(geometry) == n_points and len(fields) > 10


def test_cli_export_and_bad_input(plan_run, tmp_path, capsys):
    out, _, _ = plan_run
    target = tmp_path / "x.geojson"
    assert main(["export", str(out), "--to", "geojson", "--out", str(target)]) == 0
    assert json.loads(target.read_text())["type"] == "FeatureCollection"
    before = target.read_bytes()
    assert main(["export", str(tmp_path / "missing"), "--to", "geojson", "--out", str(target)]) == 2
    assert "RESULTS_DIR" in capsys.readouterr().err
    assert target.read_bytes() == before  # nothing already written is lost
    assert main(["export", str(out), "--to", "csv", "--out", str(tmp_path / "plan.csv")]) == 2
    assert "--out" in capsys.readouterr().err and not (tmp_path / "plan.csv").exists()
    with pytest.raises(SystemExit) as stop:
        main(["export", str(out), "--to", "shp"])
    assert stop.value.code == 2
    with pytest.raises(ResultsError, match="--to"):
        export_bytes(out, "kml")
