"""Stations page: zones coloured by utilisation, wait or demand, existing and planned sites by
kind, and a filterable table of every station's equipment."""
from __future__ import annotations

from html import escape
from pathlib import Path

from dash import Input, Output, State, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from szplan.data import i18n
from szplan.fleetsim.runs.export import FORMATS, district_summary, export_bytes

from ..figures import zone_map_figure, zone_values
from ..figures_map import ZONE_METRICS, zone_metric_label
from ..state import DashboardState, current_state
from ..style import KIND_COLOURS
from ..tables import station_rows_in, station_table
from ..ui import (DATA_ERRORS, error_box, error_text, graph, html_table, lang, localised, no_data, page_header,
                  pick_run, run_picker, simple_table, table_style, tr)

__all__ = ["PATH", "NAME", "RUN_SELECT", "GRAPHS", "TABLE_KEYS", "DOWNLOADS", "layout", "render", "districts",
           "download", "register_callbacks"]

PATH, NAME, RUN_SELECT = "/stations", "Stations", "stations-run-select"
GRAPHS = ("stations-map",)
#: catalogue keys of the station table's headers and the columns they head
TABLE_KEYS = (("col.station", "station_id"), ("col.group", "group"), ("col.source", "source"), ("col.kind", "kind"),
              ("col.district", "district"), ("col.zone", "zone_id"), ("col.year_built", "year_built"),
              ("col.equipment", "equipment"), ("col.units", "units"), ("col.utilisation", "utilisation_pct"),
              ("col.wait_p50", "wait_p50_min"), ("col.wait_p95", "wait_p95_min"),
              ("col.served_vehicles", "served_vehicles"), ("col.balked", "balked_vehicles"),
              ("col.max_queue", "max_queue"))
_NUMERIC = {"zone_id", "units", "utilisation_pct", "wait_p50_min", "wait_p95_min", "served_vehicles",
            "balked_vehicles", "max_queue"}
#: download buttons: export format and the catalogue key of the button's label
DOWNLOADS = (("csv", "ui.download_csv"), ("xlsx", "ui.download_xlsx"), ("geojson", "ui.download_geojson"),
             ("gpkg", "ui.download_gpkg"))
_DISTRICT_KEYS = (("col.district", "district"), ("col.sites", "sites"), ("AC 7 kW", "ac_7kw"),
                  ("DC 60 kW", "dc_60kw"), ("DC 120 kW", "dc_120kw"), ("DC 480 kW", "dc_480kw"),
                  ("LNG", "lng_dispenser"), ("H2", "h2_dispenser"), ("col.swap", "swap_bay"),
                  ("col.capex_cny", "capex_cny"), ("col.arrivals_per_day", "arrivals_per_day"),
                  ("col.served_vehicles", "served_vehicles"))


