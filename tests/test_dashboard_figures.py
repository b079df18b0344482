"""Figures and tables of the dashboard, built from a real small run (no browser)."""
from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from szplan.dashboard import figures as F
from szplan.dashboard.figures_day import queue_through_day, station_group
from szplan.dashboard.figures_map import ZONE_METRICS, zone_shapes
from szplan.dashboard.reader import ResultsReader
from szplan.dashboard.style import _legend_rows, empty_figure
from szplan.dashboard.tables import figures_comparison, format_value, station_table, target_status, targets_table
from szplan.demand import stock_metrics
from szplan.fleetsim.errors import ResultsError
from szplan.fleetsim.runs.results import read_table


@pytest.fixture(scope="module")
def tables(small_run):
    names = ("stock", "targets", "stations", "energy_by_year", "load", "flexibility", "sessions", "station_use",
             "zones", "figures")
    return {name: read_table(small_run.path, name) for name in names}


def _trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def _valid(fig: dict) -> go.Figure:
    """The figure dictionary is a valid Plotly figure (graph objects validate every property)."""
    assert json.dumps(fig)  # what dcc.Graph sends must be plain JSON
    return go.Figure(fig)


def test_stock_summary_matches_the_stock_model_metrics(tables):
    summary = F.stock_summary(tables["stock"])
    metrics = stock_metrics(tables["stock"])
    for column in summary.columns:
        expected = metrics[metrics["metric"] == column].set_index("year")["value"].reindex(summary.index)
        np.testing.assert_allclose(summary[column].to_numpy(), expected.to_numpy(), equal_nan=True)


def test_nev_stock_figure_has_model_path_history_and_both_targets(tables):
    fig = F.nev_stock_figure(tables["stock"], tables["targets"], run="r1")
    _valid(fig)
    model = _trace(fig, "modelled NEV stock")
    stock = tables["stock"]
    nev_2030 = stock[(stock["year"] == 2030) & stock["powertrain"].isin(["BEV", "PHEV", "FCEV"])]["vehicles"].sum()
    assert model["y"][model["x"].index("2030-12-31")] == pytest.approx(nev_2030)
    assert len(_trace(fig, "reported")["y"]) >= 5
    targets = [t for t in fig["data"] if t.get("legendgroup") == "plan target"]
    assert sorted(t["y"][0] for t in targets) == [1_300_000, 2_000_000]
    assert all(t["error_y"]["value"] == pytest.approx(0.05 * t["y"][0]) for t in targets)  # "about": ±5%
    assert fig["layout"]["meta"]["run"] == "r1"
    assert "vehicles" in fig["layout"]["yaxis"]["title"]["text"]


def test_share_figure_targets_60_and_70_percent(tables):
    fig = F.new_share_figure(tables["stock"], tables["targets"])
    _valid(fig)
    clean = _trace(fig, "modelled NEV or clean (LNG)")
    assert all(0.0 <= v <= 1.0 for v in clean["y"])
    assert sorted(t["y"][0] for t in fig["data"] if t.get("legendgroup") == "plan target") == [0.6, 0.7]
    assert _trace(fig, "reported NEV share")["y"]


def test_lng_fcev_figure_and_infrastructure_figure(tables):
    fig = F.lng_fcev_figure(tables["stock"], tables["targets"])
    _valid(fig)
    assert {"LNG vehicles", "fuel-cell vehicles"} <= {t["name"] for t in fig["data"]}
    infra = F.infrastructure_figure(tables["targets"], tables["stations"])
    _valid(infra)
    assert infra["layout"]["barmode"] == "stack"
    targets = sorted(t["y"][0] for t in infra["data"] if t["name"] == "plan target")
    assert targets == [60, 45_000, 600_000]
    # a plain run models no charger target: its bars count the station table, every part named
    stations = tables["stations"]
    public = stations[~stations["source"].str.startswith(("plan", "depot"))]
    parts = {t["name"]: t["y"][0] for t in infra["data"] if t["type"] == "bar" and t["xaxis"] == "x2"}
    assert parts["public, existing"] == public[["dc_60kw", "dc_120kw", "dc_480kw"]].to_numpy().sum()
    depot = stations[stations["source"].str.startswith("depot")]
    assert parts["depot (modelled)"] == depot[["dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw"]].to_numpy().sum()
    assert "private home piles" not in parts
    assert any("not modelled" in t["text"][0] for t in infra["data"] if t.get("name") == "total")


