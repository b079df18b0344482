"""Targets page: the run against every quantified target of the plan, with sweep bands."""
from __future__ import annotations

from dash import Input, Output, dcc, html

from ..figures import (
    bands_figure,
    infrastructure_figure,
    lng_fcev_figure,
    nev_stock_figure,
    new_share_figure,
    stock_summary,
)
from ..state import DashboardState, current_state
from ..style import localise
from ..tables import targets_table
from szplan.data import i18n

from ..ui import (
    DATA_ERRORS,
    error_box,
    error_text,
    graph,
    html_table,
    lang,
    localised,
    no_data,
    page_header,
    pick_run,
    run_picker,
    simple_table,
    sweep_label,
    tr,
)

__all__ = ["PATH", "NAME", "RUN_SELECT", "GRAPHS", "TABLE_KEYS", "table_columns", "layout", "render", "render_bands",
           "band_choices", "register_callbacks"]

PATH, NAME, RUN_SELECT = "/", "Targets", "targets-run-select"
GRAPHS = ("targets-nev-graph", "targets-share-graph", "targets-lng-fcev-graph", "targets-infra-graph")
_NO_SWEEP = ""
#: catalogue keys of the table's headers and the row keys they head
TABLE_KEYS = (("col.target", "target"), ("col.year", "year"), ("col.wording", "wording"), ("col.bound", "bound"),
              ("col.target_value", "target_value"), ("col.modelled", "modelled"), ("col.gap", "gap"),
              ("col.gap_pct", "gap_pct"), ("col.unit", "unit"), ("col.verdict", "verdict"))
_NUMERIC = ("year", "target_value", "modelled", "gap", "gap_pct")


def table_columns() -> tuple[tuple[str, str], ...]:
    """The table's ``(header, key)`` pairs in the request's language."""
    return tuple((tr(key), col) for key, col in TABLE_KEYS)


def layout(selected_run: str | None = None, run: str | None = None, **_query) -> html.Div:
    """The page for the run in the address (``?run=<folder>``), else the one selected last, else
    the first run found."""
    state = current_state()
    reader = state.reader
    run = pick_run(reader, run, selected_run)
    sweeps = reader.sweeps()
    sweep = sweeps[0].sweep_id if sweeps else _NO_SWEEP
    error, summary, nev, share, lng_fcev, infra, rows = render(state, run, sweep)
    band_options, band_figure, bands_hidden = band_choices(state, sweep)
    sweep_options = [{"label": tr("ui.no_sweep"), "value": _NO_SWEEP}] + [
        {"label": sweep_label(s), "value": s.sweep_id, "title": s.sweep_id} for s in sweeps]
    return html.Div([
        page_header(tr("nav.targets"), tr("page.targets.intro")),
        html.Div([
            run_picker("targets-run-select", reader, run),
            html.Div([html.Label(tr("ui.sweep_bands"), htmlFor="targets-sweep-select", className="control-label"),
                      dcc.Dropdown(id="targets-sweep-select", options=sweep_options, clearable=False,
                                   value=sweep)],
                     className="control control-narrow"),
        ], className="controls"),
        error_box("targets-error", error),
        html.P(summary, id="targets-summary", className="hint-box"),
        html.Div([graph("targets-nev-graph", nev), graph("targets-share-graph", share)], className="grid-2"),
        html.Div([graph("targets-lng-fcev-graph", lng_fcev), graph("targets-infra-graph", infra)], className="grid-2"),
        html.Div(id="targets-bands", hidden=bands_hidden, className="section", children=[
            html.H3(tr("ui.sweep_heading")),
            html.Div([html.Label(tr("ui.band_figure"), htmlFor="targets-band-figure", className="control-label"),
                      dcc.Dropdown(id="targets-band-figure", clearable=False, options=band_options,
                                   value=band_figure)], className="control control-narrow"),
            graph("targets-bands-graph", render_bands(state, sweep, band_figure)),
        ]),
        html.H3(tr("ui.every_target")),
        html_table("targets-table", simple_table(rows, table_columns(), numeric=_NUMERIC, status="status")),
    ], className="page")


