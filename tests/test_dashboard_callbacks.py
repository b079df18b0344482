"""The dashboard's app, page layouts and callbacks, called as plain functions and through Dash's
own HTTP endpoints, on a real small run (no browser)."""
from __future__ import annotations

import json
import shutil

import pytest
from dash import html

from szplan.dashboard import create_app
from szplan.dashboard.app import PAGES
from szplan.dashboard.launch import (ANCHOR_YEAR, LEVER_YEAR, SAMPLE_MAX, baseline_private_nev_share, build_scenario,
                                     scenario_dict)
from szplan.dashboard.pages import day, fleet, run, scenarios, stations, targets
from szplan.dashboard.reader import ResultsReader
from szplan.dashboard.state import DashboardState
from szplan.fleetsim.errors import ScenarioError
from szplan.fleetsim.runs.results import read_manifest


@pytest.fixture()
def state(small_run, tmp_path):
    return DashboardState(ResultsReader([small_run.path], tmp_path / "runs"), tmp_path / "runs")


@pytest.fixture()
def app(small_run, tmp_path):
    return create_app([small_run.path], runs_root=tmp_path / "runs", cache_dir=tmp_path / "cache")


def _run_id(state):
    return state.reader.runs()[0].run_id


def _has_data(fig: dict) -> bool:
    return any(len(t.get("x") or t.get("y") or []) for t in fig["data"])


def _texts(component) -> str:
    """All text of a Dash component tree (to look for messages in layouts)."""
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())


def test_every_page_renders_the_run_with_data(state, small_run, tmp_path):
    run_id = _run_id(state)
    error, summary, *figs, rows = targets.render(state, run_id, None)
    assert error == "" and all(_has_data(f) for f in figs) and len(rows) == 24
    assert "of the plan's 24 targets" in summary
    assert all(f["layout"]["meta"]["run"] == run_id for f in figs)
    for page in (fleet, day):
        error, *figs = page.render(state, run_id)
        assert error == "" and len(figs) == len(page.GRAPHS) and all(_has_data(f) for f in figs)
    for metric in ("utilisation", "wait", "demand"):
        error, fig, rows, note = stations.render(state, run_id, metric, ["charging", "lng"])
        assert error == "" and _has_data(fig) and rows and {r["kind"] for r in rows} <= {"charging", "lng"}
        assert "no siting table" in note
    error, hint, columns, rows, nev, load = scenarios.render(state, [run_id, run_id])
    assert error == "" and "second run" in hint and len(columns) == 3  # the same run twice is one run
    twin = tmp_path / "twin" / small_run.path.name
    shutil.copytree(small_run.path, twin)
    both = DashboardState(ResultsReader([small_run.path, twin], tmp_path / "runs"), tmp_path / "runs")
    error, hint, columns, rows, nev, load = scenarios.render(both, [info.run_id for info in both.reader.runs()])
    assert error == hint == "" and len(columns) == 4 and _has_data(nev) and len(load["data"]) == 2
    assert columns[2]["name"] != columns[3]["name"]  # same folder name, two columns


def test_pages_show_a_clear_message_for_missing_and_corrupt_results(small_run, tmp_path):
    corrupt = tmp_path / "corrupt"
    shutil.copytree(small_run.path, corrupt)
    (corrupt / "load.parquet").write_bytes(b"garbage")
    (corrupt / "stock.parquet").unlink()
    state = DashboardState(ResultsReader([corrupt], tmp_path / "runs"), tmp_path / "runs")
    run_id = _run_id(state)
    error, _, *figs, rows = targets.render(state, run_id, None)
    assert "no table 'stock'" in _texts(html.Div(error)) and rows == [] and not any(_has_data(f) for f in figs)
    error, *_ = day.render(state, run_id)
    assert "'load' is unreadable" in _texts(html.Div(error))
    error, *_ = fleet.render(state, "/not/a/run")
    assert "not one of the results folders" in _texts(html.Div(error))
    assert "launch a run" in targets.render(state, None)[0]