def test_infrastructure_parts_add_up_to_the_modelled_counts(tables):
    # a plan run: 2 planned sites by 2025 and modelled counts from fleetsim site
    siting = pd.DataFrame({"site": ["p1", "p2", "p3"], "kind": ["charging", "integrated", "integrated"],
                           "year_built": [2025, 2025, 2030], "ac_7kw": [0, 0, 0], "dc_60kw": [0, 0, 0],
                           "dc_120kw": [10, 4, 8], "dc_480kw": [0, 1, 0]})
    targets = tables["targets"].copy()
    model = {"charging_facilities_cumulative": 700_000.0, "fast_chargers_cumulative": 90_000.0,
             "integrated_energy_supply_stations": 1.0}
    for metric, value in model.items():
        targets.loc[(targets["metric"] == metric) & (targets["year"] == 2025), "modelled_value"] = value
    parts = F.infrastructure_parts(targets, tables["stations"], siting)
    for metric, value in model.items():
        year, counts = parts[metric]
        assert year == 2025
        if metric != "integrated_energy_supply_stations":
            assert sum(counts.values()) == pytest.approx(value)
    assert parts["fast_chargers_cumulative"][1]["public, planned"] == 15  # p1 and p2, not p3 (2030)
    assert parts["integrated_energy_supply_stations"][1]["public, planned"] == 1
    every = parts["charging_facilities_cumulative"][1]
    assert every["depot (modelled)"] == parts["fast_chargers_cumulative"][1]["depot (modelled)"]
    assert every["private home piles"] > 0


def test_target_markers_stand_at_their_year(tables):
    fig = F.nev_stock_figure(tables["stock"], tables["targets"])
    axis = fig["layout"]["xaxis"]
    labels = dict(zip(axis["ticktext"], axis["tickvals"], strict=True))
    for marker in (t for t in fig["data"] if t.get("legendgroup") == "plan target"):
        year = str(marker["hovertemplate"].split()[1].rstrip(":"))
        assert marker["x"][0] == labels[year]  # the marker sits on the tick labelled with its year
    share = F.new_share_figure(tables["stock"], tables["targets"])
    labels = dict(zip(share["layout"]["xaxis"]["ticktext"], share["layout"]["xaxis"]["tickvals"], strict=True))
    assert {t["x"][0] for t in share["data"] if t.get("legendgroup") == "plan target"} == {labels["2025"],
                                                                                          labels["2030"]}


def test_bands_from_a_sweep_folder(tmp_path, small_run, tables, write_sweep):
    bands = write_sweep(tmp_path / "sweep")
    reader = ResultsReader([tmp_path / "sweep"], tmp_path / "none")
    [sweep] = reader.sweeps()
    assert sweep.run_ids and reader.run_info(sweep.run_ids[0]).name == "sweep/r0"
    read = reader.bands(sweep.sweep_id)
    assert len(read) == len(bands)
    fig = F.nev_stock_figure(tables["stock"], tables["targets"], bands=read)
    _valid(fig)
    band_traces = [t for t in fig["data"] if t["name"].startswith("sweep ")]
    assert [t["name"] for t in band_traces] == ["sweep 0: p05–p95", "sweep 1: p05–p95"]
    first = band_traces[0]
    assert first["y"] == [2.0e6]
    assert first["error_y"]["array"] == [pytest.approx(1e5)] and first["error_y"]["arrayminus"] == [pytest.approx(1e5)]
    panel = F.bands_figure(read, "peak_charging_power")
    _valid(panel)
    assert panel["data"][0]["x"] == ["0", "1"] and "MW" in panel["layout"]["yaxis"]["title"]["text"]
    assert F.bands_figure(read, "no_such_figure")["data"] == []


