"""The dashboard against corrupt results and crafted requests: a message on the page, a server
that keeps answering, no file read that it was not given, one run at a time."""
from __future__ import annotations

import json
import logging
import multiprocessing
import shutil

import pytest
from dash import html

from szplan.dashboard import create_app
from szplan.dashboard.app import PAGES
from szplan.dashboard.launch import RunBusy, check_levers, resolve_base, run_lock
from szplan.dashboard.pages import day, fleet, run, targets
from szplan.dashboard.reader import ResultsReader
from szplan.dashboard.state import DashboardState
from szplan.fleetsim.errors import ScenarioError
from szplan.network.siting.errors import SitingError

_CORRUPT_MANIFESTS = {
    "not-utf8": b"\xff\xfe{\"scenario\": 1}",
    "a-list": b"[1, 2, 3]",
    "a-number": b"42",
    "not-json": b"{\"scenario\": ",
    "no-tables": json.dumps({"scenario": {"name": "x", "year": 2030}, "seed": 1}).encode(),
    "scenario-not-object": json.dumps({"scenario": "x", "tables": {"zones": {}}}).encode(),
    "deep": b"[" * 100_000 + b"]" * 100_000,
}


def _corrupt_folders(root, good):
    for name, content in _CORRUPT_MANIFESTS.items():
        folder = root / name
        shutil.copytree(good, folder)
        (folder / "manifest.json").write_bytes(content)
    return root


def test_corrupt_manifests_are_listed_with_their_problem_and_the_rest_works(small_run, tmp_path, caplog):
    root = _corrupt_folders(tmp_path / "results", small_run.path)
    shutil.copytree(small_run.path, root / "good")
    reader = ResultsReader([root], tmp_path / "runs")
    infos = {info.name: info for info in reader.runs()}
    assert set(infos) == {*_CORRUPT_MANIFESTS, "good"}
    assert not infos["good"].problem
    for name in _CORRUPT_MANIFESTS:
        assert infos[name].problem and "manifest.json" in infos[name].problem, name
        assert "\n" not in infos[name].problem and len(infos[name].problem) < 400
    assert "not UTF-8" in infos["not-utf8"].problem and "not an object" in infos["a-list"].problem
    assert "no tables" in infos["no-tables"].problem and "no scenario" in infos["scenario-not-object"].problem
    assert len(reader.problems) == len(_CORRUPT_MANIFESTS)
    state = DashboardState(reader, tmp_path / "runs")
    assert reader.default_run() == infos["good"].run_id
    error, *_ = targets.render(state, infos["good"].run_id)
    assert error == ""
    error, *_ = fleet.render(state, infos["a-list"].run_id)
    assert "not an object" in json.dumps(html.Div(error).to_plotly_json(), default=lambda o: o.to_plotly_json())


def test_server_starts_and_answers_with_corrupt_results_appearing_while_it_serves(small_run, tmp_path):
    root = _corrupt_folders(tmp_path / "results", small_run.path)
    app = create_app([root, small_run.path], runs_root=tmp_path / "runs", cache_dir=tmp_path / "cache")
    client = app.server.test_client()
    for page in PAGES:
        assert client.get(page.PATH).status_code == 200, page.PATH
    # a broken folder appears under the runs root while the server runs
    (tmp_path / "runs").mkdir()
    shutil.copytree(small_run.path, tmp_path / "runs" / "late")
    (tmp_path / "runs" / "late" / "manifest.json").write_bytes(b"\x80\x81")
    for page in PAGES:
        assert client.get(page.PATH).status_code == 200, page.PATH
    assert client.get("/_dash-layout").status_code == 200


def test_a_missing_results_folder_is_said_at_start_up(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="szplan.dashboard.reader"):
        ResultsReader([tmp_path / "does" / "not" / "exist"], tmp_path / "runs")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "no such folder" in lines[0] and "exist" in lines[0]


# ---- the Run page's callbacks called directly with hostile values ------------------------------

@pytest.fixture()
def state(small_run, tmp_path):
    return DashboardState(ResultsReader([small_run.path], tmp_path / "runs"), tmp_path / "runs",
                          scenarios_dir=tmp_path / "scenarios")