def test_a_sweep_adds_bands_to_the_targets_page(state, small_run, tmp_path, write_sweep):
    write_sweep(tmp_path / "sweeps" / "s1")
    reader = ResultsReader([small_run.path, tmp_path / "sweeps"], tmp_path / "runs")
    state = DashboardState(reader, tmp_path / "runs")
    [sweep] = reader.sweeps()
    error, _, nev, *_ = targets.render(state, _run_id(state), sweep.sweep_id)
    assert error == "" and any(t["name"].startswith("sweep 0") for t in nev["data"])
    options, first, hidden = targets.band_choices(state, sweep.sweep_id)
    assert not hidden and first == "nev_stock" and {o["value"] for o in options} == {"nev_stock", "peak_charging_power"}
    assert _has_data(targets.render_bands(state, sweep.sweep_id, "peak_charging_power"))
    assert targets.band_choices(state, "") == ([], None, True)


def test_app_registers_pages_and_serves_them(app, small_run):
    client = app.server.test_client()
    for page in PAGES:
        response = client.get(page.PATH)
        assert response.status_code == 200, page.PATH
    layout = client.get("/_dash-layout").get_json()
    assert "_pages_content" in json.dumps(layout)
    outputs = {cb["output"] for cb in client.get("/_dash-dependencies").get_json()}
    for graph in (*targets.GRAPHS, *fleet.GRAPHS, *day.GRAPHS, *stations.GRAPHS, *scenarios.GRAPHS):
        assert any(f"{graph}.figure" in out for out in outputs), graph
    assert any("run-message.children" in out for out in outputs)
    assert client.get("/assets/plotly-basic.min.js").status_code == 200


def _update(client, output, inputs):
    outs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in output.strip(".").split("...")]
    body = {"output": output, "outputs": outs, "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
            "inputs": inputs, "state": []}
    return client.post("/_dash-update-component", json=body)


def test_run_switch_through_dashs_callback_endpoint(app, small_run):
    client = app.server.test_client()
    client.get("/")
    deps = client.get("/_dash-dependencies").get_json()
    output = next(cb["output"] for cb in deps if "targets-nev-graph.figure" in cb["output"])
    run_id = str(small_run.path.resolve())
    response = _update(client, output, [{"id": "targets-run-select", "property": "value", "value": run_id},
                                        {"id": "targets-sweep-select", "property": "value", "value": ""}])
    assert response.status_code == 200
    result = response.get_json()["response"]
    figure = result["targets-nev-graph"]["figure"]
    assert figure["layout"]["meta"]["run"] == run_id and figure["data"][0]["y"]
    # a folder the dashboard was not given is refused with a message, and the server keeps going
    response = _update(client, output, [{"id": "targets-run-select", "property": "value", "value": "/etc"},
                                        {"id": "targets-sweep-select", "property": "value", "value": ""}])
    assert response.status_code == 200
    assert "not one of the results folders" in json.dumps(response.get_json()["response"]["targets-error"])
    assert client.get("/fleet").status_code == 200


def test_layouts_open_with_the_selected_run(app, small_run, tmp_path):
    run_id = str(small_run.path.resolve())
    with app.server.test_request_context("/"):
        for page in PAGES:
            layout = page.layout(selected_run=run_id)
            assert layout.children, page.NAME
        page = targets.layout(selected_run="/somewhere/else")  # unknown: the default run instead
        assert run_id in _texts(page)
        fleet_page = _texts(fleet.layout(selected_run=run_id))
        assert '"run": "' + run_id in fleet_page.replace("\\", "")  # figures drawn in the layout itself
        assert run_id in _texts(day.layout(selected_run="/elsewhere", run=run_id))  # ?run= in the address


def test_app_over_nothing_says_what_to_do(tmp_path):
    app = create_app([tmp_path / "missing"], runs_root=tmp_path / "runs", cache_dir=tmp_path / "cache")
    with app.server.test_request_context("/"):
        text = _texts(targets.layout())
        assert "launch a run on the Run page" in text
        assert "no such folder" in _texts(app.layout())
    assert app.server.test_client().get("/").status_code == 200