def layout(selected_run: str | None = None, run: str | None = None, **_query) -> html.Div:
    """The page for the run in the address (``?run=<folder>``), else the one selected last."""
    state = current_state()
    run = pick_run(state.reader, run, selected_run)
    error, fig, rows, note = render(state, run, "utilisation", list(KIND_COLOURS))
    return html.Div([
        page_header(tr("nav.stations"), tr("page.stations.intro")),
        html.Div([
            run_picker(RUN_SELECT, state.reader, run),
            html.Div([html.Label(tr("ui.colour_zones"), htmlFor="stations-colour", className="control-label"),
                      dcc.Dropdown(id="stations-colour", clearable=False, value="utilisation",
                                   options=[{"label": zone_metric_label(key, lang()), "value": key}
                                            for key in ZONE_METRICS])],
                     className="control control-narrow"),
            html.Div([html.Label(tr("ui.station_kinds"), className="control-label"),
                      dcc.Checklist(id="stations-kinds", options=[{"label": tr(f"fig.{k}"), "value": k}
                                                                  for k in KIND_COLOURS],
                                    value=list(KIND_COLOURS), inline=True, className="checklist")],
                     className="control control-wide"),
        ], className="controls"),
        error_box("stations-error", error),
        graph("stations-map", fig, height=540),
        html.P([tr("ui.map_caption"), html.Span(note, id="stations-note")], className="caption"),
        html.Div([html.Span(tr("ui.downloads"), className="control-label")]
                 + [html.Button(tr(key), id=f"stations-download-{fmt}", n_clicks=0, className="button")
                    for fmt, key in DOWNLOADS] + [dcc.Download(id="stations-download")], className="downloads"),
        html.H3(tr("ui.districts")),
        html_table("stations-districts", districts(state, run)),
        html.H3(tr("ui.stations_table")),
        dash_table.DataTable(
            id="stations-table",
            columns=[{"name": tr(k) if k.startswith("col.") else k, "id": i,
                      "type": "numeric" if i in _NUMERIC else "text"} for k, i in TABLE_KEYS],
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
        return tr("ui.no_results"), no_data(tr("ui.no_run_selected")), [], ""
    reader = state.reader
    metric = metric or "utilisation"
    kinds = list(kinds) if kinds is not None else None
    try:
        language = lang()
        fig, rows, planned = reader.memo(("stations", metric, tuple(kinds) if kinds is not None else None, language),
                                         [run_id], lambda: _build(reader, run_id, metric, kinds, language))
        note = tr("ui.planned_sites", n=planned) if planned is not None else tr("ui.no_siting")
        return localised(("", fig, station_rows_in(rows, language), note))
    except DATA_ERRORS as err:
        return error_text(err), no_data(tr("ui.no_data"), run=run_id), [], ""


def _build(reader, run_id: str, metric: str, kinds: list[str] | None, language: str = "en") -> tuple:
    stations = reader.table(run_id, "stations")
    station_use = reader.table(run_id, "station_use")
    siting = reader.optional_table(run_id, "siting")
    values = zone_values(metric, zones=reader.table(run_id, "zones"), station_use=station_use,
                         sessions=reader.table(run_id, "sessions"), load=reader.table(run_id, "load"))
    fig = zone_map_figure(values, metric, stations=stations, siting=siting, kinds=kinds, run=run_id, lang=language)
    rows = station_table(stations, station_use, siting, reader.table(run_id, "zones"))
    if kinds is not None:
        rows = rows[rows["kind"].isin(kinds)]
    planned = int(siting["site"].nunique()) if siting is not None else None
    return fig, rows.to_dict("records"), planned


def districts(state: DashboardState, run_id: str | None) -> str:
    """The plan by district (:func:`szplan.fleetsim.runs.export.district_summary`) for the run's year, as
    the HTML of a table; a sentence when the run has no plan."""
    if not run_id:
        return ""
    try:
        siting = state.reader.optional_table(run_id, "siting")
        if siting is None or siting.empty:
            return f"<p>{tr('ui.no_plan')}</p>"
        info = next((i for i in state.reader.runs() if i.run_id == run_id), None)
        table = district_summary(siting, state.reader.table(run_id, "zones"), state.reader.table(run_id, "station_use"),
                                 year=info.year if info is not None and info.year else None)
    except DATA_ERRORS as err:
        return f"<p>{escape(i18n.error_text(err, lang()))}</p>"
    language = lang()
    rows = [{k: (f"{v:,.0f}" if isinstance(v, float) else i18n.district_name(v, language) if k == "district" else v)
             for k, v in r.items()} for r in table.to_dict("records")]
    columns = tuple((tr(k) if k.startswith("col.") else k, c) for k, c in _DISTRICT_KEYS if c in table.columns)
    return simple_table(rows, columns, numeric={c for _, c in columns if c != "district"})


def download(run_id: str | None, fmt: str):
    """The export of ``run_id`` in ``fmt`` for a :class:`dash.dcc.Download` (the same bytes as
    ``fleetsim export``)."""
    if not run_id or fmt not in FORMATS:
        raise PreventUpdate
    name = f"{Path(run_id).name}{FORMATS[fmt]}"
    return dcc.send_bytes(export_bytes(run_id, fmt), name)


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the controls to :func:`render`, the run picker to the district table and the
    buttons to :func:`download`."""
    app.callback(Output("stations-districts", "children"), Input(RUN_SELECT, "value"),
                 prevent_initial_call=True)(lambda run_id: districts(state, run_id))

    def on_click(*args):
        from dash import ctx

        run_id = args[-1]
        if not ctx.triggered_id or not any(args[:-1]):
            raise PreventUpdate
        return download(run_id, ctx.triggered_id.removeprefix("stations-download-"))

    app.callback(Output("stations-download", "data"),
                 *[Input(f"stations-download-{fmt}", "n_clicks") for fmt, _ in DOWNLOADS],
                 State(RUN_SELECT, "value"), prevent_initial_call=True)(on_click)
    app.callback(Output("stations-error", "children"), Output("stations-map", "figure"),
                 Output("stations-table", "data"), Output("stations-note", "children"),
                 Input(RUN_SELECT, "value"), Input("stations-colour", "value"), Input("stations-kinds", "value"),
                 prevent_initial_call=True)(lambda run_id, metric, kinds: render(state, run_id, metric, kinds))
