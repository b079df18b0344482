"""Results folders: schemas enforced, atomic replacement, byte-identical reruns."""
from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

from fleetsim import results as results_mod
from fleetsim.cli import main
from fleetsim.errors import ResultsError
from fleetsim.results import read_manifest, read_table, write_results
from fleetsim.schemas import OPTIONAL_TABLES, TABLES


def _zones_frame() -> pd.DataFrame:
    from fleetsim.run import zones_table
    from fleetsim.scenario import load_scenario

    return zones_table(load_scenario("shenzhen-2025"))


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def test_every_table_of_a_run_matches_its_schema(small_run):
    manifest = read_manifest(small_run.path)
    assert set(manifest["tables"]) == set(TABLES) - OPTIONAL_TABLES
    for name in manifest["tables"]:
        table = pq.read_table(small_run.path / f"{name}.parquet")
        assert table.schema.names == [c for c, *_ in TABLES[name][1]]
        assert manifest["tables"][name]["rows"] == table.num_rows
    assert manifest["seed"] == small_run.scenario.seed and "versions" in manifest


def test_wrong_table_is_refused_and_old_result_kept(tmp_path):
    out = tmp_path / "run"
    zones = _zones_frame()
    write_results(out, {"zones": zones}, {"note": "first"})
    before = _digest(out)
    with pytest.raises(ResultsError, match="zones"):
        write_results(out, {"zones": zones.drop(columns="lat")}, {"note": "second"})
    assert _digest(out) == before and read_manifest(out)["note"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folder left behind


def test_interrupted_write_leaves_no_folder(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = pq.write_table

    def dies_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(results_mod.pq, "write_table", dies_on_second)
    figures = pd.DataFrame({"figure": ["x"], "year": [2025], "value": [1.0], "unit": ["u"]})
    with pytest.raises(KeyboardInterrupt):
        write_results(tmp_path / "run", {"zones": _zones_frame(), "figures": figures}, {})
    assert list(tmp_path.iterdir()) == []


def test_existing_result_replaced_whole(tmp_path):
    out = tmp_path / "run"
    zones = _zones_frame()
    write_results(out, {"zones": zones}, {"note": "first"})
    write_results(out, {"zones": zones.head(5)}, {"note": "second"})
    assert len(read_table(out, "zones")) == 5 and read_manifest(out)["note"] == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_reading_a_half_folder_is_a_clear_error(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(ResultsError, match="not a finished results folder"):
        read_manifest(tmp_path / "half")
    with pytest.raises(ResultsError, match="no table"):
        read_table(tmp_path / "half", "zones")


def test_same_scenario_and_seed_give_identical_bytes(tmp_path, capsys):
    for name in ("a", "b"):
        assert main(["run", "shenzhen-2025", "--sample", "0.003", "--out", str(tmp_path / name)]) == 0
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert main(["run", "shenzhen-2025", "--sample", "0.003", "--seed", "7", "--out", str(tmp_path / "c")]) == 0
    differs = {k for k, v in _digest(tmp_path / "c").items() if _digest(tmp_path / "a")[k] != v}
    assert "sessions.parquet" in differs and "stock.parquet" not in differs
    out = capsys.readouterr().out
    assert "nev stock" in out and "targets met" in out
