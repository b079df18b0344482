"""Figures of the Targets, Fleet and Scenarios pages, built by pure functions from result tables.

Every function takes DataFrames as read from a results folder (see :mod:`szplan.fleetsim.runs.schemas`) and
returns a Plotly figure dictionary (see :mod:`dashboard.style`); none reads files except the
shipped reported history and plan wording. The Day and Stations figures live in
:mod:`dashboard.figures_day` and :mod:`dashboard.figures_map` and are re-exported here.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
from szplan.data import data_path, i18n

from szplan.demand.params import NEV_POWERTRAINS

from .figures_day import flexibility_figure, load_figure, mean_wait_by_hour, queue_through_day, waits_figure
from .figures_map import zone_map_figure, zone_shapes, zone_values
from .style import (
    CARRIER_COLOURS,
    HISTORY_COLOUR,
    POWERTRAIN_COLOURS,
    TARGET_COLOUR,
    colour_of,
    cycle_colour,
    empty_figure,
    figure,
    grid,
    hover,
    nice_name,
    say,
    values,
)

__all__ = [
    "reported_history", "plan_targets", "stock_summary", "infrastructure_counts",
    "nev_stock_figure", "new_share_figure", "lng_fcev_figure", "infrastructure_figure", "bands_figure",
    "stock_figure", "energy_figure", "co2_figure", "nev_paths_figure", "load_curves_figure",
    "empty_figure", "load_figure", "flexibility_figure", "waits_figure", "mean_wait_by_hour",
    "queue_through_day", "zone_map_figure", "zone_values", "zone_shapes",
]

_CHARGER_COLUMNS = ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw")
_FAST_COLUMNS = ("dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw")
_VEHICLES_AXIS = {"tickformat": "~s", "rangemode": "tozero"}


@lru_cache(maxsize=1)
def reported_history() -> pd.DataFrame:
    """Reported figures (``data/facts/stock_history.csv``) with ``date`` parsed."""
    frame = pd.read_csv(data_path("facts", "stock_history.csv"))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


@lru_cache(maxsize=1)
def plan_targets() -> pd.DataFrame:
    """The plan's targets with unit and wording (``data/facts/targets.csv``)."""
    return pd.read_csv(data_path("facts", "targets.csv"))


def _year_end(years) -> list[str]:
    # stocks are end-of-year figures: plotting them on 31 December lines them up with the
    # reported figures, which carry their own dates
    return [f"{int(y)}-12-31" for y in years]


def _mid_year(years) -> list[str]:
    # shares of new registrations are flows over the year
    return [f"{int(y)}-07-01" for y in years]


def _year_axis(when, title: str, first: int = 2015, last: int = 2035) -> dict:
    """An x axis whose year labels stand under the points they name: a stock at the end of
    2025 (31 December) is labelled 2025, not drawn next to the 2026 gridline."""
    years = list(range(first, last + 1, 5))
    return {"title": {"text": title}, "tickvals": when(years), "ticktext": [str(y) for y in years]}


def stock_summary(stock: pd.DataFrame) -> pd.DataFrame:
    """Yearly stock figures the Targets page draws, indexed by year.

    Columns ``nev_stock``, ``lng_vehicle_stock``, ``fcev_stock``, ``nev_share_of_new_registrations``
    and ``new_vehicle_nev_or_clean_share``, defined as in :func:`demand.stock_metrics` (NEV = BEV,
    PHEV and FCEV; "clean" adds LNG) but from one group-by, which keeps a page switch fast.
    """
    sums = stock.groupby(["year", "powertrain"])[["vehicles", "new_vehicles"]].sum().unstack(fill_value=0)
    stocks, new = sums["vehicles"], sums["new_vehicles"]

    def total(frame: pd.DataFrame, powertrains) -> pd.Series:
        cols = [c for c in frame.columns if c in powertrains]
        return frame[cols].sum(axis=1).astype(float)

    new_all = new.sum(axis=1).astype(float).where(lambda s: s > 0)
    return pd.DataFrame({
        "nev_stock": total(stocks, NEV_POWERTRAINS),
        "lng_vehicle_stock": total(stocks, ("LNG",)),
        "fcev_stock": total(stocks, ("FCEV",)),
        "nev_share_of_new_registrations": total(new, NEV_POWERTRAINS) / new_all,
        "new_vehicle_nev_or_clean_share": total(new, (*NEV_POWERTRAINS, "LNG")) / new_all,
    })


