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
from plotly.colors import sample_colorscale, sequential
from shapely.geometry import shape
from szplan.data import data_path, i18n

from .figures_day import station_group
from .style import KIND_COLOURS, colour_of, figure, hover, say, values

__all__ = ["ZONE_METRICS", "zone_metric_label", "zone_shapes", "zone_centres", "district_outlines", "zone_values",
           "zone_map_figure"]

#: dropdown value → (label, unit) in English, as the map's figure says them (its title is
#: translated with the figure, see :func:`dashboard.style.localise`); the dropdown says them in
#: the visitor's language with :func:`zone_metric_label` (catalogue keys ``zone.<value>``)
ZONE_METRICS = {
    "utilisation": ("Utilisation of public chargers", "%"),
    "wait": ("Mean wait at public stations", "min"),
    "demand": ("Charging demand", "MWh/day"),
    "population": ("Residents", "persons"),
}


def zone_metric_label(metric: str, lang: str = "en") -> str:
    """The dropdown label of a zone metric in ``lang``: its name and unit."""
    unit = ZONE_METRICS[metric][1]
    return i18n.text("zone.label", lang, label=i18n.text(f"zone.{metric}", lang), unit=i18n.unit_name(unit, lang))
_CLASSES = 8
# an explicit scale: plotly.js's built-in "YlOrRd" runs the other way round from plotly's, and
# the zone fills (sampled here) and the colour bar (drawn by plotly.js) must agree
_COLOURSCALE = [[i / (len(sequential.YlOrRd) - 1), c] for i, c in enumerate(sequential.YlOrRd)]
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
def zone_centres() -> dict[int, tuple[float, float]]:
    """Zone id → ``(lon, lat)`` of the centroid of its outline, where the hover marker sits."""
    raw = json.loads(data_path("shenzhen", "taz_zones.geojson").read_text(encoding="utf-8"))
    out = {}
    for f in raw["features"]:
        point = shape(f["geometry"]).representative_point()
        out[int(f["properties"]["taz_id"])] = (round(point.x, 5), round(point.y, 5))
    return out


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