@pytest.fixture()
def secret(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("name: topsecret-content\nyear: 2030\n")
    return path


def test_no_path_from_a_request_reaches_the_scenario_loader(state, secret, tmp_path, monkeypatch):
    from szplan.dashboard import launch as launch_module

    opened = []
    real = launch_module.load_scenario
    monkeypatch.setattr(launch_module, "load_scenario", lambda arg: (opened.append(str(arg)), real(arg))[1])
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text("name: mine\nyear: 2030\n")
    (tmp_path / "scenarios" / "link.yaml").symlink_to(secret)
    hostile = [str(secret), "../secret.yaml", "/etc/shadow", "/etc/passwd", "link.yaml", "scenarios/mine.yaml",
               "shenzhen-2030/../../secret", ["shenzhen-2030"], {"a": 1}, 7, True]
    for base in hostile:
        message, css = run.check(base, "x", 2030, None, 0.01, 1, state=state)
        assert css.endswith("invalid") and "not one of the built-in scenarios" in message, (base, message)
        assert "topsecret" not in message and "root:" not in message
        message, css, _ = run.launch(state, lambda *a: None, base, "x", 2030, None, 0.01, 1)
        assert "Not launched" in message and "topsecret" not in message
        with pytest.raises(Exception) as err:
            run.defaults(base, state)
        assert "topsecret" not in str(err.value)
    assert opened == []  # not one hostile value reached the loader
    # the one configured folder works, by file name only
    assert resolve_base("mine.yaml", tmp_path / "scenarios").name == "mine"
    message, css = run.check("mine.yaml", "from-file", 2030, None, 0.01, 1, state=state)
    assert css.endswith(" valid"), message
    with pytest.raises(ScenarioError):
        resolve_base("mine.yaml", None)  # no folder configured: built-in scenarios only


@pytest.mark.parametrize("levers, field", [
    ({"sample": 1}, "simulation.sample"),
    ({"sample": True}, "simulation.sample"),
    ({"sample": "0.5"}, "simulation.sample"),
    ({"sample": [0.1]}, "simulation.sample"),
    ({"sample": float("nan")}, "simulation.sample"),
    ({"sample": 1e-9}, "simulation.sample"),
    ({"budget_bn": 1e300}, "siting.budget_cny"),
    ({"budget_bn": -1}, "siting.budget_cny"),
    ({"budget_bn": float("inf")}, "siting.budget_cny"),
    ({"year": 2030.5}, "year"),
    ({"year": -1}, "year"),
    ({"year": 10**100}, "year"),
    ({"year": {"$gt": 1}}, "year"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**64}, "seed"),
    ({"nev_share_pct": 101}, "nev_share_path"),
    ({"name": "x" * 10_000}, "name"),
    ({"name": {"a": 1}}, "name"),
    ({"name": "../../etc"}, "name"),
])
def test_every_lever_is_checked_on_the_server(state, levers, field):
    args = {"name": "x", "year": 2030, "nev_share_pct": None, "sample": 0.01, "seed": 1, "budget_bn": None, **levers}
    ordered = [args[k] for k in ("name", "year", "nev_share_pct", "sample", "seed", "budget_bn")]
    message, css = run.check("shenzhen-2030", *ordered, state=state)
    assert css.endswith("invalid") and field in message and len(message) < 500, message
    message, css, _ = run.launch(state, lambda *a: None, "shenzhen-2030", *ordered)
    assert "Not launched" in message and field in message
    assert not (state.runs_root / "x").exists()


def test_levers_of_the_form_pass(state):
    assert check_levers(year=2030.0, sample=0.05, seed=3, budget_bn=12.5, nev_share_pct=95) == {
        "name": None, "year": 2030, "nev_share_pct": 95.0, "sample": 0.05, "seed": 3, "budget_bn": 12.5}
    assert check_levers(year="", sample=None)["year"] is None


def _hold_lock(runs_root, ready, release):
    with run_lock(runs_root):
        ready.set()
        release.wait(30)


def test_one_run_at_a_time_across_processes(state, monkeypatch):
    from szplan.dashboard.pages import run as run_page

    ran = []
    monkeypatch.setattr(run_page, "run_job", lambda *a, **k: ran.append(1) or state.runs_root / "x")
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(state.runs_root, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        message, css, _ = run.launch(state, lambda *a: None, "shenzhen-2030", "second", 2030, None, 0.01, 1)
        assert "Not launched" in message and "another run is in progress" in message and not ran
        with pytest.raises(RunBusy):
            with run_lock(state.runs_root):
                pass
    finally:
        release.set()
        holder.join(30)
    message, css, _ = run.launch(state, lambda *a: None, "shenzhen-2030", "second", 2030, None, 0.01, 1)
    assert "finished" in message and ran == [1]


def test_a_dead_holder_releases_the_lock(state):
    import os

    def die_holding(runs_root):
        with run_lock(runs_root):
            os._exit(9)

    child = multiprocessing.get_context("fork").Process(target=die_holding, args=(state.runs_root,))
    child.start()
    child.join(30)
    with run_lock(state.runs_root):
        pass


@pytest.mark.parametrize("error, words", [
    (SitingError("budget too small for the forced sites"), "budget too small"),
    (RuntimeError("a bug"), "internal error (RuntimeError: a bug)"),
    (MemoryError(), "internal error (MemoryError"),
])
def test_every_model_error_is_a_failed_run(state, monkeypatch, error, words):
    from szplan.dashboard.pages import run as run_page

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(run_page, "run_job", fails)
    message, css, rows = run.launch(state, lambda *a: None, "shenzhen-2030", "doomed", 2030, None, 0.01, 1, 1.0)
    assert css.endswith("invalid") and "failed" in message and words in message, message
    # and the lock is free again for the next run
    with run_lock(state.runs_root):
        pass


def test_crafted_callback_requests_through_dash(small_run, tmp_path, secret):
    app = create_app([small_run.path], runs_root=tmp_path / "runs", cache_dir=tmp_path / "cache")
    client = app.server.test_client()
    client.get("/run")
    deps = client.get("/_dash-dependencies").get_json()
    output = next(cb["output"] for cb in deps if "run-check.children" in cb["output"])
    names = ("run-scenario", "run-name", "run-year", "run-nev-share", "run-sample", "run-seed", "run-budget")
    for values in ([str(secret), "x", 2030, None, 0.01, 1, None], ["shenzhen-2030", "x", 2030, None, 1, 1, None],
                   ["shenzhen-2030", "x", 2030, None, 0.01, 1, 1e300], [{"x": 1}, [], "y", {}, None, "z", True]):
        inputs = [{"id": i, "property": "value", "value": v} for i, v in zip(names, values, strict=True)]
        outs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in output.strip(".").split("...")]
        body = {"output": output, "outputs": outs, "changedPropIds": ["run-scenario.value"], "inputs": inputs,
                "state": []}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, values
        text = json.dumps(response.get_json())
        assert "run-check invalid" in text and "topsecret" not in text, text[:500]
    for page in (targets, day):
        assert client.get(page.PATH).status_code == 200