def _line(x, y, name: str, colour: str, *, width: float = 3, dash: str | None = None, hover: str = "") -> dict:
    trace = {"type": "scatter", "mode": "lines", "x": x, "y": values(y), "name": name,
             "line": {"color": colour, "width": width}}
    if dash:
        trace["line"]["dash"] = dash
    if hover:
        trace["hovertemplate"] = hover
    return trace


def _targets(targets: pd.DataFrame, metric: str, *, when=_year_end, name: str = "plan target",
             tolerance: float = 0.05, axes: tuple[str, str] = ("x", "y"), lang: str = "en") -> list[dict]:
    """Target markers: a diamond with the ±5% band for "about", a triangle for "at least"."""
    rows = targets[targets["metric"] == metric].sort_values("year")
    out = []
    for i, (year, value, bound) in enumerate(zip(rows["year"], rows["target_value"], rows["bound"], strict=True)):
        about = bound == "about"
        trace = {"type": "scatter", "mode": "markers", "x": when([year]), "y": [float(value)], "name": name,
                 "legendgroup": name, "showlegend": i == 0, "xaxis": axes[0], "yaxis": axes[1],
                 "marker": {"symbol": "diamond" if about else "triangle-up", "size": 13, "color": TARGET_COLOUR,
                            "line": {"color": "white", "width": 1}},
                 "hovertemplate": hover("hover.target_about" if about else "hover.target_at_least", lang,
                                        year=int(year), value="%{y:,.3~s}")}
        if about:
            trace["error_y"] = {"type": "constant", "value": float(value) * tolerance, "color": TARGET_COLOUR,
                                "thickness": 2, "width": 8}
        out.append(trace)
    return out


def _note(note: str, lang: str) -> str:
    """A reported figure's note in ``lang`` (``note.<text>`` when catalogued, else as written)."""
    key = f"note.{note}"
    return i18n.text(key, lang) if note and key in i18n.catalogue() else note


def _history(metric: str, *, name: str, lang: str = "en") -> list[dict]:
    hist = reported_history()
    part = hist[hist["metric"] == metric]
    if part.empty:
        return []
    return [{"type": "scatter", "mode": "markers", "x": values(part["date"]), "y": values(part["value"]),
             "name": name, "marker": {"symbol": "circle", "size": 8, "color": HISTORY_COLOUR},
             "customdata": [[_note(n, lang)] for n in part["note"].fillna("")],
             "hovertemplate": i18n.text("hover.reported", lang, date="%{x|%Y-%m-%d}", value="%{y:,.3~s}")
                              + "<br>%{customdata[0]}<extra></extra>"}]


def _band_hover(point_key: str, point: str, unit: str, lang: str) -> str:
    """The hover template of a sweep point (``point_key``: its catalogue entry) with its median
    and p05–p95 band (customdata: p05, p95, seeds)."""
    return i18n.text(point_key, lang, point=point) + "<br>" + hover(
        "hover.band", lang, p50="%{y:,.4~s}", p05="%{customdata[0]:,.4~s}", p95="%{customdata[1]:,.4~s}",
        unit=i18n.unit_name(unit, lang), n="%{customdata[2]}")


