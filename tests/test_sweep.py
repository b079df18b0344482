"""Scenario sweeps: spec parsing without a cluster, then real sweeps on a Dask LocalCluster."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from szplan.fleetsim.errors import ScenarioError
from szplan.fleetsim.runs.results import read_table
from szplan.fleetsim.sweeps.sweep import (
    SweepError,
    add_arguments,
    command,
    latin_hypercube,
    load_sweep,
    run_is_complete,
    run_sweep,
)
from szplan.fleetsim.sweeps.sweep_spec import apply_change, sweep_from_dict
from szplan.fleetsim.sweeps.sweep_tables import band_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BANDS_COLUMNS = ["point", "figure", "year", "unit", "p05", "p50", "p95", "n_seeds"]


def _write(path: Path, raw: dict | str) -> Path:
    path.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw, sort_keys=False))
    return path


# --------------------------------------------------------------------------- spec, no cluster


def test_grid_size_is_the_product_and_run_ids_are_readable():
    spec = sweep_from_dict({
        "base": "shenzhen-2030",
        "grid": {"stock.nev_share_path.2030": [0.8, 0.9, 1.0], "stock.hydrogen_production_route": ["grey", "green"]},
        "seeds": 3,
    })
    assert len(spec.points) == 3 * 2
    assert len(spec.runs) == 3 * 2 * 3
    combos = {(p.changes["stock.nev_share_path.2030"], p.changes["stock.hydrogen_production_route"])
              for p in spec.points}
    assert combos == {(s, r) for s in (0.8, 0.9, 1.0) for r in ("grey", "green")}
    # the first key varies slowest
    assert [p.changes["stock.nev_share_path.2030"] for p in spec.points[:2]] == [0.8, 0.8]
    ids = [r.run_id for r in spec.runs]
    assert ids[:4] == ["p000-s00", "p000-s01", "p000-s02", "p001-s00"] and len(set(ids)) == len(ids)
    assert spec.seeds == (2030, 2031, 2032)  # the base's seed, then the next ones
    for point in spec.points:
        assert point.scenario.stock.nev_share_path[2030] == point.changes["stock.nev_share_path.2030"]
        assert point.scenario.stock.hydrogen_production_route == point.changes["stock.hydrogen_production_route"]


def test_grid_times_lhs_and_explicit_seeds():
    spec = sweep_from_dict({
        "base": "shenzhen-2025",
        "set": {"simulation.sample": 0.002},
        "grid": {"network.speed_core_kmh": [20, 30]},
        "lhs": {"samples": 4, "seed": 3, "parameters": {"stock.home_charging_access_share": {"low": 0.3, "high": 0.6}}},
        "seeds": [11, 7],
    })
    assert len(spec.points) == 2 * 4 and spec.seeds == (11, 7)
    assert all(p.scenario.simulation.sample == 0.002 for p in spec.points)
    assert "simulation.sample" not in spec.points[0].changes  # set is not a swept parameter
    assert [r.seed for r in spec.runs[:2]] == [11, 7]
    assert spec.runs[1].scenario().seed == 7


def test_no_grid_no_lhs_is_one_point_with_seeds():
    spec = sweep_from_dict({"base": "shenzhen-2030", "seeds": 4})
    assert len(spec.points) == 1 and spec.points[0].changes == {} and spec.points[0].label() == "base"
    assert len(spec.runs) == 4


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), d=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_latin_hypercube_has_one_sample_per_stratum(n, d, seed):
    sample = latin_hypercube(n, d, seed)
    assert sample.shape == (n, d)
    assert ((sample >= 0) & (sample < 1)).all()
    for j in range(d):
        assert sorted(np.floor(sample[:, j] * n).astype(int)) == list(range(n))


def test_lhs_points_are_stratified_within_their_ranges_and_reproducible():
    raw = {"base": "shenzhen-2030",
           "lhs": {"samples": 10, "seed": 42, "parameters": {
               "stock.home_charging_access_share": {"low": 0.3, "high": 0.6},
               "stock.nev_share_path.2030": {"low": 0.8, "high": 1.0}}}}
    spec = sweep_from_dict(raw)
    assert len(spec.points) == 10
    for path, (low, high) in {"stock.home_charging_access_share": (0.3, 0.6),
                              "stock.nev_share_path.2030": (0.8, 1.0)}.items():
        values = np.array([p.changes[path] for p in spec.points])
        strata = np.floor((values - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10)), path
    shares = [p.scenario.stock.home_charging_access_share for p in spec.points]
    assert shares == [p.scenario.stock.home_charging_access_share for p in sweep_from_dict(raw).points]
    raw["lhs"]["seed"] = 43
    assert shares != [p.scenario.stock.home_charging_access_share for p in sweep_from_dict(raw).points]


def test_apply_change_follows_and_creates_mappings():
    raw = {"year": 2030, "stock": {"nev_share_path": {"2026": 0.8}, "early_retirement": {"taxi": None}}}
    apply_change(raw, "stock.nev_share_path.2030", 0.9)
    apply_change(raw, "stock.mandate_year.bus", 2027)
    apply_change(raw, "stock.early_retirement.taxi.share", 0.5)
    apply_change(raw, "year", 2025)
    assert raw == {"year": 2025, "stock": {"nev_share_path": {"2026": 0.8, "2030": 0.9},
                                           "mandate_year": {"bus": 2027},
                                           "early_retirement": {"taxi": {"share": 0.5}}}}
    value = {"a": [1]}
    apply_change(raw, "stock.x", value)
    value["a"].append(2)
    assert raw["stock"]["x"] == {"a": [1]}  # a copy, so points do not share values
    with pytest.raises(SweepError, match=r"year\.x: year is 2025, not a mapping"):
        apply_change(raw, "year.x", 1)


@pytest.mark.parametrize(
    "raw, field, value",
    [
        ({"base": "shenzhen-2030", "colour": "blue"}, "colour", "blue"),
        ({"base": "shenzhen-2030", "grid": {"stock.nev_share_path.2030": 0.9}},
         "grid.stock.nev_share_path.2030", "0.9"),
        ({"base": "shenzhen-2030", "grid": {"stock.nev_share_pth.2030": [0.9]}}, "stock.nev_share_pth", "0.9"),
        ({"base": "shenzhen-2030", "grid": {"stock.home_charging_access_share": [0.5, 1.5]}},
         "stock.home_charging_access_share", "1.5"),
        ({"base": "shenzhen-2030", "set": {"simulation.sample": -1}}, "simulation.sample", "-1"),
        ({"base": "shenzhen-2030", "grid": {"year.month": [1]}}, "year.month", "2030"),
        ({"base": "shenzhen-2030", "grid": {"seed": [1, 2]}}, "seed", "seeds"),
        ({"base": "shenzhen-2030", "grid": {"stock..x": [1]}}, "stock..x", "dotted path"),
        ({"base": "shenzhen-2030", "lhs": {"samples": 4, "parameters": {"stock.home_charging_access_share":
                                                                      {"low": 0.6, "high": 0.3}}}},
         "lhs.parameters.stock.home_charging_access_share", "0.6"),
        ({"base": "shenzhen-2030", "lhs": {"samples": 0, "parameters": {"year": {"low": 1, "high": 2}}}},
         "lhs.samples", "0"),
        ({"base": "shenzhen-2030", "set": {"year": 2025}, "grid": {"year": [2030]}}, "grid.year", "set"),
        ({"base": "shenzhen-2030", "set": {"stock.nev_share_path.2030": 0.9},
          "grid": {"stock.nev_share_path": [{2030: 1.0}]}},
         "grid.stock.nev_share_path", "set.stock.nev_share_path.2030"),
        ({"base": "shenzhen-2030", "seeds": 0}, "seeds", "0"),
        ({"base": "shenzhen-2030", "seeds": [1, 1]}, "seeds", "1"),
        ({"grid": {}}, "base", "missing"),
        ({"base": "shenzhen-2099"}, "base", "shenzhen-2099"),
        ({"base": {"name": "x", "year": 2051}}, "base: year", "2051"),
    ],
)
def test_bad_sweeps_name_the_field_in_one_line(raw, field, value):
    with pytest.raises(SweepError) as info:
        sweep_from_dict(raw, origin="bad.yaml")
    message = str(info.value)
    assert isinstance(info.value, ScenarioError)  # the command line's handler prints it and exits 2
    assert "\n" not in message and message.startswith("bad.yaml")
    assert field in message and value in message, message


def test_bad_sweep_files(tmp_path):
    with pytest.raises(SweepError, match="no such file"):
        load_sweep(tmp_path / "nope.yaml")
    with pytest.raises(SweepError, match="broken YAML at line"):
        load_sweep(_write(tmp_path / "broken.yaml", "base: shenzhen-2030\ngrid: [1\n"))
    with pytest.raises(SweepError, match="expected a mapping"):
        load_sweep(_write(tmp_path / "list.yaml", "- a\n- b\n"))


def test_base_path_is_relative_to_the_sweep_file(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    _write(tmp_path / "scenarios" / "mine.yaml", {"name": "mine", "year": 2025, "seed": 5})
    (tmp_path / "sweeps").mkdir()
    sweep = _write(tmp_path / "sweeps" / "s.yaml", {"base": "../scenarios/mine.yaml", "seeds": 2})
    monkeypatch.chdir(ROOT)
    spec = load_sweep(sweep)
    assert spec.base.name == "mine" and spec.seeds == (5, 6) and spec.name == "s"
    assert spec.source == sweep.resolve()


def test_sweep_as_run_reloads_to_the_same_runs(tmp_path):
    spec = load_sweep(EXAMPLES / "sweep-home-charging-lhs.yaml")
    again = load_sweep(_write(tmp_path / "again.yaml", spec.to_yaml()))
    assert [r.run_id for r in again.runs] == [r.run_id for r in spec.runs]
    assert [r.scenario() for r in again.runs] == [r.scenario() for r in spec.runs]
    assert [p.changes_json() for p in again.points] == [p.changes_json() for p in spec.points]


def test_examples_load():
    files = sorted(EXAMPLES.glob("sweep-*.yaml"))
    assert {f.name for f in files} >= {"sweep-nev-share.yaml", "sweep-tiny.yaml"}
    for path in files:
        assert load_sweep(path).runs
    nev = load_sweep(EXAMPLES / "sweep-nev-share.yaml")
    assert nev.base.name == "shenzhen-2030" and len(nev.seeds) >= 3
    assert all(0.005 <= p.scenario.simulation.sample <= 0.01 for p in nev.points)


def test_band_rows_percentiles():
    rows = [{"point": 0, "figure": "f", "year": 2030, "unit": "t", "value": float(v)} for v in range(1, 21)]
    rows += [{"point": 1, "figure": "f", "year": 2030, "unit": "t", "value": v} for v in (3.0, float("nan"))]
    bands = band_rows(rows)
    assert [b["point"] for b in bands] == [0, 1]
    assert bands[0]["p05"] == pytest.approx(np.percentile(range(1, 21), 5))
    assert bands[0]["p05"] <= bands[0]["p50"] <= bands[0]["p95"] and bands[0]["n_seeds"] == 20
    assert (bands[1]["p05"], bands[1]["p95"], bands[1]["n_seeds"]) == (3.0, 3.0, 1)


def test_command_line_errors_exit_2(tmp_path, capsys):
    from szplan.fleetsim.cli import main

    bad = _write(tmp_path / "bad.yaml", {"base": "shenzhen-2030", "grid": {"stock.home_charging_access_share": [2]}})
    try:
        code = main(["sweep", str(bad)])
    except SystemExit:
        pytest.skip("the sweep subcommand is not wired into fleetsim.cli yet")
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "stock.home_charging_access_share" in err and "2" in err


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fleetsim sweep")
    add_arguments(parser)
    return parser.parse_args(argv)


def test_arguments():
    args = _parse(["s.yaml", "--workers", "3", "--out", "x"])
    assert (args.file, args.workers, args.scheduler, args.out, args.func) == ("s.yaml", 3, None, "x", command)
    with pytest.raises(SystemExit):
        _parse(["s.yaml", "--workers", "3", "--scheduler", "tcp://h:8786"])


def test_bad_worker_count_is_refused_before_anything_runs(tmp_path):
    spec = load_sweep(EXAMPLES / "sweep-tiny.yaml")
    with pytest.raises(SweepError, match="--workers: need at least 1 worker"):
        run_sweep(spec, out_dir=tmp_path / "out", workers=0, progress=False)
    with pytest.raises(SweepError, match="not both"):
        run_sweep(spec, out_dir=tmp_path / "out", workers=2, scheduler="tcp://h:8786", progress=False)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- on a LocalCluster


def _manifest_mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in sorted((out / "runs").glob("*/manifest.json"))}


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """examples/sweep-tiny.yaml (2 points x 2 seeds) through the command, on its own cluster."""
    out = tmp_path_factory.mktemp("tiny") / "sweep"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = command(_parse([str(EXAMPLES / "sweep-tiny.yaml"), "--workers", "2", "--out", str(out)]))
    return code, out, printed.getvalue()


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster shared by the tests that need one, set up as ``run_sweep`` sets up its own."""
    import dask
    from distributed import LocalCluster

    from szplan.fleetsim.sweeps.sweep import ALLOWED_FAILURES

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                          scheduler_kwargs={"dashboard": False}) as local:
            yield local


