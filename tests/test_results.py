"""Results folders: schemas enforced, atomic replacement, byte-identical reruns."""
from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

from szplan.fleetsim.runs import results as results_mod
from szplan.fleetsim.cli import main
from szplan.fleetsim.errors import ResultsError
from szplan.fleetsim.runs.results import read_manifest, read_table, write_results
from szplan.fleetsim.runs.schemas import OPTIONAL_TABLES, TABLES


def _zones_frame() -> pd.DataFrame:
    from szplan.fleetsim.runs.run import zones_table
    from szplan.fleetsim.runs.scenario import load_scenario

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
    assert "nev stock" in out.lower() and "targets: 9 of the plan" in out


# ---- a kill at every step of writing and replacing a result -----------------------------------

_FIGURES = pd.DataFrame({"figure": ["x"], "year": [2025], "value": [1.0], "unit": ["u"]})


def _complete(folder) -> str:
    """The note of a complete results folder (every table present with its manifest hash)."""
    manifest = read_manifest(folder)
    for name, entry in manifest["tables"].items():
        path = folder / f"{name}.parquet"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
    return manifest["note"]


def _killed_writer(out, tables, note, step, exchange):
    """In a forked child: write a result and die (``os._exit``, no clean-up) at ``step``."""
    import os

    def checkpoint(name):
        if name == step:
            os._exit(9)

    results_mod._checkpoint = checkpoint
    if not exchange:
        results_mod._exchange = lambda a, b: False
    write_results(out, tables, {"note": note})
    os._exit(0)


_STEPS = {True: ["table figures", "table zones", "written", "exchanged"],
          False: ["table figures", "table zones", "written", "old moved aside", "new moved in"]}


@pytest.mark.skipif(results_mod._renameat2 is None, reason="renameat2 is Linux-only")
def test_renameat2_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    assert results_mod._exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "x").read_text() == "a" and not any((tmp_path / "a").iterdir())


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_kill_at_every_step_leaves_the_old_or_the_new_result(tmp_path, exchange):
    import multiprocessing

    if exchange and results_mod._renameat2 is None:
        pytest.skip("renameat2 is Linux-only")
    zones = _zones_frame()
    context = multiprocessing.get_context("fork")
    for step in _STEPS[exchange]:
        folder = tmp_path / step.replace(" ", "_")
        folder.mkdir()
        out = folder / "run"
        write_results(out, {"zones": zones}, {"note": "old"})
        child = context.Process(target=_killed_writer, args=(out, {"zones": zones.head(3), "figures": _FIGURES},
                                                             "new", step, exchange))
        child.start()
        child.join(60)
        assert child.exitcode == 9, step
        # whatever the step, the target is a complete result, old or new: never missing or mixed
        after_kill = _complete(out) if out.exists() else None
        expected = "new" if step in ("exchanged", "new moved in") else "old"
        if step == "old moved aside":
            assert after_kill is None  # only the fallback has this window, and the next write heals it
        else:
            assert after_kill == expected, step
        # the next write recovers first: the old result back, the dead writer's folders removed
        results_mod.recover(out)
        assert _complete(out) == expected
        assert [p.name for p in folder.iterdir()] == ["run"], step  # leftovers gone
        write_results(out, {"zones": zones.head(2)}, {"note": "next"})
        assert _complete(out) == "next" and [p.name for p in folder.iterdir()] == ["run"]


def test_a_raise_at_every_step_keeps_the_old_result(tmp_path, monkeypatch):
    zones = _zones_frame()
    out = tmp_path / "run"
    write_results(out, {"zones": zones}, {"note": "old"})
    for step in ("table zones", "written"):
        def fail(name, step=step):
            if name == step:
                raise KeyboardInterrupt
        monkeypatch.setattr(results_mod, "_checkpoint", fail)
        with pytest.raises(KeyboardInterrupt):
            write_results(out, {"zones": zones.head(3)}, {"note": "new"})
        assert _complete(out) == "old" and [p.name for p in tmp_path.iterdir()] == ["run"]


def test_leftovers_of_a_live_writer_are_kept(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "run"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        host = results_mod._owner().rsplit(".", 1)[0]
        busy = tmp_path / f".run.tmp-{host}.{live.pid}-abc123"
        dead = tmp_path / f".run.tmp-{host}.{2**22 + 12345}-abc123"
        busy.mkdir()
        dead.mkdir()
        assert os.path.isdir(busy)
        results_mod.recover(out)
        assert busy.is_dir() and not dead.exists()
    finally:
        live.kill()
        live.wait()
