"""Run page: a built-in scenario with its main levers changed, launched as a background job."""
from __future__ import annotations

import logging
from urllib.parse import quote

from dash import Input, Output, State, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from szplan.data import i18n
from szplan.fleetsim.errors import ScenarioError
from szplan.fleetsim.runs.scenario import builtin_scenarios

from ..launch import (ANCHOR_YEAR, LEVER_YEAR, RUN_ERRORS, SAMPLE_MAX, RunBusy, build_scenario, resolve_base, run_job,
                      run_lock, scenario_choices)
from ..state import DashboardState, current_state
from ..ui import lang, page_header, table_style, tr

__all__ = ["PATH", "NAME", "LEVERS", "layout", "lever_state", "defaults", "check", "launch", "run_rows",
           "register_callbacks"]

log = logging.getLogger(__name__)

#: NAME is the page's id (``nav-run``, the ``nav.run`` key); people see the catalogue's ``nav.run``
PATH, NAME = "/run", "Run"
#: component ids of the levers, in the order of :func:`check` and :func:`launch` arguments
LEVERS = ("run-scenario", "run-name", "run-year", "run-nev-share", "run-sample", "run-seed", "run-budget")
#: catalogue keys of the run list's headers and the row keys they head
_RUN_COLUMNS = (("col.run", "run"), ("col.scenario", "scenario"), ("col.year", "year"), ("col.status", "status"),
                ("col.open", "open"), ("col.folder", "folder"))
# the pages a run in the list links to (catalogue keys of their names)
_OPEN = (("nav.targets", "/"), ("nav.fleet", "/fleet"), ("nav.day", "/day"), ("nav.stations", "/stations"))


def _field(label: str, component, hint: str = "") -> html.Div:
    return html.Div([html.Label(label, htmlFor=component.id, className="control-label"), component,
                     html.Small(hint, id=f"{component.id}-hint", className="hint")], className="field")


def _nev_hint(language: str) -> str:
    return i18n.text("run.nev_hint", language, anchor=ANCHOR_YEAR)


def lever_state(year, language: str | None = None) -> tuple[bool, str]:
    """``(disabled, hint)`` of the NEV-share lever for the year typed: the share ramps from
    :data:`ANCHOR_YEAR` to :data:`LEVER_YEAR`, so it changes nothing in a run of an earlier year.
    The hint is in ``language`` (default: the request's)."""
    language = language or lang()
    try:
        year = int(year)
    except (TypeError, ValueError, OverflowError):
        return False, _nev_hint(language)
    if year <= ANCHOR_YEAR:
        return True, i18n.text("run.nev_not_applicable", language, year=year, anchor=ANCHOR_YEAR, lever=LEVER_YEAR,
                               next=ANCHOR_YEAR + 1)
    return False, _nev_hint(language)


def _description(name: str, described: dict[str, str]) -> str:
    """A scenario's one-line description for the form: the catalogue's (``scenario.<name>``) when
    it has one, the scenario's own for other built-ins, a note for files of the scenarios folder."""
    if name not in described:
        return tr("run.scenario_file")
    key = f"scenario.{name}"
    return tr(key) if key in i18n.catalogue() else described[name]


def layout(**_query) -> html.Div:
    """The form, the progress bar and the list of runs on disk."""
    state = current_state()
    described = builtin_scenarios()
    names = {n: _description(n, described) for n in scenario_choices(state.scenarios_dir)}
    first = next(iter(names), None)
    return html.Div([
        page_header(tr("nav.run"), tr("page.run.intro", root=state.runs_root)),
        html.Div([
            _field(tr("run.scenario"), dcc.Dropdown(
                id="run-scenario", clearable=False, value=first,
                options=[{"label": f"{n}: {d}", "value": n} for n, d in names.items()])),
            _field(tr("run.name"), dcc.Input(id="run-name", type="text", debounce=True)),
            _field(tr("run.year"), dcc.Input(id="run-year", type="number", step="any", debounce=True)),
            _field(tr("run.nev_share", year=LEVER_YEAR),
                   dcc.Input(id="run-nev-share", type="number", step="any", debounce=True,
                             placeholder=tr("run.baseline")),
                   _nev_hint(lang())),
            _field(tr("run.sample"),
                   dcc.Input(id="run-sample", type="number", step="any", debounce=True),
                   tr("run.sample_hint")),
            _field(tr("run.seed"), dcc.Input(id="run-seed", type="number", step="any", debounce=True)),
            _field(tr("run.budget"),
                   dcc.Input(id="run-budget", type="number", step="any", debounce=True,
                             placeholder=tr("run.no_plan")),
                   tr("run.budget_hint")),
        ], className="form-grid"),
        html.Div(id="run-check", className="run-check"),
        html.Div([
            html.Button(tr("run.launch"), id="run-launch", n_clicks=0, className="button-primary"),
            html.Progress(id="run-progress", value="0", max="100", className="progress"),
            html.Span(id="run-stage", className="run-stage"),
        ], className="launch-row"),
        html.Div(id="run-message", role="status"),
        html.Div([html.H3(tr("run.on_disk")),
                  html.Button(tr("run.refresh"), id="run-refresh", n_clicks=0, className="button")],
                 className="list-header"),
        dash_table.DataTable(
            id="run-list", data=run_rows(state, lang()),
            columns=[{"name": tr(k), "id": i, "presentation": "markdown" if i == "open" else "input"}
                     for k, i in _RUN_COLUMNS],
            sort_action="native", filter_action="native", page_action="native", page_size=10,
            markdown_options={"link_target": "_self"},
            **table_style(cell={"maxWidth": 420, "overflow": "hidden", "textOverflow": "ellipsis"}),
        ),
    ], className="page")


