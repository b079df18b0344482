"""Run page: a built-in scenario with its main levers changed, launched as a background job."""
from __future__ import annotations

import logging
from urllib.parse import quote

from dash import Input, Output, State, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from szplan.fleetsim.errors import ScenarioError
from szplan.fleetsim.runs.scenario import builtin_scenarios

from ..launch import (ANCHOR_YEAR, LEVER_YEAR, RUN_ERRORS, SAMPLE_MAX, RunBusy, build_scenario, resolve_base, run_job,
                      run_lock, scenario_choices)
from ..state import DashboardState, current_state
from ..ui import page_header, table_style, tr

__all__ = ["PATH", "NAME", "LEVERS", "layout", "lever_state", "defaults", "check", "launch", "run_rows",
           "register_callbacks"]

log = logging.getLogger(__name__)

PATH, NAME = "/run", "Run"
#: component ids of the levers, in the order of :func:`check` and :func:`launch` arguments
LEVERS = ("run-scenario", "run-name", "run-year", "run-nev-share", "run-sample", "run-seed", "run-budget")
_RUN_COLUMNS = (("Run", "run"), ("Scenario", "scenario"), ("Year", "year"), ("Status", "status"),
                ("Open", "open"), ("Folder", "folder"))
# the pages a run in the list links to
_OPEN = (("Targets", "/"), ("Fleet", "/fleet"), ("Day", "/day"), ("Stations", "/stations"))


def _field(label: str, component, hint: str = "") -> html.Div:
    return html.Div([html.Label(label, htmlFor=component.id, className="control-label"), component,
                     html.Small(hint, id=f"{component.id}-hint", className="hint")], className="field")


_NEV_HINT = "empty keeps the calibrated path; otherwise a straight ramp from 2025"


def lever_state(year) -> tuple[bool, str]:
    """``(disabled, hint)`` of the NEV-share lever for the year typed: the share ramps from
    :data:`ANCHOR_YEAR` to :data:`LEVER_YEAR`, so it changes nothing in a run of an earlier year."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        return False, _NEV_HINT
    if year <= ANCHOR_YEAR:
        return True, (f"does not apply to {year}: the share ramps from {ANCHOR_YEAR} to {LEVER_YEAR}, so only "
                      f"runs of {ANCHOR_YEAR + 1} or later change with it")
    return False, _NEV_HINT


def layout(**_query) -> html.Div:
    """The form, the progress bar and the list of runs on disk."""
    state = current_state()
    described = builtin_scenarios()
    names = {n: described.get(n, "file in the scenarios folder") for n in scenario_choices(state.scenarios_dir)}
    first = next(iter(names), None)
    return html.Div([
        page_header(tr("nav.run"), tr("page.run.intro", root=state.runs_root)),
        html.Div([
            _field("Scenario", dcc.Dropdown(id="run-scenario", clearable=False, value=first,
                                            options=[{"label": f"{n}: {d}", "value": n} for n, d in names.items()])),
            _field("Name (also the results folder)", dcc.Input(id="run-name", type="text", debounce=True)),
            _field("Year simulated", dcc.Input(id="run-year", type="number", step="any", debounce=True)),
            _field(f"Private-car NEV share of new cars in {LEVER_YEAR} (%)",
                   dcc.Input(id="run-nev-share", type="number", step="any", debounce=True, placeholder="baseline"),
                   _NEV_HINT),
            _field("Sample (fraction of the fleet simulated)",
                   dcc.Input(id="run-sample", type="number", step="any", debounce=True),
                   "0.01 takes a few seconds; 0.1 about a minute"),
            _field("Seed", dcc.Input(id="run-seed", type="number", step="any", debounce=True)),
            _field("Siting budget (CNY billion)",
                   dcc.Input(id="run-budget", type="number", step="any", debounce=True, placeholder="no plan"),
                   "given, the run also plans new stations for 2025 and 2030 within it (about a minute)"),
        ], className="form-grid"),
        html.Div(id="run-check", className="run-check"),
        html.Div([
            html.Button("Launch run", id="run-launch", n_clicks=0, className="button-primary"),
            html.Progress(id="run-progress", value="0", max="100", className="progress"),
            html.Span(id="run-stage", className="run-stage"),
        ], className="launch-row"),
        html.Div(id="run-message", role="status"),
        html.Div([html.H3("Runs on disk"), html.Button("Refresh", id="run-refresh", n_clicks=0, className="button")],
                 className="list-header"),
        dash_table.DataTable(
            id="run-list", data=run_rows(state),
            columns=[{"name": n, "id": i, "presentation": "markdown" if i == "open" else "input"}
                     for n, i in _RUN_COLUMNS],
            sort_action="native", filter_action="native", page_action="native", page_size=10,
            markdown_options={"link_target": "_self"},
            **table_style(cell={"maxWidth": 420, "overflow": "hidden", "textOverflow": "ellipsis"}),
        ),
    ], className="page")


def run_rows(state: DashboardState) -> list[dict]:
    """The runs found on disk, as rows of the run list."""
    return [{"run": info.name, "scenario": info.scenario, "year": info.year, "folder": info.run_id,
             "status": info.problem or "ready",
             "open": " · ".join(f"[{page}]({path}?run={quote(info.run_id, safe='')})" for page, path in _OPEN)}
            for info in state.reader.runs()]


def defaults(base: str | None, state: DashboardState | None = None) -> tuple:
    """Lever values of a built-in scenario: ``(name, year, nev share, sample, seed, budget)``; the sample is
    the scenario's, capped at the largest a dashboard run may use."""
    if not base:
        raise PreventUpdate
    try:
        scenario = resolve_base(base, state.scenarios_dir if state is not None else None)
    except ScenarioError:
        raise PreventUpdate from None
    sample = min(scenario.simulation.sample, SAMPLE_MAX)
    return f"{scenario.name}-custom", scenario.year, None, sample, scenario.seed, None