def _band_traces(bands: pd.DataFrame | None, figure_name: str, lang: str = "en") -> list[dict]:
    """p05–p95 of a sweep, one marker with error bars per parameter point, side by side."""
    if bands is None or bands.empty:
        return []
    part = bands[bands["figure"] == figure_name].sort_values(["point", "year"])
    points = list(dict.fromkeys(part["point"].astype(str)))
    out = []
    for i, point in enumerate(points):
        rows = part[part["point"].astype(str) == point]
        # spread the points over a few weeks so that the bars of one year do not overlap
        shift = pd.Timedelta(days=round(30 * (i - (len(points) - 1) / 2)))
        x = pd.to_datetime(_year_end(rows["year"])) + shift
        out.append({
            "type": "scatter", "mode": "markers", "x": values(x), "y": values(rows["p50"]),
            "name": f"sweep {point}: p05–p95", "marker": {"size": 7, "symbol": "square", "color": cycle_colour(i)},
            "error_y": {"type": "data", "symmetric": False, "array": values(rows["p95"] - rows["p50"]),
                        "arrayminus": values(rows["p50"] - rows["p05"]), "thickness": 2, "width": 5},
            "customdata": rows[["p05", "p95", "n_seeds"]].to_numpy().tolist(),
            "hovertemplate": _band_hover("hover.sweep_point", point, str(rows["unit"].iloc[0]), lang),
        })
    return out


def nev_stock_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, bands: pd.DataFrame | None = None,
                     run: str | None = None, summary: pd.DataFrame | None = None, lang: str = "en") -> dict:
    """NEV stock path of the run against the 2025 and 2030 targets, with the reported history and,
    when a sweep's ``bands`` are given, its p05–p95 bands of ``nev_stock``."""
    nev = (stock_summary(stock) if summary is None else summary)["nev_stock"]
    data = [_line(_year_end(nev.index), nev, "modelled NEV stock", POWERTRAIN_COLOURS["BEV"],
                  hover=hover("hover.end_nevs", lang, year="%{x|%Y}", value="%{y:,.0f}")),
            *_history("nev_stock", name="reported", lang=lang), *_targets(targets, "nev_stock", lang=lang),
            *_band_traces(bands, "nev_stock", lang)]
    return figure(data, {"yaxis": {"title": {"text": "NEV stock (vehicles)"}, **_VEHICLES_AXIS},
                         "xaxis": _year_axis(_year_end, "end of year")},
                  title="NEV stock against the plan (1.3 M in 2025, 2 M in 2030)", run=run)


def new_share_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, run: str | None = None,
                     summary: pd.DataFrame | None = None, lang: str = "en") -> dict:
    """NEV-or-clean share of new vehicles against the 60% (2025) and 70% (2030) targets."""
    summary = stock_summary(stock) if summary is None else summary
    clean = summary["new_vehicle_nev_or_clean_share"].dropna()
    nev = summary["nev_share_of_new_registrations"].dropna()
    data = [_line(_mid_year(clean.index), clean, "modelled NEV or clean (LNG)", POWERTRAIN_COLOURS["BEV"],
                  hover=hover("hover.year", lang, i18n.text("hover.nev_or_clean", lang), year="%{x|%Y}",
                              value="%{y:.1%}")),
            _line(_mid_year(nev.index), nev, "modelled NEV only", POWERTRAIN_COLOURS["PHEV"], width=2, dash="dot",
                  hover=hover("hover.year", lang, i18n.text("hover.nev_only", lang), year="%{x|%Y}",
                              value="%{y:.1%}")),
            *_history("nev_share_of_new_registrations", name="reported NEV share", lang=lang),
            *_targets(targets, "new_vehicle_nev_or_clean_share", when=_mid_year, lang=lang)]
    return figure(data, {"yaxis": {"title": {"text": "share of new vehicles (%)"}, "tickformat": ".0%",
                                   "range": [0, 1.05]},
                         "xaxis": _year_axis(_mid_year, "year (registrations over the year)")},
                  title="New vehicles: NEV or clean share (60% 2025, 70% 2030)", run=run)


def lng_fcev_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, run: str | None = None,
                    summary: pd.DataFrame | None = None, lang: str = "en") -> dict:
    """LNG and fuel-cell vehicle stocks against their 2025 targets."""
    summary = stock_summary(stock) if summary is None else summary
    data = [_line(_year_end(summary.index), summary[metric], label, colour,
                  hover=hover("hover.end", lang, say(label, lang), year="%{x|%Y}", value="%{y:,.0f}"))
            for metric, label, colour in (("lng_vehicle_stock", "LNG vehicles", POWERTRAIN_COLOURS["LNG"]),
                                          ("fcev_stock", "fuel-cell vehicles", POWERTRAIN_COLOURS["FCEV"]))]
    data += _targets(targets, "lng_vehicle_stock", name="LNG target (≥ 20,000)", lang=lang)
    data += _targets(targets, "fcev_stock", name="FCEV target (about 2,000)", lang=lang)
    return figure(data, {"yaxis": {"title": {"text": "stock (vehicles)"}, **_VEHICLES_AXIS},
                         "xaxis": _year_axis(_year_end, "end of year")},
                  title="LNG and fuel-cell vehicle stocks", run=run)