def render(state: DashboardState, run_id: str | None, sweep_id: str | None = None) -> tuple:
    """Outputs of the page for a run: ``(error, summary, nev, share, lng_fcev, infra, table rows)``."""
    if not run_id:
        empty = no_data(tr("ui.no_run_selected"))
        return tr("ui.no_results"), "", empty, empty, empty, empty, []
    reader = state.reader
    try:
        bands, problem, version = None, "", 0
        if sweep_id:
            try:
                bands, version = reader.bands(sweep_id), reader.bands_stamp(sweep_id)
            except DATA_ERRORS as err:
                problem = error_text(err)
        language = lang()
        figures = reader.memo(("targets", sweep_id or "", version, language), [run_id],
                              lambda: _figures(reader, run_id, bands, language))
        return localised((problem, _summary(figures[-1]), *figures))
    except DATA_ERRORS as err:
        empty = no_data(tr("ui.no_data"), run=run_id)
        return error_text(err), "", empty, empty, empty, empty, []


def _summary(rows: list[dict]) -> str:
    status = [r["status"] for r in rows]
    missing = status.count("not modelled")
    return tr("targets.summary", modelled=len(status) - missing, within=status.count("within"),
              exceeded=status.count("exceeded"), short=status.count("short"), not_modelled=missing,
              total=len(status))


def _figures(reader, run_id: str, bands, language: str = "en") -> tuple:
    stock = reader.table(run_id, "stock")
    targets = reader.table(run_id, "targets")
    summary = stock_summary(stock)
    return (nev_stock_figure(stock, targets, bands=bands, run=run_id, summary=summary, lang=language),
            new_share_figure(stock, targets, run=run_id, summary=summary, lang=language),
            lng_fcev_figure(stock, targets, run=run_id, summary=summary, lang=language),
            infrastructure_figure(targets, reader.table(run_id, "stations"),
                                  siting=reader.optional_table(run_id, "siting"), run=run_id, lang=language),
            targets_table(targets, language).to_dict("records"))


def band_choices(state: DashboardState, sweep_id: str | None) -> tuple[list[dict], str | None, bool]:
    """Figure options of a sweep's bands, the one shown first, and whether the section is hidden."""
    if not sweep_id:
        return [], None, True
    try:
        figures = list(dict.fromkeys(state.reader.bands(sweep_id)["figure"].astype(str)))
    except DATA_ERRORS:
        return [], None, True
    first = "nev_stock" if "nev_stock" in figures else (figures[0] if figures else None)
    language = lang()
    return [{"label": i18n.figure_name(f, language), "value": f} for f in figures], first, not figures


def render_bands(state: DashboardState, sweep_id: str | None, figure: str | None):
    """The bands figure of one sweep figure."""
    if not sweep_id or not figure:
        return no_data(tr("ui.no_sweep_loaded"))
    try:
        language = lang()
        return localise(bands_figure(state.reader.bands(sweep_id), figure, run=sweep_id, lang=language), language)
    except DATA_ERRORS as err:
        return no_data(str(err))


def _as_table(outputs: tuple) -> tuple:
    return (*outputs[:-1], simple_table(outputs[-1], table_columns(), numeric=_NUMERIC, status="status"))


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the page's controls to :func:`render`."""
    app.callback(
        Output("targets-error", "children"), Output("targets-summary", "children"),
        *[Output(g, "figure") for g in GRAPHS],
        Output("targets-table", "children"),
        Input("targets-run-select", "value"), Input("targets-sweep-select", "value"), prevent_initial_call=True,
    )(lambda run_id, sweep_id: _as_table(render(state, run_id, sweep_id)))
    app.callback(
        Output("targets-band-figure", "options"), Output("targets-band-figure", "value"),
        Output("targets-bands", "hidden"), Input("targets-sweep-select", "value"), prevent_initial_call=True,
    )(lambda sweep_id: band_choices(state, sweep_id))
    app.callback(
        Output("targets-bands-graph", "figure"),
        Input("targets-sweep-select", "value"), Input("targets-band-figure", "value"), prevent_initial_call=True,
    )(lambda sweep_id, figure: render_bands(state, sweep_id, figure))
