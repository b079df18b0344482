"""Fleet page: vehicle stock by segment and powertrain, energy by carrier and CO2 by year."""
from __future__ import annotations

from dash import Input, Output, html

from ..figures import co2_figure, energy_figure, stock_figure
from ..state import DashboardState, current_state
from ..ui import (DATA_ERRORS, error_box, error_text, graph, lang, localised, no_data, page_header, pick_run,
                  run_picker, tr)

__all__ = ["PATH", "NAME", "RUN_SELECT", "GRAPHS", "layout", "render", "register_callbacks"]

PATH, NAME, RUN_SELECT = "/fleet", "Fleet", "fleet-run-select"
GRAPHS = ("fleet-stock-graph", "fleet-energy-graph", "fleet-co2-graph")


def layout(selected_run: str | None = None, run: str | None = None, **_query) -> html.Div:
    """The page for the run in the address (``?run=<folder>``), else the one selected last."""
    state = current_state()
    run = pick_run(state.reader, run, selected_run)
    error, *figures = render(state, run)
    return html.Div([
        page_header(tr("nav.fleet"), tr("page.fleet.intro")),
        html.Div([run_picker(RUN_SELECT, state.reader, run)], className="controls"),
        error_box("fleet-error", error),
        graph("fleet-stock-graph", figures[0], height=460),
        html.Div([graph("fleet-energy-graph", figures[1]), graph("fleet-co2-graph", figures[2])], className="grid-2"),
    ], className="page")


def render(state: DashboardState, run_id: str | None) -> tuple:
    """``(error, stock, energy, co2)`` for a run."""
    if not run_id:
        return (tr("ui.no_results"), *[no_data(tr("ui.no_run_selected"))] * len(GRAPHS))
    try:
        reader, language = state.reader, lang()

        def build():
            stock, energy = reader.table(run_id, "stock"), reader.table(run_id, "energy_by_year")
            year = reader.run_info(run_id).year
            return (stock_figure(stock, year=year, run=run_id, lang=language),
                    energy_figure(energy, year=year, run=run_id, lang=language),
                    co2_figure(energy, year=year, run=run_id, lang=language))

        return localised(("", *reader.memo(("fleet", language), [run_id], build)))
    except DATA_ERRORS as err:
        return (error_text(err), *[no_data(tr("ui.no_data"), run=run_id)] * len(GRAPHS))


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the run picker to :func:`render`."""
    app.callback(Output("fleet-error", "children"), *[Output(g, "figure") for g in GRAPHS],
                 Input(RUN_SELECT, "value"), prevent_initial_call=True)(lambda run_id: render(state, run_id))
