"""Day page: the simulated weekday in 15-minute slots: load by carrier and segment, the
deferrable charging band against the virtual power plant targets, waits and queues."""
from __future__ import annotations

from dash import Input, Output, html

from ..figures import flexibility_figure, load_figure, waits_figure
from ..state import DashboardState, current_state
from ..ui import (DATA_ERRORS, error_box, error_text, graph, lang, localised, no_data, page_header, pick_run,
                  run_picker, tr)

__all__ = ["PATH", "NAME", "RUN_SELECT", "GRAPHS", "layout", "render", "register_callbacks"]

PATH, NAME, RUN_SELECT = "/day", "Day", "day-run-select"
GRAPHS = ("day-load-graph", "day-flex-graph", "day-wait-graph")


def layout(selected_run: str | None = None, run: str | None = None, **_query) -> html.Div:
    """The page for the run in the address (``?run=<folder>``), else the one selected last."""
    state = current_state()
    run = pick_run(state.reader, run, selected_run)
    error, *figures = render(state, run)
    return html.Div([
        page_header(tr("nav.day"), tr("page.day.intro")),
        html.Div([run_picker(RUN_SELECT, state.reader, run)], className="controls"),
        error_box("day-error", error),
        html.Div([graph("day-load-graph", figures[0], height=520), graph("day-flex-graph", figures[1], height=520)],
                 className="grid-2"),
        graph("day-wait-graph", figures[2], height=380),
    ], className="page")


def render(state: DashboardState, run_id: str | None) -> tuple:
    """``(error, load, flexibility, waits)`` for a run."""
    if not run_id:
        return (tr("ui.no_results"), *[no_data(tr("ui.no_run_selected"))] * len(GRAPHS))
    try:
        reader, language = state.reader, lang()

        def build():
            return (load_figure(reader.table(run_id, "load"), run=run_id, lang=language),
                    flexibility_figure(reader.table(run_id, "flexibility"), reader.table(run_id, "targets"),
                                       run=run_id, lang=language),
                    waits_figure(reader.table(run_id, "sessions"), run=run_id, lang=language))

        return localised(("", *reader.memo(("day", language), [run_id], build)))
    except DATA_ERRORS as err:
        return (error_text(err), *[no_data(tr("ui.no_data"), run=run_id)] * len(GRAPHS))


def register_callbacks(app, state: DashboardState) -> None:
    """Wire the run picker to :func:`render`."""
    app.callback(Output("day-error", "children"), *[Output(g, "figure") for g in GRAPHS],
                 Input(RUN_SELECT, "value"), prevent_initial_call=True)(lambda run_id: render(state, run_id))