def test_run_form_defaults_and_validation():
    name, year, share, sample, seed, budget = run.defaults("shenzhen-2030")
    assert (name, year, share, sample, seed, budget) == ("shenzhen-2030-custom", 2030, None, SAMPLE_MAX, 2030, None)
    message, css = run.check("shenzhen-2030", "ok-run", 2030, 95, 0.002, 3)
    assert css.endswith("valid") and "ok-run" in message and "invalid" not in css
    for bad, field in ((("shenzhen-2030", "x", 2050, None, 0.01, 1), "year"),
                       (("shenzhen-2030", "x", 2030, 150, 0.01, 1), "nev_share_path"),
                       (("shenzhen-2030", "x", 2030, None, 0, 1), "sample"),
                       (("shenzhen-2030", "../etc", 2030, None, 0.01, 1), "name"),
                       (("shenzhen-2030", "x", 2030, None, 0.01, -1), "seed"),
                       (("shenzhen-2030", "x", 2030, None, 0.01, 1, -5), "budget_cny")):
        message, css = run.check(*bad)
        assert css.endswith("invalid") and field in message, (bad, message)


def test_budget_lever_sets_the_siting_budget():
    message, css = run.check("shenzhen-2030", "plan", 2030, None, 0.002, 1, 12.5)
    assert css.endswith(" valid") and "12.5 bn" in message
    scenario = build_scenario("shenzhen-2030", name="plan", budget_bn=12.5)
    assert scenario.siting.budget_cny == pytest.approx(12.5e9)


def test_nev_share_lever_ramps_from_the_baseline():
    raw = scenario_dict("shenzhen-2025", name="lever", year=2030, nev_share_pct=95, sample=0.002, seed=1)
    path = raw["stock"]["nev_share_path"]
    assert path[LEVER_YEAR] == 0.95
    assert path[ANCHOR_YEAR] == pytest.approx(baseline_private_nev_share(ANCHOR_YEAR), abs=1e-4)
    scenario = build_scenario("shenzhen-2025", name="lever", year=2030, nev_share_pct=95, sample=0.002, seed=1)
    assert scenario.stock.nev_share_path[LEVER_YEAR] == 0.95 and scenario.simulation.progress is False
    unchanged = build_scenario("shenzhen-2025", name="same")
    assert unchanged.stock.nev_share_path == {} and unchanged.year == 2025
    with pytest.raises(ScenarioError):
        build_scenario("no-such-scenario")


def test_launch_runs_a_scenario_and_lists_it(state, tmp_path):
    progress = []
    message, css, rows = run.launch(state, lambda p, text: progress.append((p, text)), "shenzhen-2025",
                                    "from-dashboard", 2025, 90, 0.002, 5)
    assert css.endswith("valid") and "invalid" not in css, message
    out = tmp_path / "runs" / "from-dashboard"
    manifest = read_manifest(out)
    assert manifest["scenario"]["stock"]["nev_share_path"]["2030"] == 0.9
    assert manifest["scenario"]["simulation"]["sample"] == 0.002 and manifest["seed"] == 5
    assert "from-dashboard" in {r["run"] for r in rows}
    percents = [p for p, _ in progress]
    assert percents == sorted(percents) and percents[-1] == 100
    message, css, _ = run.launch(state, lambda *a: None, "shenzhen-2025", "bad name!", 2025, None, 0.002, 5)
    assert css.endswith("invalid") and "Not launched" in message and "name" in message


def test_shipped_plotly_bundle_matches_plotlys_major_version():
    """dashboard/assets/plotly-basic.min.js (plotly.js basic bundle: scatter and bar, a quarter of
    the full bundle's size) replaces the full bundle that Dash would load; it must speak the same
    figure format as the plotly package. Refresh it with
    ``npm pack plotly.js-basic-dist-min@<version of plotly/package_data/plotly.min.js>``."""
    import re
    from pathlib import Path

    import plotly

    shipped = (Path(__file__).resolve().parents[1] / "dashboard" / "assets" / "plotly-basic.min.js").read_text()[:300]
    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:300]
    version = re.compile(r"plotly\.js.*? v(\d+)\.(\d+)\.(\d+)")
    assert version.search(shipped).group(1) == version.search(full).group(1), (shipped, full)
