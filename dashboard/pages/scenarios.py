"""Scenarios page: two or more runs side by side: key figures, NEV stock paths, daily load."""
from __future__ import annotations

from dash import Input, Output, html

from ..figures import load_curves_figure, nev_paths_figure
from ..state import DashboardState, current_state
from ..tables import figures_comparison
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
    run_picker,
    simple_table,
    tr,
)

__all__ = ["PATH", "NAME", "GRAPHS", "layout", "render", "register_callbacks"]

PATH, NAME = "/scenarios", "Scenarios"
GRAPHS = ("scenarios-nev-graph", "scenarios-load-graph")


def layout(selected_run: str | None = None, **_query) -> html.Div:
    """The page with the selected run and the next one found preselected."""
    state = current_state()
    reader = state.reader
    readable = [info.run_id for info in reader.runs() if not info.problem]
    first = [selected_run] if selected_run in readable else []
    chosen = list(dict.fromkeys(first + readable))[:2]
    error, hint, columns, rows, nev, load = render(state, chosen)
    return html.Div([
        page_header(tr("nav.scenarios"), tr("page.scenarios.intro")),
        html.Div([run_picker("scenarios-run-select", reader, chosen, multi=True)],
                 className="controls"),
        error_box("scenarios-error", error),
        html.P(hint, id="scenarios-hint", className="hint-box"),
        html.Div([graph("scenarios-nev-graph", nev), graph("scenarios-load-graph", load)], className="grid-2"),
        html.H3(tr("ui.headline_figures")),
        html_table("scenarios-table", _table(columns, rows)),
    ], className="page")


def render(state: DashboardState, run_ids: list[str] | None) -> tuple:
    """``(error, hint, table columns, table rows, NEV paths, load curves)`` for the chosen runs."""
    run_ids = list(dict.fromkeys(r for r in (run_ids or []) if r))
    if not run_ids:
        empty = no_data(tr("ui.pick_runs"))
        return "", tr("ui.pick_two"), [], [], empty, empty
    reader = state.reader
    try:
        labels = {}
        for run_id in run_ids:
            name = reader.run_info(run_id).name
            # two folders of the same name (e.g. in two sweeps) still get two columns
            labels[run_id] = name if name not in labels.values() else f"{name} ({len(labels) + 1})"
        figures = {labels[r]: reader.table(r, "figures") for r in run_ids}
        targets = {labels[r]: reader.table(r, "targets") for r in run_ids}
        language = lang()
        table = figures_comparison(figures, targets, language)
        headers = {"figure": tr("col.figure"), "unit": tr("col.unit")}
        columns = [{"name": headers.get(c, c), "id": c} for c in table.columns]
        nev = nev_paths_figure({labels[r]: reader.table(r, "stock") for r in run_ids},
                               next(iter(targets.values())), lang=language)
        load = load_curves_figure({labels[r]: reader.table(r, "load") for r in run_ids}, lang=language)
        hint = "" if len(run_ids) > 1 else tr("ui.pick_second")
        return localised(("", hint, columns, table.to_dict("records"), nev, load))
    except DATA_ERRORS as err:
        empty = no_data(tr("ui.no_data"))
        return error_text(err), "", [], [], empty, empty


def _table(columns: list[dict], rows: list[dict]):
    keys = tuple((c["name"], c["id"]) for c in columns)
    return simple_table(rows, keys, numeric=tuple(k for _, k in keys if k not in ("figure", "unit")))


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the run picker to :func:`render`."""

    def update(run_ids):
        error, hint, columns, rows, nev, load = render(state, run_ids)
        return error, hint, _table(columns, rows), nev, load

    app.callback(Output("scenarios-error", "children"), Output("scenarios-hint", "children"),
                 Output("scenarios-table", "children"), *[Output(g, "figure") for g in GRAPHS],
                 Input("scenarios-run-select", "value"), prevent_initial_call=True)(update)
