"""The Stations page map: traffic zones drawn from the shipped GeoJSON as filled polygons on plain
longitude/latitude axes, so that the map needs no tile server, no map library and no network.

Zones are grouped into colour classes, one filled trace per class (a trace per zone would make
491 traces and a slow page); a layer of zone centroids carries the hover text and the colour
bar. Existing stations and planned sites are drawn on top as markers by kind.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from shapely.geometry import shape

from shenzhen_data import data_path

from .figures_day import station_group
from .style import KIND_COLOURS, base_layout, colour_of, cycle_colour, new_figure

__all__ = ["ZONE_METRICS", "zone_shapes", "district_outlines", "zone_values", "zone_map_figure"]

#: dropdown value → (label, unit)
ZONE_METRICS = {
    "utilisation": ("Utilisation of public chargers", "%"),
    "wait": ("Mean wait at public stations", "min"),
    "demand": ("Charging demand", "MWh/day"),
    "population": ("Residents", "persons"),
}
_CLASSES = 8
_COLOURSCALE = "YlOrRd"
_SIMPLIFY_DEG = 0.0002  # about 20 m: invisible at city scale, a third of the vertices
_MID_LAT = 22.6


def _rings(geometry) -> list[list[tuple[float, float]]]:
    geom = shape(geometry).simplify(_SIMPLIFY_DEG, preserve_topology=True)
    parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [list(p.exterior.coords) for p in parts if not p.is_empty]


def _path(rings) -> tuple[list, list]:
    xs, ys = [], []
    for ring in rings:
        xs += [round(x, 5) for x, _ in ring] + [None]
        ys += [round(y, 5) for _, y in ring] + [None]
    return xs, ys


@lru_cache(maxsize=1)
def zone_shapes() -> dict[int, tuple[list, list]]:
    """Zone id → outline as ``(lons, lats)`` with ``None`` between parts (simplified, cached)."""
    raw = json.loads(data_path("shenzhen", "taz_zones.geojson").read_text(encoding="utf-8"))
    return {int(f["properties"]["taz_id"]): _path(_rings(f["geometry"])) for f in raw["features"]}


@lru_cache(maxsize=1)
def district_outlines() -> tuple[list, list]:
    """All district boundaries as one ``(lons, lats)`` path, for orientation."""
    raw = json.loads(data_path("shenzhen", "districts.geojson").read_text(encoding="utf-8"))
    xs, ys = [], []
    for feature in raw["features"]:
        fx, fy = _path(_rings(feature["geometry"]))
        xs += fx
        ys += fy
    return xs, ys


def zone_values(metric: str, *, zones: pd.DataFrame, station_use: pd.DataFrame, sessions: pd.DataFrame,
                load: pd.DataFrame) -> pd.Series:
    """The value of ``metric`` (a key of :data:`ZONE_METRICS`) for each zone, indexed by zone id.

    Utilisation is the units-weighted mean over the zone's public chargers, wait the vehicle-weighted
    mean over sessions at its public stations; zones without such stations have no value (NaN).
    """
    index = pd.Index(zones["zone_id"].to_numpy(int), name="zone_id")
    if metric == "utilisation":
        use = station_use[(station_group(station_use["station_id"]) == "public")
                          & (station_use["equipment"].str.startswith(("ac_", "dc_")))]
        units = use["units"].astype(float)
        num = (use["utilisation"] * units).groupby(use["zone_id"]).sum()
        values = 100.0 * num / units.groupby(use["zone_id"]).sum().where(lambda s: s > 0)
    elif metric == "wait":
        public = sessions[station_group(sessions["station_id"]) == "public"]
        weight = public["weight"].astype(float)
        values = (public["wait_min"] * weight).groupby(public["zone_id"]).sum() / weight.groupby(
            public["zone_id"]).sum().where(lambda s: s > 0)
    elif metric == "demand":
        elec = load[load["carrier"] == "electricity"]
        values = elec.groupby("zone_id")["value"].sum() * 0.25 / 1000.0
    elif metric == "population":
        values = pd.Series(zones["population"].to_numpy(float), index=index)
    else:
        raise ValueError(f"unknown zone metric {metric!r}; choose one of {list(ZONE_METRICS)}")
    return values.reindex(index).astype(float)


def _classes(values: pd.Series) -> tuple[np.ndarray, float]:
    finite = values.dropna()
    # the top 2% would otherwise squeeze every other zone into the first class
    top = float(finite.quantile(0.98)) if len(finite) else 0.0
    top = top if top > 0 else float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    edges = np.linspace(0.0, top, _CLASSES + 1)
    return edges, top


def _add_zone_layers(fig: go.Figure, values: pd.Series, label: str, unit: str) -> None:
    shapes = zone_shapes()
    edges, top = _classes(values)
    colours = sample_colorscale(_COLOURSCALE, list((np.arange(_CLASSES) + 0.5) / _CLASSES))
    cls = np.clip(np.searchsorted(edges, values.to_numpy(float), side="right") - 1, 0, _CLASSES - 1)
    groups: dict[object, list[int]] = {}
    for zone_id, value, c in zip(values.index, values.to_numpy(float), cls):
        if zone_id in shapes:
            groups.setdefault("none" if math.isnan(value) else int(c), []).append(int(zone_id))
    for key in ["none", *range(_CLASSES)]:
        members = groups.get(key)
        if not members:
            continue
        xs = [x for z in members for x in shapes[z][0]]
        ys = [y for z in members for y in shapes[z][1]]
        fill = "#eeeeee" if key == "none" else colours[key]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill, hoverinfo="skip",
                                 line=dict(color="rgba(120,120,120,0.5)", width=0.5), showlegend=False,
                                 name="no value" if key == "none" else f"class {key}"))
    dx, dy = district_outlines()
    fig.add_trace(go.Scatter(x=dx, y=dy, mode="lines", line=dict(color="#555", width=1.2), hoverinfo="skip",
                             name="district boundaries", showlegend=False))
    cx = [float(np.nanmean([x for x in shapes[z][0] if x is not None])) for z in values.index if z in shapes]
    cy = [float(np.nanmean([y for y in shapes[z][1] if y is not None])) for z in values.index if z in shapes]
    shown = values[[z in shapes for z in values.index]]
    fig.add_trace(go.Scatter(
        x=cx, y=cy, mode="markers", name=f"zones: {label}", showlegend=False,
        marker=dict(size=7, opacity=0.0, color=shown.fillna(0).to_numpy(), colorscale=_COLOURSCALE,
                    cmin=0.0, cmax=top, showscale=True,
                    colorbar=dict(title=dict(text=unit, side="right"), thickness=12, len=0.75, x=1.0)),
        customdata=np.column_stack([shown.index.to_numpy(), shown.to_numpy()]),
        hovertemplate=f"zone %{{customdata[0]}}<br>{label}: %{{customdata[1]:,.1f}} {unit}<extra></extra>"))


def _add_sites(fig: go.Figure, sites: pd.DataFrame, *, planned: bool, kinds: list[str] | None) -> None:
    frame = sites if kinds is None else sites[sites["kind"].isin(kinds)]
    id_col = "site" if planned else "station_id"
    for i, (kind, part) in enumerate(frame.groupby("kind", sort=True)):
        groups = [("planned", part)] if planned else [
            ("existing", part[~part["source"].str.startswith("depot")]),
            ("depot", part[part["source"].str.startswith("depot")])]
        for what, rows in groups:
            if rows.empty:
                continue
            fig.add_trace(go.Scatter(
                x=rows["lon"], y=rows["lat"], mode="markers", name=f"{what}: {kind}",
                # depots are many and sit in every bus or truck base: off until asked for
                visible="legendonly" if what == "depot" else True,
                marker=dict(size=13 if planned else 6, symbol="star" if planned else "circle",
                            color=colour_of(kind, KIND_COLOURS, i),
                            line=dict(color="#111" if planned else "white", width=1 if planned else 0.5)),
                customdata=rows[[id_col, "zone_id"]].astype(str).to_numpy(),
                hovertemplate=f"{what} {kind} %{{customdata[0]}}<br>zone %{{customdata[1]}}<extra></extra>"))


def zone_map_figure(values: pd.Series, metric: str, *, stations: pd.DataFrame | None = None,
                    siting: pd.DataFrame | None = None, kinds: list[str] | None = None,
                    run: str | None = None) -> go.Figure:
    """Zones coloured by ``values`` (zone id → value of ``metric``) with existing stations and,
    when the run has a siting table, planned sites on top."""
    label, unit = ZONE_METRICS.get(metric, (metric, ""))
    fig = new_figure()
    _add_zone_layers(fig, values, label, unit)
    if stations is not None:
        _add_sites(fig, stations, planned=False, kinds=kinds)
    if siting is not None and not siting.empty:
        _add_sites(fig, siting, planned=True, kinds=kinds)
    fig.update_xaxes(title="longitude (°E)", showgrid=False, zeroline=False, ticksuffix="°")
    # equal ground distances on both axes at Shenzhen's latitude
    fig.update_yaxes(title="latitude (°N)", showgrid=False, zeroline=False, ticksuffix="°",
                     scaleanchor="x", scaleratio=1.0 / math.cos(math.radians(_MID_LAT)))
    fig = base_layout(fig, title=f"Zones by {label.lower()} ({unit})", height=540, run=run)
    fig.update_layout(plot_bgcolor="#f4f8fb", dragmode="pan")
    return fig