@pytest.mark.slow
@pytest.mark.cluster
def test_small_sweep_tables(tiny_sweep):
    code, out, printed = tiny_sweep
    assert code == 0
    assert "4 runs" in printed and "4 ran, 0 already complete, 0 failed" in printed
    spec = load_sweep(EXAMPLES / "sweep-tiny.yaml")
    runs = pq.read_table(out / "runs.parquet").to_pandas()
    assert list(runs["run_id"]) == [r.run_id for r in spec.runs]
    assert (runs["status"] == "ok").all() and (runs["error"] == "").all() and (runs["seconds"] > 0).all()
    assert (runs["cpu_seconds"] > 0).all() and not runs["resumed"].any()
    assert [json.loads(c) for c in runs["changes"]] == [{"stock.nev_share_path.2030": v} for v in (0.8, 0.8, 1.0, 1.0)]
    assert list(runs["seed"]) == [2030, 2031, 2030, 2031]

    sweep = pq.read_table(out / "sweep.parquet").to_pandas()
    assert list(sweep.columns) == ["run_id", "point", "seed", "source", "figure", "year", "value", "unit", "met"]
    for run in runs.itertuples():
        mine = sweep[sweep["run_id"] == run.run_id]
        assert (mine["point"] == run.point).all() and (mine["seed"] == run.seed).all()
        figures = read_table(out / run.path, "figures")
        got = mine[mine["source"] == "figure"].set_index("figure")
        assert sorted(got.index) == sorted(figures["figure"])
        for f in figures.itertuples():
            assert got.loc[f.figure, "value"] == f.value and got.loc[f.figure, "unit"] == f.unit
            assert got.loc[f.figure, "year"] == f.year
        targets = read_table(out / run.path, "targets").dropna(subset=["modelled_value"])
        got = mine[mine["source"] == "target"].set_index("figure")
        assert sorted(got.index) == sorted(targets["target_id"])
        for t in targets.itertuples():
            assert got.loc[t.target_id, "value"] == t.modelled_value
            assert got.loc[t.target_id, "met"] == t.met

    bands = pq.read_table(out / "bands.parquet").to_pandas()
    assert list(bands.columns) == BANDS_COLUMNS
    assert (bands["p05"] <= bands["p50"]).all() and (bands["p50"] <= bands["p95"]).all()
    assert (bands["n_seeds"] == 2).all()
    assert len(bands) == len(sweep) // 2  # one band per point and figure, over two seeds
    one = sweep[(sweep["point"] == 1) & (sweep["figure"] == "nev_stock")]["value"]
    band = bands[(bands["point"] == 1) & (bands["figure"] == "nev_stock")].iloc[0]
    assert band["p50"] == pytest.approx(one.median()) and band["p05"] >= one.min() and band["p95"] <= one.max()
    # the swept NEV share moves the fleet: point 1 (100% in 2030) has more NEVs than point 0
    nev = bands[bands["figure"] == "nev_stock"].set_index("point")["p50"]
    assert nev[1] > nev[0]

    points = pq.read_table(out / "points.parquet").to_pandas()
    assert list(points["point"]) == [0, 1] and points["label"][1] == "stock.nev_share_path.2030=1.0"
    assert [r.run_id for r in load_sweep(out / "sweep.yaml").runs] == list(runs["run_id"])


