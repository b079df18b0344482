"""Stations page: zones coloured by utilisation, wait or demand, existing and planned sites by
kind, and a filterable table of every station's equipment."""
from __future__ import annotations

from dash import Input, Output, dash_table, dcc, html

from ..figures import zone_map_figure, zone_values
from ..figures_map import ZONE_METRICS
from ..state import DashboardState, current_state
from ..style import KIND_COLOURS
from ..tables import station_table
from ..ui import DATA_ERRORS, error_box, error_text, graph, no_data, page_header, pick_run, run_picker, table_style

__all__ = ["PATH", "NAME", "RUN_SELECT", "GRAPHS", "TABLE_COLUMNS", "layout", "render", "register_callbacks"]

PATH, NAME, RUN_SELECT = "/stations", "Stations", "stations-run-select"
GRAPHS = ("stations-map",)
TABLE_COLUMNS = (("Station", "station_id"), ("Group", "group"), ("Source", "source"), ("Kind", "kind"),
                 ("Zone", "zone_id"), ("Equipment", "equipment"), ("Units", "units"),
                 ("Utilisation (%)", "utilisation_pct"), ("Wait p50 (min)", "wait_p50_min"),
                 ("Wait p95 (min)", "wait_p95_min"), ("Served (vehicles)", "served_vehicles"),
                 ("Drove on (vehicles)", "balked_vehicles"), ("Longest queue (agents)", "max_queue"))
_NUMERIC = {"zone_id", "units", "utilisation_pct", "wait_p50_min", "wait_p95_min", "served_vehicles",
            "balked_vehicles", "max_queue"}


def layout(selected_run: str | None = None, run: str | None = None, **_query) -> html.Div:
    """The page for the run in the address (``?run=<folder>``), else the one selected last."""
    state = current_state()
    run = pick_run(state.reader, run, selected_run)
    error, fig, rows, note = render(state, run, "utilisation", list(KIND_COLOURS))
    return html.Div([
        page_header("Stations", "Where the run's stations are, how busy they were on the simulated day and "
                    "how long vehicles waited; planned sites appear when the run has a siting table."),
        html.Div([
            run_picker(RUN_SELECT, state.reader, run),
            html.Div([html.Label("Colour zones by", htmlFor="stations-colour", className="control-label"),
                      dcc.Dropdown(id="stations-colour", clearable=False, value="utilisation",
                                   options=[{"label": f"{lbl} ({unit})", "value": key}
                                            for key, (lbl, unit) in ZONE_METRICS.items()])],
                     className="control control-narrow"),
            html.Div([html.Label("Station kinds", className="control-label"),
                      dcc.Checklist(id="stations-kinds", options=[{"label": k, "value": k} for k in KIND_COLOURS],
                                    value=list(KIND_COLOURS), inline=True, className="checklist")],
                     className="control control-wide"),
        ], className="controls"),
        error_box("stations-error", error),
        graph("stations-map", fig, height=540),
        html.P([("Zone outlines: the 491 traffic analysis zones shipped with the planner; district "
                 "boundaries © 2021 Qing Yu (BSD 3-Clause). No street map is drawn. "),
                html.Span(note, id="stations-note")], className="caption"),
        html.H3("Stations and equipment"),
        dash_table.DataTable(
            id="stations-table",
            columns=[{"name": n, "id": i, "type": "numeric" if i in _NUMERIC else "text"} for n, i in TABLE_COLUMNS],
            data=rows, filter_action="native", sort_action="native", page_action="native", page_size=12,
            **table_style(cell={"fontSize": 12, "padding": "3px 6px"},
                          header={"whiteSpace": "normal", "height": "auto", "fontSize": 12}),
            style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "right"} for c in _NUMERIC],
            style_data_conditional=[{"if": {"filter_query": "{utilisation_pct} >= 80", "column_id": "utilisation_pct"},
                                     "backgroundColor": "#fbe3e2"}],
        ),
    ], className="page")


def render(state: DashboardState, run_id: str | None, metric: str = "utilisation",
           kinds: list[str] | None = None) -> tuple:
    """``(error, map, table rows, note)`` for a run, zones coloured by ``metric``."""
    if not run_id:
        return "No results to show yet: launch a run on the Run page.", no_data("no run selected"), [], ""
    reader = state.reader
    metric = metric or "utilisation"
    kinds = list(kinds) if kinds is not None else None
    try:
        return ("", *reader.memo(("stations", metric, tuple(kinds) if kinds is not None else None), [run_id],
                                 lambda: _build(reader, run_id, metric, kinds)))
    except DATA_ERRORS as err:
        return error_text(err), no_data("no data: see the message above", run=run_id), [], ""


def _build(reader, run_id: str, metric: str, kinds: list[str] | None) -> tuple:
    stations = reader.table(run_id, "stations")
    station_use = reader.table(run_id, "station_use")
    siting = reader.optional_table(run_id, "siting")
    values = zone_values(metric, zones=reader.table(run_id, "zones"), station_use=station_use,
                         sessions=reader.table(run_id, "sessions"), load=reader.table(run_id, "load"))
    fig = zone_map_figure(values, metric, stations=stations, siting=siting, kinds=kinds, run=run_id)
    rows = station_table(stations, station_use, siting)
    if kinds is not None:
        rows = rows[rows["kind"].isin(kinds)]
    note = (f"{len(siting)} planned sites (stars)." if siting is not None
            else "This run has no siting table: no planned sites to show.")
    return fig, rows.to_dict("records"), note


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the controls to :func:`render`."""
    app.callback(Output("stations-error", "children"), Output("stations-map", "figure"),
                 Output("stations-table", "data"), Output("stations-note", "children"),
                 Input(RUN_SELECT, "value"), Input("stations-colour", "value"), Input("stations-kinds", "value"),
                 prevent_initial_call=True)(lambda run_id, metric, kinds: render(state, run_id, metric, kinds))