def test_fleet_figures_add_up_to_the_tables(tables):
    stock = F.stock_figure(tables["stock"], year=2030)
    _valid(stock)
    year_total = sum(t["y"][t["x"].index(2030)] for t in stock["data"])
    assert year_total == tables["stock"][tables["stock"]["year"] == 2030]["vehicles"].sum()
    assert len(stock["layout"]["annotations"]) == tables["stock"]["segment"].nunique()  # a panel per segment
    energy = F.energy_figure(tables["energy_by_year"])
    _valid(energy)
    total = sum(t["y"][t["x"].index(2030)] for t in energy["data"])
    expected = tables["energy_by_year"].query("year == 2030")["final_energy_gwh"].sum() / 1000
    assert total == pytest.approx(expected)
    co2 = F.co2_figure(tables["energy_by_year"])
    _valid(co2)
    assert "Mt" in co2["layout"]["yaxis"]["title"]["text"]


def test_day_figures(tables):
    load = F.load_figure(tables["load"])
    _valid(load)
    elec = [t for t in load["data"] if t["stackgroup"] == "electricity"]
    assert len(elec[0]["x"]) == 96
    total = sum(sum(t["y"]) for t in elec)
    expected = tables["load"].query("carrier == 'electricity'")["value"].sum() / 1000
    assert total == pytest.approx(expected)
    flex = F.flexibility_figure(tables["flexibility"], tables["targets"])
    _valid(flex)
    assert sorted(s["y0"] for s in flex["layout"]["shapes"]) == [1000.0, 1500.0]  # VPP 2025 and 2030
    waits = F.waits_figure(tables["sessions"])
    _valid(waits)
    assert any(t["type"] == "bar" and t["y"] for t in waits["data"])


def test_mean_wait_by_hour_is_weighted():
    sessions = pd.DataFrame({"station_id": ["s1", "s2", "home", "depot-1"], "arrive_min": [61.0, 100.0, 70.0, 65.0],
                             "wait_min": [10.0, 40.0, 0.0, 5.0], "weight": [3, 1, 50, 2]})
    out = F.mean_wait_by_hour(sessions).set_index(["hour", "group"])
    assert out.loc[(1, "public"), "wait_min"] == pytest.approx((10 * 3 + 40 * 1) / 4)
    assert out.loc[(1, "public"), "sessions"] == 4
    assert out.loc[(1, "depot"), "wait_min"] == pytest.approx(5.0)
    assert "home" not in out.index.get_level_values("group")


def test_queue_through_the_day_counts_waiting_vehicles_and_wraps_midnight():
    sessions = pd.DataFrame({"station_id": ["s1", "s2", "depot-1"], "arrive_min": [60.0, 1430.0, 10.0],
                             "start_min": [90.0, 1460.0, 10.0], "weight": [2, 5, 7]})
    queue = queue_through_day(sessions).set_index(["group", "time_min"])["vehicles"]
    assert queue[("public", 60)] == 2 and queue[("public", 75)] == 2 and queue[("public", 90)] == 0
    assert queue[("public", 1425)] == 5 and queue[("public", 0)] == 5 and queue[("public", 15)] == 0
    assert queue.xs("depot").sum() == 0  # served at once
    assert list(station_group(pd.Series(["home", "depot-3", "stevcdp-1"]))) == ["home", "depot", "public"]