def run_rows(state: DashboardState, lang: str = "en") -> list[dict]:
    """The runs found on disk, as rows of the run list, in ``lang``."""
    pages = [(i18n.text(key, lang), path) for key, path in _OPEN]
    return [{"run": info.name, "scenario": info.scenario, "year": info.year, "folder": info.run_id,
             "status": info.problem_in(lang) or i18n.text("run.ready", lang),
             "open": " · ".join(f"[{page}]({path}?run={quote(info.run_id, safe='')})" for page, path in pages)}
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
          state: DashboardState | None = None, lang: str = "en") -> tuple[str, str]:
    """``(message, css class)``: whether the levers make a valid scenario, and if not why, in ``lang``."""
    if not base:
        return i18n.text("run.choose", lang), "run-check invalid"
    try:
        scenario = build_scenario(base, name=name, year=year, nev_share_pct=nev_share, sample=sample, seed=seed,
                                  budget_bn=budget, scenarios_dir=state.scenarios_dir if state is not None else None)
    except ScenarioError as err:
        return i18n.text("run.invalid", lang, error=i18n.error_text(err, lang)), "run-check invalid"
    fields = {"name": scenario.name, "year": scenario.year, "seed": scenario.seed, "sample": scenario.simulation.sample}
    if budget in (None, ""):
        return i18n.text("run.valid", lang, **fields), "run-check valid"
    return i18n.text("run.valid_budget", lang, budget=_budget(scenario.siting.budget_cny, lang), **fields), \
        "run-check valid"


def _budget(cny: float, lang: str) -> str:
    """A budget as the message says it: billions in English (``CNY 12.5 bn``), 亿 in Chinese (125 亿元)."""
    return f"{cny / 1e8:g}" if lang == "zh" else f"{cny / 1e9:g}"


def launch(state: DashboardState, report, base, name, year, nev_share, sample, seed,
           budget=None, *, lang: str = "en") -> tuple[str, str, list]:
    """Validate and run the scenario; ``(message, css class, run rows)``, in ``lang``.

    ``report(percent, text)`` is told of progress. Runs in the background process of the
    launch button's callback, never in a page request (so the language comes as an argument,
    not from the request). One run at a time: a launch while another runs is refused with a
    message. Whatever the model raises is a failed run.
    """
    def say(key: str, **fields) -> str:
        return i18n.text(key, lang, **fields)

    try:
        scenario = build_scenario(base, name=name, year=year, nev_share_pct=nev_share, sample=sample, seed=seed,
                                  budget_bn=budget, scenarios_dir=state.scenarios_dir)
    except ScenarioError as err:
        return say("run.not_launched", error=i18n.error_text(err, lang)), "run-message invalid", run_rows(state, lang)
    try:
        with run_lock(state.runs_root):
            path = run_job(report, scenario, state.runs_root, site=budget not in (None, ""), lang=lang)
    except RunBusy as err:
        return say("run.not_launched", error=i18n.error_text(err, lang)), "run-message invalid", run_rows(state, lang)
    except RUN_ERRORS as err:
        return (say("run.failed", name=scenario.name, error=i18n.error_text(err, lang)), "run-message invalid",
                run_rows(state, lang))
    except Exception as err:  # a model bug must still end as a failed run, with its trace in the log
        log.exception("dashboard run %s failed", scenario.name)
        error = say("run.internal_error", kind=type(err).__name__, detail=str(err)[:200])
        return say("run.failed", name=scenario.name, error=error), "run-message invalid", run_rows(state, lang)
    return say("run.finished", name=scenario.name, path=path), "run-message valid", run_rows(state, lang)


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the form; the launch button runs :func:`launch` as a background callback."""
    app.callback(*[Output(i, "value") for i in LEVERS[1:]], Input("run-scenario", "value"))(
        lambda base: defaults(base, state))
    app.callback(Output("run-check", "children"), Output("run-check", "className"),
                 *[Input(i, "value") for i in LEVERS])(lambda *levers: check(*levers, state=state, lang=lang()))
    app.callback(Output("run-nev-share", "disabled"), Output("run-nev-share-hint", "children"),
                 Input("run-year", "value"))(lever_state)
    app.callback(Output("run-list", "data", allow_duplicate=True), Input("run-refresh", "n_clicks"),
                 prevent_initial_call=True)(lambda _n: run_rows(state, lang()))

    def launch_in_background(set_progress, n_clicks, *levers_and_language):
        # the background process has no request to read the language from: the switch's value comes along
        *levers, language = levers_and_language
        if not n_clicks:
            raise PreventUpdate
        return launch(state, lambda percent, text: set_progress((str(percent), text)), *levers,
                      lang=language if language in i18n.LANGUAGES else "en")

    app.callback(
        Output("run-message", "children"), Output("run-message", "className"),
        Output("run-list", "data", allow_duplicate=True),
        Input("run-launch", "n_clicks"), *[State(i, "value") for i in LEVERS], State("app-lang", "value"),
        background=True, prevent_initial_call=True,
        progress=[Output("run-progress", "value"), Output("run-stage", "children")],
        running=[(Output("run-launch", "disabled"), True, False),
                 (Output("run-scenario", "disabled"), True, False)],
    )(launch_in_background)