@pytest.mark.slow
@pytest.mark.cluster
def test_resume_skips_finished_runs(tiny_sweep, cluster):
    _, out, _ = tiny_sweep
    spec = load_sweep(EXAMPLES / "sweep-tiny.yaml")
    before = _manifest_mtimes(out)
    first = pq.read_table(out / "runs.parquet").to_pandas().set_index("run_id")
    assert len(before) == 4

    again = run_sweep(spec, out_dir=out, scheduler="tcp://nowhere.invalid:1", progress=False)
    # nothing to run, so no scheduler is even contacted
    assert (again.n_ran, again.n_resumed, again.n_failed) == (0, 4, 0)
    assert _manifest_mtimes(out) == before
    runs = again.table("runs").set_index("run_id")
    assert runs["resumed"].all()
    assert (runs["seconds"] == first["seconds"]).all() and (runs["cpu_seconds"] == first["cpu_seconds"]).all()

    # a run folder of an earlier, different sweep does not count as this run
    run = spec.runs[0]
    assert run_is_complete(out / "runs" / run.run_id, run.scenario().model_dump(mode="json"))
    other = run.scenario().model_copy(update={"year": 2025})
    assert not run_is_complete(out / "runs" / run.run_id, other.model_dump(mode="json"))

    # a lost run is run again, and only that one
    lost = out / "runs" / "p001-s00"
    for f in lost.iterdir():
        f.unlink()
    lost.rmdir()
    third = run_sweep(spec, out_dir=out, scheduler=cluster.scheduler_address, progress=False)
    assert (third.n_ran, third.n_resumed, third.n_failed) == (1, 3, 0)
    after = _manifest_mtimes(out)
    assert {k: v for k, v in after.items() if k != "p001-s00"} == {k: v for k, v in before.items() if k != "p001-s00"}
    assert after["p001-s00"] > before["p001-s00"]
    assert not third.table("runs").set_index("run_id").loc["p001-s00", "resumed"]


