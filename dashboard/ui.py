"""Small building blocks shared by the pages: run pickers, error boxes, graphs, headers."""
from __future__ import annotations

import logging
from html import escape

from dash import dcc, html

from szplan.data import i18n
from szplan.fleetsim.errors import ResultsError

from .reader import ResultsReader
from .style import FONT as _FONT
from .style import empty_figure, localise

__all__ = ["LANG_COOKIE", "lang", "tr", "localised", "DATA_ERRORS", "table_style", "simple_table", "html_table",
           "page_header", "run_label", "sweep_label", "run_options", "run_picker", "error_box", "error_text", "graph",
           "pick_run", "no_data"]

log = logging.getLogger(__name__)

#: what a broken or incomplete results folder raises while a page reads or draws it
DATA_ERRORS = (ResultsError, KeyError, ValueError, IndexError, TypeError)

_GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": "hover"}
#: the cookie holding the visitor's language (set by the switch in the header)
LANG_COOKIE = "fleetsim_lang"


def lang() -> str:
    """The language of the current request: the switch's cookie, else the browser's first
    preference between zh and en, else en (outside a request: en)."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover - flask comes with dash
        return "en"
    if not has_request_context():
        return "en"
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in i18n.LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["en", "zh", "zh-CN"], default="en")
    return "zh" if best.startswith("zh") else "en"


def tr(key: str, **fields) -> str:
    """The catalogue's message ``key`` in the current request's language."""
    return i18n.text(key, lang(), **fields)


def localised(outputs: tuple) -> tuple:
    """A page's render outputs with every figure in the request's language (see
    :func:`dashboard.style.localise`); other outputs pass through."""
    language = lang()
    return tuple(localise(o, language) if isinstance(o, dict) and "layout" in o else o for o in outputs)


def table_style(*, cell: dict | None = None, header: dict | None = None) -> dict:
    """Keyword arguments that give every DataTable the same look (its own default font is monospace)
    and its filter boxes' hint in the request's language."""
    return {
        "style_table": {"overflowX": "auto"},
        "style_cell": {"fontFamily": _FONT, "fontSize": 13, "padding": "4px 8px", "textAlign": "left",
                       **(cell or {})},
        "style_header": {"fontFamily": _FONT, "fontWeight": "600", "backgroundColor": "#f0f3f7", **(header or {})},
        "style_filter": {"fontFamily": _FONT},
        "filter_options": {"placeholder_text": tr("ui.filter")},
    }


def simple_table(rows: list[dict], columns: tuple[tuple[str, str], ...], *, numeric=(), status: str | None = None
                 ) -> str:
    """``rows`` as the HTML of a plain table (``columns``: header, key), for :func:`html_table`.

    A ``status`` column's value becomes the row's class (``status-met``, ``status-not-met``...).
    Every value is escaped.
    """
    def cell(tag: str, key: str, text) -> str:
        css = ' class="num"' if key in numeric else ""
        return f"<{tag}{css}>{escape(str(text))}</{tag}>"

    head = "".join(cell("th", key, name) for name, key in columns)
    body = []
    for row in rows:
        css = f' class="status-{escape(str(row.get(status, "")).replace(" ", "-"))}"' if status else ""
        body.append(f"<tr{css}>" + "".join(cell("td", key, row.get(key, "")) for _, key in columns) + "</tr>")
    return f'<table class="simple-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def html_table(component_id: str, table_html: str) -> dcc.Markdown:
    """A table drawn from :func:`simple_table`'s HTML. One component for the whole table: a
    switch of run redraws it at once, where a Dash component per cell took a fifth of a second,
    and it needs none of the DataTable's scripts (pages whose tables need no filtering use it)."""
    return dcc.Markdown(table_html, id=component_id, dangerously_allow_html=True, className="table-wrap")


def page_header(title: str, intro: str) -> html.Div:
    """Page title and a one-line explanation."""
    return html.Div([html.H2(title), html.P(intro, className="page-intro")], className="page-header")


def run_label(info) -> str:
    """A run's short label in the request's language: folder name, year, whether it has a station
    plan, sample and seed (``name (unreadable)`` for a run whose manifest cannot be read)."""
    if info.problem:
        return tr("ui.run_unreadable", name=info.name)
    return tr("ui.run_label_plan" if info.planned else "ui.run_label", name=info.name,
              year=info.year if info.year is not None else "?", sample=info.sample, seed=info.seed)


def sweep_label(info) -> str:
    """A sweep's label in the request's language: its folder name and how many runs it holds."""
    return tr("ui.sweep_label", name=info.name, n=len(info.run_ids))


def run_options(reader: ResultsReader) -> list[dict]:
    """Dropdown options for every run found (unreadable ones too, so their problem can be shown)."""
    return [{"label": run_label(info), "value": info.run_id, "title": info.run_id} for info in reader.runs()]


def pick_run(reader: ResultsReader, *requested: str | None) -> str | None:
    """The first of ``requested`` that is a known run (e.g. ``?run=`` of the address, then the
    run picked on the last page), else the default run."""
    known = {info.run_id for info in reader.runs()}
    for run_id in requested:
        if run_id and run_id in known:
            return run_id
    return reader.default_run()


def run_picker(component_id: str, reader: ResultsReader, value, *, multi: bool = False,
               label: str | None = None) -> html.Div:
    """A labelled dropdown of the runs found."""
    return html.Div([
        html.Label(label or tr("ui.runs" if multi else "ui.run"), htmlFor=component_id, className="control-label"),
        dcc.Dropdown(id=component_id, options=run_options(reader), value=value, multi=multi, clearable=False,
                     placeholder=tr("ui.no_runs"), className="run-picker"),
    ], className="control")


def error_box(component_id: str, children=None) -> html.Div:
    """Where a page says what is wrong with the results it was asked to show."""
    return html.Div(children, id=component_id, className="page-error", role="alert")


def error_text(err: Exception | str) -> list:
    """Children of an error box for ``err`` (its Chinese text when the request is in Chinese and the
    error carries one); logs it (the server keeps running)."""
    log.warning("cannot show results: %s", err)
    return [html.Strong(tr("ui.cannot_show")),
            html.Span(i18n.error_text(err, lang()) if isinstance(err, BaseException) else str(err))]


def no_data(message: str, run: str | None = None):
    """An empty figure saying why there is nothing to draw."""
    return empty_figure(message, run=run)


def graph(component_id: str, figure: dict | None = None, *, height: int = 340) -> dcc.Graph:
    """A graph showing ``figure`` (pages draw their first figures in the layout itself, so that
    opening a page costs no second request and no placeholder drawing)."""
    config = {**_GRAPH_CONFIG, "locale": "zh-CN"} if lang() == "zh" else _GRAPH_CONFIG
    return dcc.Graph(id=component_id, config=config, style={"minHeight": f"{height}px"}, className="graph",
                     figure=figure if figure is not None else empty_figure(tr("ui.loading"), height=height))
