"""Shared look of the dashboard's figures: colours per powertrain, carrier and segment, and the
common layout, so that the same thing has the same colour on every page."""
from __future__ import annotations

import plotly.graph_objects as go

__all__ = [
    "POWERTRAIN_COLOURS",
    "CARRIER_COLOURS",
    "SEGMENT_COLOURS",
    "KIND_COLOURS",
    "TARGET_COLOUR",
    "HISTORY_COLOUR",
    "MODEL_COLOUR",
    "TEMPLATE",
    "new_figure",
    "base_layout",
    "empty_figure",
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
    "ride_hailing": "#edc948",
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
MODEL_COLOUR = "#1f77b4"
_FALLBACK = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
             "#ff9da7", "#9c755f", "#bab0ac")
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif"


#: a small white template: the built-in ones are large and deep-copied into every figure, which
#: made a page of four figures take half a second to build and to send
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", colorway=list(_FALLBACK),
    xaxis=dict(gridcolor="#e8edf3", linecolor="#b8c2cc", zerolinecolor="#d0d7de", ticks="outside",
               tickcolor="#b8c2cc", automargin=True),
    yaxis=dict(gridcolor="#e8edf3", linecolor="#b8c2cc", zerolinecolor="#d0d7de", automargin=True),
))


def new_figure() -> go.Figure:
    """An empty figure on :data:`TEMPLATE` (never the default template)."""
    return go.Figure(layout={"template": TEMPLATE})


def cycle_colour(index: int) -> str:
    """The ``index``-th colour of the dashboard's qualitative palette."""
    return _FALLBACK[index % len(_FALLBACK)]


def colour_of(name: str, palette: dict[str, str], index: int = 0) -> str:
    """Colour of ``name`` in ``palette``, or a stable fallback colour for unknown names."""
    return palette.get(name, _FALLBACK[index % len(_FALLBACK)])


def nice_name(name: str) -> str:
    """``ride_hailing`` → ``ride hailing``: labels readable in legends and tables."""
    return str(name).replace("_", " ")


def base_layout(fig: go.Figure, *, title: str | None = None, height: int = 340,
                run: str | None = None) -> go.Figure:
    """Apply the common layout: compact margins, legend above the plot.

    ``run`` is stored as ``layout.meta.run`` so that a browser test can tell which run a figure
    shows once it has been drawn.
    """
    fig.update_layout(
        height=height,
        margin=dict(l=64, r=20, t=64 if title else 36, b=48),
        font=dict(family=_FONT, size=12),
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)) if title else None,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    font=dict(size=11)),
        hoverlabel=dict(namelength=-1),
        meta={"run": run or ""},
    )
    return fig


def empty_figure(message: str, *, height: int = 340, run: str | None = None) -> go.Figure:
    """A figure without data that says why (no data, unreadable results, ...)."""
    fig = new_figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=14, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, height=height, run=run)