def check(base, name, year, nev_share, sample, seed, budget=None, *,
          state: DashboardState | None = None) -> tuple[str, str]:
    """``(message, css class)``: whether the levers make a valid scenario, and if not why."""
    if not base:
        return "Choose a scenario.", "run-check invalid"
    try:
        scenario = build_scenario(base, name=name, year=year, nev_share_pct=nev_share, sample=sample, seed=seed,
                                  budget_bn=budget, scenarios_dir=state.scenarios_dir if state is not None else None)
    except ScenarioError as err:
        return f"Not a valid scenario: {err}", "run-check invalid"
    message = (f"Valid: {scenario.name}, year {scenario.year}, seed {scenario.seed}, sample "
               f"{scenario.simulation.sample}"
               + (f", stations planned within CNY {scenario.siting.budget_cny / 1e9:g} bn." if budget not in (None, "")
                  else "."))
    return message, "run-check valid"


def launch(state: DashboardState, report, base, name, year, nev_share, sample, seed,
           budget=None) -> tuple[str, str, list]:
    """Validate and run the scenario; ``(message, css class, run rows)``.

    ``report(percent, text)`` is told of progress. Runs in the background process of the
    launch button's callback, never in a page request. One run at a time: a launch while
    another runs is refused with a message. Whatever the model raises is a failed run.
    """
    try:
        scenario = build_scenario(base, name=name, year=year, nev_share_pct=nev_share, sample=sample, seed=seed,
                                  budget_bn=budget, scenarios_dir=state.scenarios_dir)
    except ScenarioError as err:
        return f"Not launched: {err}", "run-message invalid", run_rows(state)
    try:
        with run_lock(state.runs_root):
            path = run_job(report, scenario, state.runs_root, site=budget not in (None, ""))
    except RunBusy as err:
        return f"Not launched: {err}", "run-message invalid", run_rows(state)
    except RUN_ERRORS as err:
        return f"Run {scenario.name} failed: {err}", "run-message invalid", run_rows(state)
    except Exception as err:  # a model bug must still end as a failed run, with its trace in the log
        log.exception("dashboard run %s failed", scenario.name)
        return (f"Run {scenario.name} failed: internal error ({type(err).__name__}: {str(err)[:200]})",
                "run-message invalid", run_rows(state))
    return f"Run {scenario.name} finished: {path}", "run-message valid", run_rows(state)


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the form; the launch button runs :func:`launch` as a background callback."""
    app.callback(*[Output(i, "value") for i in LEVERS[1:]], Input("run-scenario", "value"))(
        lambda base: defaults(base, state))
    app.callback(Output("run-check", "children"), Output("run-check", "className"),
                 *[Input(i, "value") for i in LEVERS])(lambda *levers: check(*levers, state=state))
    app.callback(Output("run-nev-share", "disabled"), Output("run-nev-share-hint", "children"),
                 Input("run-year", "value"))(lever_state)
    app.callback(Output("run-list", "data", allow_duplicate=True), Input("run-refresh", "n_clicks"),
                 prevent_initial_call=True)(lambda _n: run_rows(state))

    def launch_in_background(set_progress, n_clicks, *levers):
        if not n_clicks:
            raise PreventUpdate
        return launch(state, lambda percent, text: set_progress((str(percent), text)), *levers)

    app.callback(
        Output("run-message", "children"), Output("run-message", "className"),
        Output("run-list", "data", allow_duplicate=True),
        Input("run-launch", "n_clicks"), *[State(i, "value") for i in LEVERS],
        background=True, prevent_initial_call=True,
        progress=[Output("run-progress", "value"), Output("run-stage", "children")],
        running=[(Output("run-launch", "disabled"), True, False),
                 (Output("run-scenario", "disabled"), True, False)],
    )(launch_in_background)