def _zone_layers(values_: pd.Series, metric: str, label: str, unit: str, lang: str = "en") -> list[dict]:
    shapes = zone_shapes()
    edges, top = _classes(values_)
    colours = sample_colorscale(_COLOURSCALE, list((np.arange(_CLASSES) + 0.5) / _CLASSES))
    cls = np.clip(np.searchsorted(edges, values_.to_numpy(float), side="right") - 1, 0, _CLASSES - 1)
    groups: dict[object, list[int]] = {}
    for zone_id, value, c in zip(values_.index, values_.to_numpy(float), cls, strict=True):
        if zone_id in shapes:
            groups.setdefault("none" if math.isnan(value) else int(c), []).append(int(zone_id))
    data = []
    for key in ["none", *range(_CLASSES)]:
        members = groups.get(key)
        if not members:
            continue
        data.append({"type": "scatter", "mode": "lines", "fill": "toself", "hoverinfo": "skip", "showlegend": False,
                     "x": [x for z in members for x in shapes[z][0]], "y": [y for z in members for y in shapes[z][1]],
                     "fillcolor": "#eeeeee" if key == "none" else colours[key],
                     "line": {"color": "rgba(120,120,120,0.5)", "width": 0.5},
                     "name": "no value" if key == "none" else f"class {key}"})
    dx, dy = district_outlines()
    data.append({"type": "scatter", "mode": "lines", "x": dx, "y": dy, "hoverinfo": "skip", "showlegend": False,
                 "line": {"color": "#555", "width": 1.2}, "name": "district boundaries"})
    shown = values_[[z in shapes for z in values_.index]]
    centres = zone_centres()
    data.append({
        "type": "scatter", "mode": "markers", "name": f"zones: {label}", "showlegend": False,
        "x": [centres[z][0] for z in shown.index], "y": [centres[z][1] for z in shown.index],
        "marker": {"size": 7, "opacity": 0.0, "color": values(shown.fillna(0.0)), "colorscale": _COLOURSCALE,
                   "cmin": 0.0, "cmax": top, "showscale": True,
                   "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 12, "len": 0.75, "x": 1.0}},
        "customdata": [[int(z), None if math.isnan(v) else round(float(v), 2)] for z, v in shown.items()],
        "hovertemplate": i18n.text("hover.zone", lang, zone="%{customdata[0]}") + "<br>" + hover(
            "hover.count", lang, name=i18n.text(f"zone.{metric}", lang) if metric in ZONE_METRICS else label,
            value="%{customdata[1]:,.1f}", unit=i18n.unit_name(unit, lang))})
    return data


def _site_traces(sites: pd.DataFrame, *, planned: bool, kinds: list[str] | None, lang: str = "en") -> list[dict]:
    if planned:
        # one star per site: a site extended in a later phase has a row per phase year
        sites = sites.sort_values("year_built").drop_duplicates("site", keep="last")
    else:
        # stations without equipment have nothing to show; the plan's own sites are the stars
        sites = sites[(sites["kind"] != "none") & (sites["source"].astype(str) != "plan")]
    frame = sites if kinds is None else sites[sites["kind"].isin(kinds)]
    id_col = "site" if planned else "station_id"
    data = []
    for i, (kind, part) in enumerate(frame.groupby("kind", sort=True)):
        groups = [("planned", part)] if planned else [
            ("existing", part[~part["source"].str.startswith("depot")]),
            ("depot", part[part["source"].str.startswith("depot")])]
        for what, rows in groups:
            if rows.empty:
                continue
            data.append({
                "type": "scatter", "mode": "markers", "name": f"{what}: {kind}", "x": values(rows["lon"]),
                "y": values(rows["lat"]),
                # depots are many and sit in every bus or truck base: off until asked for
                "visible": "legendonly" if what == "depot" else True,
                "marker": {"size": 13 if planned else 5, "opacity": 1.0 if planned else 0.8,
                           "symbol": "star" if planned else "circle",
                           "color": colour_of(kind, KIND_COLOURS, i),
                           "line": {"color": "#111" if planned else "white", "width": 1 if planned else 0.5}},
                "customdata": rows[[id_col, "zone_id"]].astype(str).to_numpy().tolist(),
                "hovertemplate": i18n.text("hover.site", lang, what=say(what, lang), kind=say(kind, lang),
                                           id="%{customdata[0]}") + "<br>" + hover("hover.zone", lang,
                                                                                   zone="%{customdata[1]}")})
    return data


def zone_map_figure(values_: pd.Series, metric: str, *, stations: pd.DataFrame | None = None,
                    siting: pd.DataFrame | None = None, kinds: list[str] | None = None,
                    run: str | None = None, lang: str = "en") -> dict:
    """Zones coloured by ``values_`` (zone id → value of ``metric``) with existing stations and,
    when the run has a siting table, planned sites on top."""
    label, unit = ZONE_METRICS.get(metric, (metric, ""))
    data = _zone_layers(values_, metric, label, unit, lang)
    if stations is not None:
        data += _site_traces(stations, planned=False, kinds=kinds, lang=lang)
    if siting is not None and not siting.empty:
        data += _site_traces(siting, planned=True, kinds=kinds, lang=lang)
    return figure(data, {
        "xaxis": {"title": {"text": "longitude (°E)"}, "showgrid": False, "zeroline": False, "ticksuffix": "°"},
        # equal ground distances on both axes at Shenzhen's latitude
        "yaxis": {"title": {"text": "latitude (°N)"}, "showgrid": False, "zeroline": False, "ticksuffix": "°",
                  "scaleanchor": "x", "scaleratio": 1.0 / math.cos(math.radians(_MID_LAT))},
        "plot_bgcolor": "#f4f8fb", "dragmode": "pan",
    }, title=f"Zones by {label.lower()} ({unit})", height=560, run=run, width=1240)
