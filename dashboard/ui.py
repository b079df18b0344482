"""Small building blocks shared by the pages: run pickers, error boxes, graphs, headers."""
from __future__ import annotations

import logging

from dash import dcc, html

from fleetsim.errors import ResultsError

from .reader import ResultsReader
from .style import empty_figure

__all__ = ["DATA_ERRORS", "table_style", "page_header", "run_options", "run_picker", "error_box", "error_text", "graph",
           "pick_run", "no_data"]

log = logging.getLogger(__name__)

#: what a broken or incomplete results folder raises while a page reads or draws it
DATA_ERRORS = (ResultsError, KeyError, ValueError, IndexError, TypeError)


_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', Arial, sans-serif"



def table_style(*, cell: dict | None = None, header: dict | None = None) -> dict:
    """Keyword arguments that give every DataTable the same look (its own default font is monospace)."""
    return {
        "style_table": {"overflowX": "auto"},
        "style_cell": {"fontFamily": _FONT, "fontSize": 13, "padding": "4px 8px", "textAlign": "left",
                       **(cell or {})},
        "style_header": {"fontFamily": _FONT, "fontWeight": "600", "backgroundColor": "#f0f3f7", **(header or {})},
        "style_filter": {"fontFamily": _FONT},
    }


def page_header(title: str, intro: str) -> html.Div:
    """Page title and a one-line explanation."""
    return html.Div([html.H2(title), html.P(intro, className="page-intro")], className="page-header")


def run_options(reader: ResultsReader) -> list[dict]:
    """Dropdown options for every run found (unreadable ones too, so their problem can be shown)."""
    return [{"label": info.label, "value": info.run_id, "title": info.run_id} for info in reader.runs()]


def pick_run(reader: ResultsReader, requested: str | None) -> str | None:
    """``requested`` when it is a known run, else the default run."""
    known = {info.run_id for info in reader.runs(refresh=False)}
    if requested and requested in known:
        return requested
    return reader.default_run()


def run_picker(component_id: str, reader: ResultsReader, value, *, multi: bool = False,
               label: str = "Run") -> html.Div:
    """A labelled dropdown of the runs found."""
    return html.Div([
        html.Label(label, htmlFor=component_id, className="control-label"),
        dcc.Dropdown(id=component_id, options=run_options(reader), value=value, multi=multi, clearable=False,
                     placeholder="no results found: launch a run on the Run page", className="run-picker"),
    ], className="control")


def error_box(component_id: str, children=None) -> html.Div:
    """Where a page says what is wrong with the results it was asked to show."""
    return html.Div(children, id=component_id, className="page-error", role="alert")


def error_text(err: Exception | str) -> list:
    """Children of an error box for ``err``; logs it (the server keeps running)."""
    log.warning("cannot show results: %s", err)
    return [html.Strong("Cannot show these results. "), html.Span(str(err))]


def no_data(message: str, run: str | None = None):
    """An empty figure saying why there is nothing to draw."""
    return empty_figure(message, run=run)


def graph(component_id: str, figure: dict | None = None, *, height: int = 340) -> dcc.Graph:
    """A graph showing ``figure`` (pages draw their first figures in the layout itself, so that
    opening a page costs no second request and no placeholder drawing)."""
    return dcc.Graph(id=component_id, config={"displaylogo": False, "displayModeBar": "hover"}, style={"minHeight": f"{height}px"},
                     className="graph", figure=figure if figure is not None else empty_figure("loading…", height=height))