def infrastructure_counts(stations: pd.DataFrame) -> dict[str, int]:
    """Charging points, fast chargers and integrated sites in a run's station table (every
    source: public existing, planned and modelled depots)."""
    return {"charging_facilities_cumulative": int(stations[list(_CHARGER_COLUMNS)].to_numpy().sum()),
            "fast_chargers_cumulative": int(stations[list(_FAST_COLUMNS)].to_numpy().sum()),
            "integrated_energy_supply_stations": int((stations["kind"] == "integrated").sum())}


_PUBLIC_DC = ("dc_60kw", "dc_120kw", "dc_480kw")
#: the parts of a charger count, in stacking order, with their colours
INFRA_PARTS = (("public, existing", "#1f77b4"), ("public, planned", "#2a9d5c"), ("depot (modelled)", "#f2a541"),
               ("private home piles", "#9c6ade"))


def infrastructure_parts(targets: pd.DataFrame, stations: pd.DataFrame, siting: pd.DataFrame | None = None
                         ) -> dict[str, tuple[int, dict[str, float]]]:
    """What each charger target's count is made of, for the target's year: ``{metric: (year,
    {part: count})}``.

    Public existing piles are the run's stations of neither the plan nor the modelled depots;
    public planned piles are the plan's sites built by the target year. When the run models the
    target (``fleetsim site``), the depot piles are the fast-charger count less the public DC
    piles, and the private home piles the charging-point count less the public and depot piles,
    so the parts add up to the modelled value. Otherwise the depots are those of the run's
    station table (its own year) and home piles are not counted.
    """
    source = stations["source"].astype(str)
    public = stations[~source.str.startswith(("plan", "depot"))]
    depot = stations[source.str.startswith("depot")]
    out: dict[str, tuple[int, dict[str, float]]] = {}
    for metric, columns in (("charging_facilities_cumulative", ("ac_7kw", *_PUBLIC_DC)),
                            ("fast_chargers_cumulative", _PUBLIC_DC)):
        rows = targets[targets["metric"] == metric]
        year = int(rows["year"].min()) if len(rows) else 0
        built = siting[siting["year_built"] <= year] if siting is not None and len(siting) else None
        parts = {"public, existing": float(public[list(columns)].to_numpy().sum()),
                 "public, planned": float(built[list(columns)].to_numpy().sum()) if built is not None else 0.0}
        out[metric] = (year, parts)
    modelled = targets.dropna(subset=["modelled_value"]).set_index("metric")["modelled_value"]
    fast_year, fast = out["fast_chargers_cumulative"]
    all_year, every = out["charging_facilities_cumulative"]
    if "fast_chargers_cumulative" in modelled and "charging_facilities_cumulative" in modelled:
        fast["depot (modelled)"] = float(modelled["fast_chargers_cumulative"]) - fast["public, existing"] - fast[
            "public, planned"]
        every["depot (modelled)"] = fast["depot (modelled)"]
        every["private home piles"] = (float(modelled["charging_facilities_cumulative"]) - every["public, existing"]
                                       - every["public, planned"] - every["depot (modelled)"])
    else:
        depot_dc = float(depot[["depot_dc_120kw", *_PUBLIC_DC]].to_numpy().sum())
        fast["depot (modelled)"] = every["depot (modelled)"] = depot_dc
    integrated = targets[targets["metric"] == "integrated_energy_supply_stations"]
    year = int(integrated["year"].min()) if len(integrated) else 0
    planned = 0.0
    if siting is not None and len(siting):
        built = siting[siting["year_built"] <= year]
        planned = float(built.loc[built["kind"] == "integrated", "site"].nunique())
    existing = float((public["kind"] == "integrated").sum())
    out["integrated_energy_supply_stations"] = (year, {"public, existing": existing, "public, planned": planned})
    return out