@pytest.mark.parametrize("metric", list(ZONE_METRICS))
def test_zone_map_draws_every_zone(tables, metric):
    values = F.zone_values(metric, zones=tables["zones"], station_use=tables["station_use"],
                           sessions=tables["sessions"], load=tables["load"])
    assert len(values) == 491 and values.notna().any()
    fig = F.zone_map_figure(values, metric, stations=tables["stations"])
    _valid(fig)
    fills = [t for t in fig["data"] if t.get("fill") == "toself"]
    drawn = sum(t["x"].count(None) for t in fills)  # one None closes each zone outline
    assert drawn >= len(zone_shapes()) == 491
    hover = next(t for t in fig["data"] if t["name"].startswith("zones:"))
    assert hover["marker"]["showscale"] and hover["marker"]["colorbar"]["title"]["text"] == ZONE_METRICS[metric][1]
    assert any(t["name"].startswith("existing: ") for t in fig["data"])
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"  # lon/lat axes: no map tiles, no network


def test_zone_map_with_planned_sites_and_kind_filter(tables):
    values = F.zone_values("demand", zones=tables["zones"], station_use=tables["station_use"],
                           sessions=tables["sessions"], load=tables["load"])
    siting = pd.DataFrame({"site": ["p1", "p2"], "zone_id": [102, 104], "lon": [114.1, 114.11], "lat": [22.54, 22.55],
                           "kind": ["charging", "integrated"], "dc_120kw": [10, 4], "lng_dispenser": [0, 2],
                           "capex_cny": [1e6, 2e6], "year_built": [2026, 2027], "expected_utilisation": [0.4, 0.3],
                           "expected_wait_min": [5.0, 2.0]})
    fig = F.zone_map_figure(values, "demand", stations=tables["stations"], siting=siting, kinds=["charging"])
    _valid(fig)
    names = [t["name"] for t in fig["data"]]
    assert "planned: charging" in names and "planned: integrated" not in names
    assert not any(n.startswith("existing: lng") for n in names)
    planned_stars = [t for t in fig["data"] if t["name"].startswith("planned")]
    assert sum(len(t["x"]) for t in planned_stars) == 1  # kind filter: p1 only
    assert not any(t["name"] == "existing: none" for t in fig["data"])


def test_targets_table_lists_every_target_with_gap_and_verdict(tables):
    table = targets_table(tables["targets"])
    assert len(table) == len(tables["targets"]) == 24
    assert set(table["status"]) <= {"within", "exceeded", "short", "not modelled"}
    nev = table.set_index("target").loc["nev_stock_2030"]
    row = tables["targets"].set_index("target_id").loc["nev_stock_2030"]
    assert nev["gap"] == f"{row['modelled_value'] - 2_000_000:+,.0f}" and nev["unit"] == "vehicles"
    assert nev["gap_pct"] == f"{100 * (row['modelled_value'] / 2_000_000 - 1):+.1f}%"
    assert nev["verdict"] == row["verdict"] and "万辆" in nev["wording"]
    rail = table.set_index("target").loc["rail_km_2030"]
    assert rail["status"] == "not modelled" and rail["gap"] == "" and rail["modelled"] == "not modelled"
    share = table.set_index("target").loc["new_clean_share_2030"]
    assert share["target_value"] == "0.700" and share["gap"].startswith(("+", "-"))
    assert target_status(pd.NA) == "not modelled" and target_status("exceeded") == "exceeded"
    assert format_value(0.7, "fraction") == "0.700" and format_value(1500, "MW", signed=True) == "+1,500"
    zh = targets_table(tables["targets"], "zh").set_index("wording")
    assert "全市新能源汽车保有量达到200万辆左右" in zh["target"].tolist()
    assert zh.loc["全市新能源汽车保有量达到200万辆左右", "unit"] == "辆"
    assert set(zh["verdict"]) <= {"符合", "超出", "未达到", "模型未计算"}