@pytest.mark.slow
@pytest.mark.cluster
def test_failing_runs_are_reported_and_the_others_finish(tmp_path, cluster):
    # a point whose stock projection ends before the scenario year is refused before anything runs
    refused = _write(tmp_path / "refused.yaml", {"base": "shenzhen-2030", "set": {"simulation.sample": 0.002},
                                                 "grid": {"stock.end_year": [2035, 2025]}, "seeds": 2})
    with pytest.raises(SweepError, match="outside the stock projection"):
        load_sweep(refused)
    sweep = _write(tmp_path / "failing.yaml", {"base": "shenzhen-2030", "set": {"simulation.sample": 0.002},
                                               "grid": {"stock.end_year": [2035, 2034]}, "seeds": 2})
    spec = load_sweep(sweep)
    out = tmp_path / "out"
    # and a file where a run's folder should go: that run fails when it writes its results
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "p000-s01").write_text("in the way\n")
    seen = []
    result = run_sweep(spec, out_dir=out, scheduler=cluster.scheduler_address,
                       progress=lambda record, done, total: seen.append((record.run_id, done, total)))
    status = {r.run_id: (r.status, r.error) for r in result.records}
    assert status["p000-s00"] == ("ok", "")
    assert status["p000-s01"][0] == "failed" and "not a results folder" in status["p000-s01"][1]
    assert "\n" not in status["p000-s01"][1]
    assert status["p001-s00"] == ("ok", "") and status["p001-s01"] == ("ok", "")
    assert result.n_failed == 1 and not result.ok
    assert sorted(s[0] for s in seen) == sorted(status) and sorted(s[1] for s in seen) == [1, 2, 3, 4]

    runs = result.table("runs")
    assert list(runs["status"]) == ["ok", "failed", "ok", "ok"]
    assert set(result.table("sweep")["run_id"]) == {"p000-s00", "p001-s00", "p001-s01"}
    bands = result.table("bands")
    assert set(bands["point"]) == {0, 1} and set(bands["n_seeds"]) == {1, 2}
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]  # no temp folders left