def infrastructure_figure(targets: pd.DataFrame, stations: pd.DataFrame, *, siting: pd.DataFrame | None = None,
                          run: str | None = None, lang: str = "en") -> dict:
    """Charging points, fast chargers and integrated stations: the plan's target beside the
    run's count for the target's year, stacked by what it counts (public existing, public
    planned, modelled depots, private home piles; see :func:`infrastructure_parts`)."""
    panels = (("charging_facilities_cumulative", "Charging points", "charge points"),
              ("fast_chargers_cumulative", "Fast chargers (DC)", "charge points"),
              ("integrated_energy_supply_stations", "Integrated stations", "stations"))
    parts = infrastructure_parts(targets, stations, siting)
    layout, cells = grid(1, 3, titles=[p[1] for p in panels], hspace=0.1)
    data, legend = [], set()
    colours = dict(INFRA_PARTS)
    for (metric, _, unit), (xref, yref) in zip(panels, cells, strict=True):
        rows = targets[targets["metric"] == metric].sort_values("year")
        year, counts = parts[metric]
        modelled = rows["modelled_value"].dropna()
        for y, v in zip(rows["year"], rows["target_value"], strict=True):
            data.append({"type": "bar", "x": [f"target {int(y)}"], "y": [float(v)], "name": "plan target",
                         "legendgroup": "plan target", "showlegend": "plan target" not in legend,
                         "marker": {"color": TARGET_COLOUR}, "xaxis": xref, "yaxis": yref,
                         "text": [f"{float(v):,.0f}"], "textposition": "outside", "cliponaxis": False,
                         "hovertemplate": hover("hover.plan_target", lang, year=int(y), value="%{y:,.0f}",
                                                unit=say(unit, lang))})
            legend.add("plan target")
        label = f"modelled {year}" if len(modelled) else f"run's stations {year}"
        total = sum(counts.values())
        for key, value in counts.items():
            data.append({"type": "bar", "x": [label], "y": [value], "name": key, "legendgroup": key,
                         "showlegend": key not in legend, "marker": {"color": colours[key]}, "xaxis": xref,
                         "yaxis": yref, "hovertemplate": hover("hover.count", lang, say(label, lang),
                                                               name=say(key, lang), value="%{y:,.0f}",
                                                               unit=say(unit, lang))})
            legend.add(key)
        data.append({"type": "scatter", "mode": "text", "x": [label], "y": [total], "showlegend": False,
                     "text": [f"{total:,.0f}" + ("" if len(modelled) else " (not modelled)")],
                     "textposition": "top center", "xaxis": xref, "yaxis": yref, "hoverinfo": "skip",
                     "cliponaxis": False, "name": "total"})
        layout[f"yaxis{yref[1:]}"].update(
            {"title": {"text": unit}, "tickformat": "~s", "rangemode": "tozero"})
        layout[f"xaxis{xref[1:]}"]["tickfont"] = {"size": 10}
    layout["barmode"] = "stack"
    return figure(data, layout, title="Infrastructure against the 2025 targets, by what is counted", run=run,
                  panel_titles=True)


def bands_figure(bands: pd.DataFrame, figure_name: str, *, run: str | None = None, lang: str = "en") -> dict:
    """One sweep figure for every parameter point: median and p05–p95 band across seeds; the
    figure's name and unit in ``lang`` (the rest is said by :func:`dashboard.style.localise`)."""
    part = bands[bands["figure"] == figure_name]
    if part.empty:
        return empty_figure(i18n.text("fig.no_bands", lang, name=repr(figure_name)), run=run)
    unit = str(part["unit"].iloc[0])
    name = nice_name(figure_name) if lang == "en" else i18n.figure_name(figure_name, lang)
    data = []
    for i, (year, rows) in enumerate(part.sort_values("point").groupby("year", sort=True)):
        data.append({
            "type": "scatter", "mode": "markers", "x": [str(p) for p in rows["point"]], "y": values(rows["p50"]),
            "name": f"{int(year)}: p50 and p05–p95", "marker": {"size": 9, "color": cycle_colour(i)},
            "error_y": {"type": "data", "symmetric": False, "array": values(rows["p95"] - rows["p50"]),
                        "arrayminus": values(rows["p50"] - rows["p05"]), "thickness": 2, "width": 6},
            "customdata": rows[["p05", "p95", "n_seeds"]].to_numpy().tolist(),
            "hovertemplate": _band_hover("hover.point", "%{x}", unit, lang),
        })
    return figure(data, {"xaxis": {"title": {"text": "sweep point (parameter combination)"}, "type": "category"},
                         "yaxis": {"title": {"text": i18n.text("fig.bands_axis", lang, name=name,
                                                               unit=i18n.unit_name(unit, lang))},
                                   "tickformat": "~s"}},
                  title=i18n.text("fig.bands_title", lang, name=name), run=run)


