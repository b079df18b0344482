"""Shared look of the dashboard's figures and the small helpers that build them.

Figures are plain Plotly figure dictionaries (``{"data": [...], "layout": {...}}``), which
``dcc.Graph`` takes as they are and ``plotly.graph_objects.Figure(fig)`` turns into a figure
object. Building dictionaries rather than graph objects keeps a page switch fast: the objects
validate every property on every update, which cost a quarter of a second per page.
"""
from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd

__all__ = [
    "localise",
    "say",
    "hover",
    "POWERTRAIN_COLOURS",
    "CARRIER_COLOURS",
    "SEGMENT_COLOURS",
    "KIND_COLOURS",
    "TARGET_COLOUR",
    "HISTORY_COLOUR",
    "TEMPLATE",
    "FONT",
    "figure",
    "empty_figure",
    "grid",
    "hline",
    "values",
    "colour_of",
    "cycle_colour",
    "nice_name",
]

POWERTRAIN_COLOURS = {
    "BEV": "#2a9d5c",
    "PHEV": "#8fd19e",
    "FCEV": "#6a51a3",
    "LNG": "#f28e2b",
    "ICE": "#9c9c9c",
}
CARRIER_COLOURS = {
    "electricity": "#1f77b4",
    "petrol": "#c0504d",
    "diesel": "#4d4d4d",
    "lng": "#f28e2b",
    "hydrogen": "#6a51a3",
    "h2": "#6a51a3",
}
SEGMENT_COLOURS = {
    "private_car": "#4e79a7",
    "taxi": "#f1ce63",
    "ride_hailing": "#17becf",
    "bus": "#59a14f",
    "official_car": "#76b7b2",
    "light_logistics": "#e15759",
    "heavy_truck": "#b07aa1",
    "sanitation": "#9c755f",
    "port_tractor": "#ff9da7",
    "waste_transfer": "#bab0ac",
}
KIND_COLOURS = {
    "charging": "#1f77b4",
    "swapping": "#17becf",
    "lng": "#f28e2b",
    "h2": "#6a51a3",
    "integrated": "#d62728",
    "none": "#7f7f7f",
}
TARGET_COLOUR = "#d62728"
HISTORY_COLOUR = "#111111"
_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac")
#: the font stack of figures and tables: system fonts only, nothing fetched
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', Arial, sans-serif"
_AXIS = {"gridcolor": "#e8edf3", "linecolor": "#b8c2cc", "zerolinecolor": "#d0d7de", "automargin": True}

#: a small white template (the built-in ones weigh tens of kilobytes in every response)
TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": list(_PALETTE),
                       "xaxis": {**_AXIS, "ticks": "outside", "tickcolor": "#b8c2cc"}, "yaxis": dict(_AXIS)}}


def colour_of(name: str, palette: dict[str, str], index: int = 0) -> str:
    """Colour of ``name`` in ``palette``, or the ``index``-th palette colour for unknown names."""
    return palette.get(name, cycle_colour(index))


def cycle_colour(index: int) -> str:
    """The ``index``-th colour of the dashboard's qualitative palette."""
    return _PALETTE[index % len(_PALETTE)]


def nice_name(name: str) -> str:
    """``ride_hailing`` → ``ride hailing``: labels readable in legends and tables."""
    return str(name).replace("_", " ")


def values(series) -> list:
    """A column, index or array as a JSON-ready list (dates as ``YYYY-MM-DD``, NaN as None)."""
    if isinstance(series, (pd.DatetimeIndex, pd.Series)) and pd.api.types.is_datetime64_any_dtype(series):
        return [d.strftime("%Y-%m-%d") for d in series]
    array = np.asarray(series)
    if array.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in array]
    return array.tolist()


def _legend_rows(data: list[dict], width: float) -> int:
    """Rows a horizontal legend of ``data`` takes in ``width`` pixels (11 px text)."""
    seen, rows, used = set(), 1, 0.0
    for trace in data:
        name = str(trace.get("name", ""))
        if trace.get("showlegend") is False or not name or trace.get("legendgroup", name) in seen:
            continue
        seen.add(trace.get("legendgroup", name))
        item = 46 + 6.2 * len(name)
        if used and used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows if seen else 0