def _processing(scheduler) -> dict[str, list[str]]:
    """Keys each worker is running or about to run, read from the in-process scheduler."""
    for _ in range(100):
        try:  # the scheduler's loop may change the sets while this thread reads them
            return {ws.address: [str(ts.key) for ts in ws.processing] for ws in list(scheduler.workers.values())}
        except RuntimeError:
            time.sleep(0.01)
    return {}


@pytest.mark.slow
@pytest.mark.cluster
def test_killed_worker_still_gives_every_result(tmp_path, cluster):
    sweep = _write(tmp_path / "kill.yaml", {"base": "shenzhen-2030", "set": {"simulation.sample": 0.002},
                                            "grid": {"stock.nev_share_path.2030": [0.85, 0.95, 1.0]}, "seeds": 2})
    spec = load_sweep(sweep)
    out = tmp_path / "out"
    pids = {nanny.worker_address: nanny.process.pid for nanny in cluster.workers.values()}
    killed: dict = {}

    def kill_a_busy_worker():
        deadline = time.monotonic() + 120
        # once a run has finished, both workers are in the middle of their next run
        while not list((out / "runs").glob("*/manifest.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        busy = {w: keys for w, keys in _processing(cluster.scheduler).items() if keys and w in pids}
        if busy:
            worker, keys = sorted(busy.items())[0]
            killed.update(worker=worker, pid=pids[worker], keys=keys)
            os.kill(pids[worker], signal.SIGKILL)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    result = run_sweep(spec, out_dir=out, scheduler=cluster.scheduler_address, progress=False)
    killer.join(timeout=10)

    assert killed, "no worker was busy when the killer looked"
    with pytest.raises(ProcessLookupError):
        os.kill(killed["pid"], 0)
    assert result.ok, [(r.run_id, r.error) for r in result.records if not r.ok]
    assert result.n_ran == len(spec.runs) == 6
    # the runs that were on the dead worker were done again by another worker process
    lost = [r for r in result.records if any(f"-{r.run_id}-" in k for k in killed["keys"])]
    assert lost and all(r.worker != killed["worker"] for r in lost)
    assert set(result.table("sweep")["run_id"]) == {r.run_id for r in spec.runs}
    assert all(math.isfinite(r.seconds) for r in result.records)
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]


# ---- hostile sweep files: refused in one line, the size before any point is built -------------

def test_huge_grid_is_refused_before_any_point_is_built(monkeypatch):
    import time

    from szplan.fleetsim.sweeps import sweep_spec as spec_module

    built = []
    monkeypatch.setattr(spec_module, "scenario_from_dict", lambda *a, **k: built.append(1))
    raw = {"base": "shenzhen-2030", "grid": {f"stock.nev_share_path.{2025 + k}": [i / 20 for i in range(20)]
                                              for k in range(6)}}
    start = time.perf_counter()
    with pytest.raises(SweepError, match=r"64,000,000 runs .* at most 10,000"):
        spec_module.sweep_from_dict(raw, origin="big.yaml")
    assert time.perf_counter() - start < 0.5 and not built


@pytest.mark.parametrize("raw, needle", [
    ({"base": "shenzhen-2030", "lhs": {"samples": 100_000, "parameters": {
        "stock.home_charging_access_share": {"low": 0.3, "high": 0.6}}}}, "lhs.samples"),
    ({"base": "shenzhen-2030", "lhs": {"samples": 5_000, "parameters": {
        "stock.home_charging_access_share": {"low": 0.3, "high": 0.6}}}, "seeds": 3}, "15,000 runs"),
    ({"base": "shenzhen-2030", "seeds": list(range(20_000))}, "at most 10000 seeds"),
    ({"base": "shenzhen-2030", "seeds": True}, "seeds"),
    ({"base": "shenzhen-2030", "lhs": {"samples": 2, "parameters": {
        "stock.home_charging_access_share": {"low": float("nan"), "high": 0.6}}}}, "finite"),
])
def test_sweep_size_and_types_are_checked(raw, needle):
    with pytest.raises(SweepError, match=needle) as err:
        sweep_from_dict(raw, origin="s.yaml")
    assert "\n" not in str(err.value) and len(str(err.value)) <= 400


def test_sweep_errors_show_the_value_once():
    with pytest.raises(SweepError) as err:
        sweep_from_dict({"base": "shenzhen-2030", "seeds": 0}, origin="s.yaml")
    assert str(err.value).count("(got 0)") == 1, err.value


def test_sweep_file_through_the_one_loader(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("base: shenzhen-2030\nseeds: 2\nseeds: 3\n")
    with pytest.raises(SweepError, match="twice"):
        load_sweep(path)
    path.write_text("base: &b shenzhen-2030\nname: *b\n")
    with pytest.raises(SweepError, match="anchors"):
        load_sweep(path)
    path.write_text("base: shenzhen-2030\nset: {" + "x" * 2_000 + ": 1}\n")
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    assert len(str(err.value)) <= 400