def _year_marker(year: int | None, layout: dict, xref: str = "x", yref: str = "y") -> None:
    """A dotted vertical line at the simulated year, across one panel only."""
    if year is not None:
        layout.setdefault("shapes", []).append(
            {"type": "line", "xref": xref, "x0": year, "x1": year, "yref": f"{yref} domain", "y0": 0, "y1": 1,
             "line": {"color": "#888", "dash": "dot", "width": 1}})


def stock_figure(stock: pd.DataFrame, *, year: int | None = None, run: str | None = None,
                 lang: str = "en") -> dict:
    """Stock by segment (one panel each) and powertrain (stacked areas)."""
    segments = list(dict.fromkeys(stock["segment"]))
    cols = 5
    rows_n = (len(segments) + cols - 1) // cols
    layout, cells = grid(rows_n, cols, titles=[nice_name(s) for s in segments], hspace=0.05, vspace=0.16,
                         share_x=True)
    table = stock.pivot_table(index="year", columns=["segment", "powertrain"], values="vehicles", aggfunc="sum")
    data, shown = [], set()
    for i, (seg, (xref, yref)) in enumerate(zip(segments, cells, strict=False)):
        for pt, colour in POWERTRAIN_COLOURS.items():
            if (seg, pt) not in table.columns or not table[(seg, pt)].any():
                continue
            series = table[(seg, pt)].fillna(0)
            data.append({"type": "scatter", "mode": "lines", "x": values(series.index), "y": values(series),
                         "stackgroup": f"s{i}", "name": pt, "legendgroup": pt, "showlegend": pt not in shown,
                         "line": {"width": 0.5, "color": colour}, "fillcolor": colour, "xaxis": xref, "yaxis": yref,
                         "hovertemplate": hover("hover.segment_year", lang, segment=say(nice_name(seg), lang),
                                                powertrain=say(pt, lang), year="%{x}", value="%{y:,.0f}")})
            shown.add(pt)
        layout[f"yaxis{yref[1:]}"].update({"tickformat": "~s", "rangemode": "tozero"})
        layout[f"xaxis{xref[1:]}"].update({"dtick": 10, "range": [2015, 2035]})
        if i % cols == 0:
            layout[f"yaxis{yref[1:]}"]["title"] = {"text": "vehicles"}
        _year_marker(year, layout, xref, yref)
    return figure(data, layout, title="Stock by segment and powertrain (end of year)", height=460, run=run,
                  width=1240, panel_titles=True)


def energy_figure(energy: pd.DataFrame, *, year: int | None = None, run: str | None = None,
                  lang: str = "en") -> dict:
    """Final energy use of road transport by carrier (stacked), TWh a year."""
    table = energy.pivot_table(index="year", columns="carrier", values="final_energy_gwh", aggfunc="sum") / 1000.0
    order = [c for c in CARRIER_COLOURS if c in table.columns] + [c for c in table.columns if c not in CARRIER_COLOURS]
    data = []
    for i, c in enumerate(order):
        colour = colour_of(c, CARRIER_COLOURS, i)
        data.append({"type": "scatter", "mode": "lines", "x": values(table.index), "y": values(table[c].fillna(0)),
                     "stackgroup": "e", "name": c, "line": {"width": 0.5, "color": colour}, "fillcolor": colour,
                     "hovertemplate": hover("hover.name_year", lang, name=say(c, lang), year="%{x}",
                                            value="%{y:,.2f}", unit=i18n.unit_name("TWh", lang))})
    layout = {"yaxis": {"title": {"text": "final energy (TWh/yr)"}, "rangemode": "tozero"},
              "xaxis": {"title": {"text": "year"}}}
    _year_marker(year, layout)
    return figure(data, layout, title="Energy by carrier", run=run)