def figure(data: list[dict], layout: dict | None = None, *, title: str | None = None, height: int = 340,
           run: str | None = None, width: int = 600, panel_titles: bool = False) -> dict:
    """A figure dictionary with the common layout: title, then the legend, above the plot.

    The top margin is sized for the title and the legend rows that ``data`` needs at ``width``
    pixels (the figure's expected width: half the page by default), so that neither overlaps
    the other or the panel titles of a grid. ``run`` is stored as ``layout.meta.run`` so that a
    browser test can tell which run a figure shows once it has been drawn.
    """
    title_px = 30 if title else 6
    legend_px = 21 * _legend_rows(data, width - 40)
    top = title_px + legend_px + (24 if panel_titles else 10)
    base = {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 64, "r": 20, "t": top, "b": 48},
        "font": {"family": FONT, "size": 12},
        "legend": {"orientation": "h", "yref": "container", "yanchor": "top", "y": 1 - (title_px + 2) / height,
                   "xanchor": "left", "x": 0, "font": {"size": 11}, "tracegroupgap": 0},
        "hoverlabel": {"namelength": -1},
        "meta": {"run": run or ""},
    }
    if title:
        base["title"] = {"text": title, "x": 0.01, "xanchor": "left", "yref": "container", "y": 1 - 8 / height,
                         "yanchor": "top", "font": {"size": 15}}
    for key, value in (layout or {}).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return {"data": data, "layout": base}


def empty_figure(message: str, *, height: int = 340, run: str | None = None) -> dict:
    """A figure without data that says why (no data, unreadable results, ...)."""
    return figure([], {
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                         "showarrow": False, "font": {"size": 14, "color": "#666"}}],
    }, height=height, run=run)


def _domain(low: float, high: float) -> list[float]:
    # rounding keeps 1 - 3 * (1/3) from coming out a hair below zero, which plotly rejects
    return [min(1.0, max(0.0, round(low, 6))), min(1.0, max(0.0, round(high, 6)))]