def test_station_table_and_figure_comparison(tables):
    rows = station_table(tables["stations"], tables["station_use"], zones=tables["zones"])
    assert len(rows) == len(tables["station_use"])  # the simulation's own per-station rows, no more
    assert rows["served_vehicles"].sum() == tables["station_use"]["served_vehicles"].sum()
    assert (rows["district"] != "").all()
    assert rows["utilisation_pct"].between(0, 100).all()
    comparison = figures_comparison({"a": tables["figures"], "b": tables["figures"]},
                                    {"a": tables["targets"], "b": tables["targets"]})
    assert list(comparison.columns) == ["figure", "unit", "a", "b"]
    assert (comparison["a"] == comparison["b"]).all()
    assert comparison.iloc[-1]["figure"].startswith("targets met")


def test_scenario_curves(tables):
    nev = F.nev_paths_figure({"one": tables["stock"], "two": tables["stock"]}, tables["targets"])
    _valid(nev)
    assert _trace(nev, "one")["y"] == _trace(nev, "two")["y"]
    load = F.load_curves_figure({"one": tables["load"]})
    _valid(load)
    assert len(load["data"][0]["x"]) == tables["load"]["time_min"].nunique()


def test_empty_figure_and_legend_rows():
    fig = empty_figure("nothing here")
    _valid(fig)
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"] == "nothing here"
    assert _legend_rows([], 500) == 0
    assert _legend_rows([{"name": "x" * 40}] * 1 + [{"name": "y" * 40}] * 1, 300) == 2


def test_reader_caches_tables_until_the_manifest_changes(small_run, tmp_path):
    reader = ResultsReader([small_run.path], tmp_path)
    [info] = reader.runs()
    first = reader.table(info.run_id, "stock")
    assert reader.table(info.run_id, "stock") is first
    manifest = small_run.path / "manifest.json"
    later = time.time() + 5
    os.utime(manifest, (later, later))
    assert reader.table(info.run_id, "stock") is not first
    assert reader.optional_table(info.run_id, "siting") is None


def test_reader_reports_missing_unknown_and_corrupt_results(small_run, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for item in small_run.path.iterdir():
        (corrupt / item.name).write_bytes(item.read_bytes())
    (corrupt / "stock.parquet").write_bytes(b"PAR1 but not parquet")
    reader = ResultsReader([tmp_path / "nowhere", broken, corrupt], tmp_path / "runs")
    assert any("nowhere" in p and "no such folder" in p for p in reader.problems)
    infos = {i.name: i for i in reader.runs()}
    assert "unreadable" in infos["broken"].problem
    with pytest.raises(ResultsError, match="unreadable"):
        reader.table(infos["broken"].run_id, "stock")
    with pytest.raises(ResultsError, match="stock"):
        reader.table(infos["corrupt"].run_id, "stock")
    assert len(reader.table(infos["corrupt"].run_id, "targets")) == 24  # the rest still reads
    with pytest.raises(ResultsError, match="not one of the results folders"):
        reader.table(str(tmp_path / "elsewhere"), "stock")
    assert reader.default_run() == infos["corrupt"].run_id  # the first one with a readable manifest


def test_figures_in_chinese_leave_the_cached_english_figure_alone(tables):
    from szplan.dashboard.style import localise

    fig = F.nev_stock_figure(tables["stock"], tables["targets"], run="r1")
    before = str(fig)
    zh = localise(fig, "zh")
    assert str(fig) == before and localise(fig, "en") is fig
    assert zh["layout"]["title"]["text"].startswith("新能源汽车保有量")
    assert zh["layout"]["xaxis"]["title"]["text"] == "年末" and zh["layout"]["meta"]["run"] == "r1"
    assert {"方案目标", "统计值", "模型：新能源汽车保有量"} <= {t["name"] for t in zh["data"]}
    assert [t["y"] for t in zh["data"]] == [t["y"] for t in fig["data"]]  # the numbers do not change
    infra = localise(F.infrastructure_figure(tables["targets"], tables["stations"]), "zh")
    assert "2025 年目标" in {x for t in infra["data"] if t["type"] == "bar" for x in t["x"]}
    assert "公共，现有" in {t["name"] for t in infra["data"]}
    assert "充电设施" in {a["text"] for a in infra["layout"]["annotations"]}