def co2_figure(energy: pd.DataFrame, *, year: int | None = None, run: str | None = None,
               lang: str = "en") -> dict:
    """Well-to-wheel CO2 by powertrain (stacked) and the tank-to-wheel total, Mt a year."""
    wtw = energy.pivot_table(index="year", columns="powertrain", values="wtw_co2_t", aggfunc="sum") / 1e6
    ttw = energy.groupby("year")["ttw_co2_t"].sum() / 1e6
    data = [{"type": "scatter", "mode": "lines", "x": values(wtw.index), "y": values(wtw[pt].fillna(0)),
             "stackgroup": "w", "name": f"{pt} well-to-wheel", "line": {"width": 0.5, "color": colour},
             "fillcolor": colour,
             "hovertemplate": hover("hover.name_year", lang, name=say(pt, lang), year="%{x}", value="%{y:,.2f}",
                                    unit=i18n.unit_name("Mt", lang))}
            for pt, colour in POWERTRAIN_COLOURS.items() if pt in wtw.columns]
    data.append(_line(values(ttw.index), ttw, "tank-to-wheel total", "#111", width=2, dash="dash",
                      hover=hover("hover.name_year", lang, name=say("tank-to-wheel", lang), year="%{x}",
                                  value="%{y:,.2f}", unit=i18n.unit_name("Mt", lang))))
    layout = {"yaxis": {"title": {"text": "CO₂ (Mt/yr)"}, "rangemode": "tozero"},
              "xaxis": {"title": {"text": "year"}}}
    _year_marker(year, layout)
    return figure(data, layout, title="CO₂ of road transport", run=run)


def nev_paths_figure(stocks: dict[str, pd.DataFrame], targets: pd.DataFrame | None = None, *,
                     lang: str = "en") -> dict:
    """NEV stock paths of several runs (label → stock table) on one chart."""
    data = []
    for i, (label, stock) in enumerate(stocks.items()):
        nev = stock[stock["powertrain"].isin(NEV_POWERTRAINS)].groupby("year")["vehicles"].sum()
        data.append(_line(_year_end(nev.index), nev, label, cycle_colour(i), width=2.5,
                          hover=f"{label}<br>" + hover("hover.end", lang, year="%{x|%Y}", value="%{y:,.0f}")))
    data += _history("nev_stock", name="reported", lang=lang)
    if targets is not None:
        data += _targets(targets, "nev_stock", lang=lang)
    return figure(data, {"yaxis": {"title": {"text": "NEV stock (vehicles)"}, **_VEHICLES_AXIS},
                         "xaxis": _year_axis(_year_end, "end of year")},
                  title="NEV stock paths", run=" | ".join(stocks))


def load_curves_figure(loads: dict[str, pd.DataFrame], *, lang: str = "en") -> dict:
    """Daily electric charging load of several runs (label → load table), MW per 15 minutes."""
    data = []
    for i, (label, load) in enumerate(loads.items()):
        elec = load[load["carrier"] == "electricity"].groupby("time_min")["value"].sum() / 1000.0
        trace = _line(values(elec.index / 60.0), elec, label, cycle_colour(i), width=2.5,
                      hover=f"{label}<br>" + hover("hover.at_time", lang, time="%{x:.2f}", value="%{y:,.0f}",
                                                   unit=i18n.unit_name("MW", lang)))
        trace["line"]["shape"] = "hv"
        data.append(trace)
    return figure(data, {"xaxis": {"title": {"text": "time of day (h)"}, "range": [0, 24], "dtick": 3},
                         "yaxis": {"title": {"text": "charging power (MW)"}, "rangemode": "tozero"}},
                  title="Charging load through the simulated day", run=" | ".join(loads))