def grid(rows: int, cols: int, *, titles: list[str] | None = None, hspace: float = 0.06, vspace: float = 0.12,
         share_x: bool = False) -> tuple[dict, list[tuple[str, str]]]:
    """Axes of a ``rows`` x ``cols`` grid of panels, filled row by row from the top left.

    Returns
    -------
    layout : dict
        ``xaxis``, ``yaxis``, ``xaxis2``, ... and panel titles as ``annotations``.
    cells : list of (str, str)
        The trace axis references (``"x2"``, ``"y2"``) of each panel.
    """
    width = (1.0 - hspace * (cols - 1)) / cols
    height = (1.0 - vspace * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    cells = []
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        x0 = c * (width + hspace)
        y1 = 1.0 - r * (height + vspace)
        layout[f"xaxis{n}"] = {"domain": _domain(x0, x0 + width), "anchor": f"y{n}"}
        if share_x and i:
            layout[f"xaxis{n}"]["matches"] = "x"
        layout[f"yaxis{n}"] = {"domain": _domain(y1 - height, y1), "anchor": f"x{n}"}
        cells.append((f"x{n}", f"y{n}"))
        if titles and i < len(titles):
            layout["annotations"].append({"text": titles[i], "x": x0 + width / 2, "y": y1, "xref": "paper",
                                          "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                                          "showarrow": False, "font": {"size": 12}})
    return layout, cells


def hline(y: float, text: str, colour: str, *, label_x: float = 0.01) -> tuple[dict, dict]:
    """A dashed horizontal line across the plot with its label at ``label_x`` (a fraction of the
    plot's width): ``(shape, annotation)``."""
    shape = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
             "line": {"color": colour, "dash": "dash", "width": 2}}
    note = {"text": text, "xref": "paper", "x": label_x, "xanchor": "left", "yref": "y", "y": y,
            "yanchor": "bottom", "showarrow": False, "font": {"color": colour, "size": 11}}
    return shape, note


_YEAR_END = re.compile(r"^(.*?)(\d{4})$")
_NUMBER = re.compile(r"\d[\d,.]*")


def _say(text, lang: str):
    """``text`` in ``lang`` through the catalogue's ``fig.`` entries: whole strings, strings
    ending in a year (``target 2025``), strings with one number (an entry with ``{n}``),
    ``what: kind`` legend names and a ``(not modelled)`` suffix; anything else is left as it is."""
    from szplan.data import i18n

    if not isinstance(text, str) or not text:
        return text
    found = i18n.catalogue().get(f"fig.{text}")
    if found:
        return found.get(lang) or text
    year = _YEAR_END.match(text)
    if year and f"fig.{year.group(1)}{{year}}" in i18n.catalogue():
        return i18n.text(f"fig.{year.group(1)}{{year}}", lang, year=year.group(2))
    number = list(_NUMBER.finditer(text))
    if len(number) == 1:  # one number in the text (``largest 10,295 MW``): the entry says it as {n}
        key = f"fig.{text[:number[0].start()]}{{n}}{text[number[0].end():]}"
        if key in i18n.catalogue():
            return i18n.text(key, lang, n=number[0].group())
    if text.endswith(" (not modelled)"):
        return _say(text[: -len(" (not modelled)")], lang) + i18n.text("fig.suffix_not_modelled", lang)
    if ": " in text and "<" not in text:
        head, _, tail = text.partition(": ")
        return f"{_say(head, lang)}：{_say(tail, lang)}"
    return text


def say(text, lang: str):
    """A figure's word or name (a segment, powertrain, carrier, station kind...) in ``lang``:
    the catalogue's ``fig.`` entry when there is one, else ``text`` as it is."""
    return text if lang == "en" else _say(text, lang)


def hover(key: str, lang: str, /, extra: str = "", **fields) -> str:
    """A hover template: the catalogue's message ``key`` in ``lang`` with ``fields``, then the
    hover label's side box ``<extra>extra</extra>`` (empty: none).

    Plotly's placeholders go in as field values (``value="%{y:,.0f}"``), so that the catalogue
    holds only the words around them and each language may order them as it needs.
    """
    from szplan.data import i18n

    return i18n.text(key, lang, **fields) + f"<extra>{extra}</extra>"


def _unit(text, lang: str):
    """An axis or colour-bar title in ``lang``: a ``fig.`` entry, else a unit (``unit.``)."""
    from szplan.data import i18n

    said = _say(text, lang)
    return i18n.unit_name(text, lang) if said == text and isinstance(text, str) else said


def localise(fig, lang: str):
    """A figure dictionary with its titles, axis titles, colour-bar titles, panel titles, legend
    names and bar categories in ``lang`` (a copy; the cached English figure is left as it is).
    English returns ``fig`` itself. Hover templates are not touched: the figure functions build
    them in the visitor's language (see :func:`hover`), around Plotly's placeholders."""
    if lang == "en" or not isinstance(fig, dict) or "layout" not in fig:
        return fig
    layout = copy.deepcopy({k: v for k, v in fig["layout"].items() if k != "meta"})
    layout["meta"] = fig["layout"].get("meta")
    title = layout.get("title")
    if isinstance(title, dict):
        title["text"] = _say(title.get("text"), lang)
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict) and isinstance(axis.get("title"), dict):
            axis["title"]["text"] = _unit(axis["title"].get("text"), lang)
    for note in layout.get("annotations", []) or []:
        note["text"] = _say(note.get("text"), lang)
    data = []
    for trace in fig.get("data", []):
        trace = dict(trace)
        if "name" in trace:
            trace["name"] = _say(trace["name"], lang)
        bar = (trace.get("marker") or {}).get("colorbar")
        if isinstance(bar, dict) and isinstance(bar.get("title"), dict):
            trace["marker"] = {**trace["marker"], "colorbar": {
                **bar, "title": {**bar["title"], "text": _unit(bar["title"].get("text"), lang)}}}
        if trace.get("type") == "bar" and all(isinstance(x, str) for x in trace.get("x", []) or [None]):
            trace["x"] = [_say(x, lang) for x in trace["x"]]
        if trace.get("mode") == "text":
            trace["x"] = [_say(x, lang) for x in trace.get("x", [])]
            trace["text"] = [_say(t, lang) for t in trace.get("text", [])]
        data.append(trace)
    return {**fig, "data": data, "layout": layout}
