"""Figures of the Targets, Fleet and Scenarios pages, built by pure functions from result tables.

Every function takes DataFrames as read from a results folder (see :mod:`fleetsim.schemas`) and
returns a :class:`plotly.graph_objects.Figure`; none reads files except the shipped reported
history and plan wording. The Day and Stations figures live in :mod:`dashboard.figures_day` and
:mod:`dashboard.figures_map` and are re-exported here.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from demand.params import NEV_POWERTRAINS
from shenzhen_data import data_path

from .figures_day import flexibility_figure, load_figure, mean_wait_by_hour, queue_through_day, waits_figure
from .figures_map import zone_map_figure, zone_shapes, zone_values
from .style import (CARRIER_COLOURS, HISTORY_COLOUR, POWERTRAIN_COLOURS, SEGMENT_COLOURS, TARGET_COLOUR,
                    base_layout, colour_of, cycle_colour, new_figure, empty_figure, nice_name)

__all__ = [
    "reported_history",
    "stock_summary",
    "plan_targets",
    "nev_stock_figure",
    "new_share_figure",
    "lng_fcev_figure",
    "infrastructure_figure",
    "infrastructure_counts",
    "bands_figure",
    "stock_figure",
    "energy_figure",
    "co2_figure",
    "nev_paths_figure",
    "load_curves_figure",
    "empty_figure",
    "load_figure",
    "flexibility_figure",
    "waits_figure",
    "mean_wait_by_hour",
    "queue_through_day",
    "zone_map_figure",
    "zone_values",
    "zone_shapes",
]

_CHARGER_COLUMNS = ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw")
_FAST_COLUMNS = ("dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw")


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


def _year_end(years) -> pd.DatetimeIndex:
    # stocks are end-of-year figures: plotting them on 31 December lines them up with the
    # reported figures, which carry their own dates
    return pd.to_datetime([f"{int(y)}-12-31" for y in years])


def _mid_year(years) -> pd.DatetimeIndex:
    # shares of new registrations are flows over the year
    return pd.to_datetime([f"{int(y)}-07-01" for y in years])


def stock_summary(stock: pd.DataFrame) -> pd.DataFrame:
    """Yearly stock figures the Targets page draws, indexed by year.

    Columns ``nev_stock``, ``lng_vehicle_stock``, ``fcev_stock``, ``nev_share_of_new_registrations``
    and ``new_vehicle_nev_or_clean_share``, defined as in :func:`demand.stock_metrics` (NEV = BEV,
    PHEV and FCEV; "clean" adds LNG) but from one pivot, which keeps a page switch fast.
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


def _metric(summary: pd.DataFrame, name: str) -> pd.Series:
    return summary[name].dropna()


def _target_rows(targets: pd.DataFrame, metric: str) -> pd.DataFrame:
    return targets[targets["metric"] == metric].sort_values("year")


def _add_targets(fig, targets: pd.DataFrame, metric: str, *, when=_year_end, scale=1.0, name="plan target",
                 tolerance=0.05, row=None, col=None, showlegend=True):
    """Target markers: a diamond with the ±5% band for "about", a triangle for "at least"."""
    rows = _target_rows(targets, metric)
    for i, (year, value, bound) in enumerate(zip(rows["year"], rows["target_value"], rows["bound"])):
        about = bound == "about"
        fig.add_trace(go.Scatter(
            x=when([year]), y=[value * scale], mode="markers", name=name, legendgroup=name,
            showlegend=showlegend and i == 0,
            marker=dict(symbol="diamond" if about else "triangle-up", size=13, color=TARGET_COLOUR,
                        line=dict(color="white", width=1)),
            error_y=dict(type="constant", value=value * scale * tolerance, color=TARGET_COLOUR,
                         thickness=2, width=8) if about else None,
            hovertemplate=f"target {int(year)}: %{{y:,.3~s}} ({'about, ±5%' if about else 'at least'})"
                          "<extra></extra>",
        ), row=row, col=col)


def _add_history(fig, metric: str, *, name: str, scale=1.0, row=None, col=None):
    hist = reported_history()
    part = hist[hist["metric"] == metric]
    if part.empty:
        return
    fig.add_trace(go.Scatter(
        x=part["date"], y=part["value"] * scale, mode="markers", name=name,
        marker=dict(symbol="circle", size=8, color=HISTORY_COLOUR),
        customdata=part[["note"]].fillna("").to_numpy(),
        hovertemplate="reported %{x|%Y-%m-%d}: %{y:,.3~s}<br>%{customdata[0]}<extra></extra>",
    ), row=row, col=col)


def _add_bands(fig, bands: pd.DataFrame | None, figure: str, *, when=_year_end):
    """p05–p95 of a sweep, one marker with error bars per parameter point, side by side."""
    if bands is None or bands.empty:
        return
    part = bands[bands["figure"] == figure].sort_values(["point", "year"])
    points = list(dict.fromkeys(part["point"].astype(str)))
    for i, point in enumerate(points):
        rows = part[part["point"].astype(str) == point]
        # spread the points over a few weeks so that the bars of one year do not overlap
        shift = pd.Timedelta(days=30 * (i - (len(points) - 1) / 2))
        fig.add_trace(go.Scatter(
            x=when(rows["year"]) + shift, y=rows["p50"], mode="markers",
            name=f"sweep {point}: p05–p95", marker=dict(size=7, symbol="square"),
            error_y=dict(type="data", symmetric=False, array=rows["p95"] - rows["p50"],
                         arrayminus=rows["p50"] - rows["p05"], thickness=2, width=5),
            customdata=rows[["p05", "p95", "n_seeds"]].to_numpy(),
            hovertemplate=(f"sweep point {point}<br>p50 %{{y:,.4~s}}<br>p05 %{{customdata[0]:,.4~s}} – "
                           "p95 %{customdata[1]:,.4~s}<br>%{customdata[2]} seeds<extra></extra>"),
        ))


def nev_stock_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, bands: pd.DataFrame | None = None,
                     run: str | None = None) -> go.Figure:
    """NEV stock path of the run against the 2025 and 2030 targets, with the reported history."""
    metrics = stock_summary(stock)
    nev = _metric(metrics, "nev_stock")
    fig = new_figure()
    fig.add_trace(go.Scatter(x=_year_end(nev.index), y=nev.to_numpy(), mode="lines", name="modelled NEV stock",
                             line=dict(color=POWERTRAIN_COLOURS["BEV"], width=3),
                             hovertemplate="end %{x|%Y}: %{y:,.0f} NEVs<extra></extra>"))
    _add_history(fig, "nev_stock", name="reported")
    _add_targets(fig, targets, "nev_stock")
    _add_bands(fig, bands, "nev_stock")
    fig.update_yaxes(title="NEV stock (vehicles)", tickformat="~s", rangemode="tozero")
    fig.update_xaxes(title="end of year")
    return base_layout(fig, title="NEV stock against the plan (1.3 M in 2025, 2 M in 2030)", run=run)


def new_share_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, run: str | None = None) -> go.Figure:
    """NEV-or-clean share of new vehicles against the 60% (2025) and 70% (2030) targets."""
    metrics = stock_summary(stock)
    clean = _metric(metrics, "new_vehicle_nev_or_clean_share")
    nev = _metric(metrics, "nev_share_of_new_registrations")
    fig = new_figure()
    fig.add_trace(go.Scatter(x=_mid_year(clean.index), y=clean.to_numpy(), mode="lines",
                             name="modelled NEV or clean (LNG)", line=dict(color=POWERTRAIN_COLOURS["BEV"], width=3),
                             hovertemplate="%{x|%Y}: %{y:.1%}<extra>NEV or clean</extra>"))
    fig.add_trace(go.Scatter(x=_mid_year(nev.index), y=nev.to_numpy(), mode="lines", name="modelled NEV only",
                             line=dict(color=POWERTRAIN_COLOURS["PHEV"], width=2, dash="dot"),
                             hovertemplate="%{x|%Y}: %{y:.1%}<extra>NEV only</extra>"))
    _add_history(fig, "nev_share_of_new_registrations", name="reported NEV share")
    _add_targets(fig, targets, "new_vehicle_nev_or_clean_share", when=_mid_year)
    fig.update_yaxes(title="share of new vehicles (%)", tickformat=".0%", range=[0, 1.05])
    fig.update_xaxes(title="year")
    return base_layout(fig, title="New vehicles: NEV or clean share (60% 2025, 70% 2030)", run=run)


def lng_fcev_figure(stock: pd.DataFrame, targets: pd.DataFrame, *, run: str | None = None) -> go.Figure:
    """LNG and fuel-cell vehicle stocks against their 2025 targets."""
    metrics = stock_summary(stock)
    fig = new_figure()
    for metric, label, colour in (("lng_vehicle_stock", "LNG vehicles", POWERTRAIN_COLOURS["LNG"]),
                                  ("fcev_stock", "fuel-cell vehicles", POWERTRAIN_COLOURS["FCEV"])):
        series = _metric(metrics, metric)
        fig.add_trace(go.Scatter(x=_year_end(series.index), y=series.to_numpy(), mode="lines", name=label,
                                 line=dict(color=colour, width=3),
                                 hovertemplate=f"end %{{x|%Y}}: %{{y:,.0f}}<extra>{label}</extra>"))
    _add_targets(fig, targets, "lng_vehicle_stock", name="LNG target (≥ 20,000)")
    _add_targets(fig, targets, "fcev_stock", name="FCEV target (about 2,000)")
    fig.update_yaxes(title="stock (vehicles)", tickformat="~s", rangemode="tozero")
    fig.update_xaxes(title="end of year")
    return base_layout(fig, title="LNG and fuel-cell vehicle stocks", run=run)


def infrastructure_counts(stations: pd.DataFrame) -> dict[str, int]:
    """Charging points, fast chargers and integrated sites in a run's station table."""
    piles = stations[list(_CHARGER_COLUMNS)].to_numpy().sum()
    fast = stations[list(_FAST_COLUMNS)].to_numpy().sum()
    return {"charging_facilities_cumulative": int(piles), "fast_chargers_cumulative": int(fast),
            "integrated_energy_supply_stations": int((stations["kind"] == "integrated").sum())}


def infrastructure_figure(targets: pd.DataFrame, stations: pd.DataFrame, *, run: str | None = None) -> go.Figure:
    """Charging points, fast chargers and integrated stations: plan target, modelled value (when the
    run models it) and what the run's station table holds."""
    panels = (("charging_facilities_cumulative", "Charging points", "charge points"),
              ("fast_chargers_cumulative", "Fast chargers", "charge points"),
              ("integrated_energy_supply_stations", "Integrated stations", "stations"))
    counts = infrastructure_counts(stations)
    fig = make_subplots(figure=new_figure(), rows=1, cols=3, subplot_titles=[p[1] for p in panels], horizontal_spacing=0.1)
    legend = set()
    for col, (metric, _, unit) in enumerate(panels, start=1):
        rows = _target_rows(targets, metric)
        bars = [(f"plan target {int(y)}", v, TARGET_COLOUR) for y, v in zip(rows["year"], rows["target_value"])]
        modelled = rows["modelled_value"].dropna()
        bars.append(("modelled", float(modelled.iloc[-1]) if len(modelled) else None, "#2a9d5c"))
        bars.append(("in the run's station table", counts[metric], "#1f77b4"))
        for name, value, colour in bars:
            key = name.split(" 20")[0]
            fig.add_trace(go.Bar(x=[name], y=[value if value is not None else 0], name=key, legendgroup=key,
                                 showlegend=key not in legend, marker_color=colour,
                                 text=[f"{value:,.0f}" if value is not None else "not modelled"],
                                 textposition="outside", cliponaxis=False,
                                 hovertemplate=f"{name}: %{{y:,.0f}} {unit}<extra></extra>"), row=1, col=col)
            legend.add(key)
        fig.update_yaxes(title_text=unit, tickformat="~s", row=1, col=col, rangemode="tozero")
    fig.update_xaxes(showticklabels=False)
    return base_layout(fig, title="Infrastructure against the 2025 targets", run=run)


def bands_figure(bands: pd.DataFrame, figure: str, *, run: str | None = None) -> go.Figure:
    """One sweep figure for every parameter point: median and p05–p95 band across seeds."""
    part = bands[bands["figure"] == figure]
    if part.empty:
        return empty_figure(f"the sweep has no bands for {figure!r}", run=run)
    unit = str(part["unit"].iloc[0])
    fig = new_figure()
    for i, (year, rows) in enumerate(part.sort_values("point").groupby("year", sort=True)):
        fig.add_trace(go.Scatter(
            x=rows["point"].astype(str), y=rows["p50"], mode="markers", name=f"{int(year)}: p50 and p05–p95",
            marker=dict(size=9, color=cycle_colour(i)),
            error_y=dict(type="data", symmetric=False, array=rows["p95"] - rows["p50"],
                         arrayminus=rows["p50"] - rows["p05"], thickness=2, width=6),
            customdata=rows[["p05", "p95", "n_seeds"]].to_numpy(),
            hovertemplate=("point %{x}<br>p50 %{y:,.4~s}<br>p05 %{customdata[0]:,.4~s} – p95 "
                           f"%{{customdata[1]:,.4~s}} {unit}<br>%{{customdata[2]}} seeds<extra></extra>"),
        ))
    fig.update_xaxes(title="sweep point (parameter combination)", type="category")
    fig.update_yaxes(title=f"{nice_name(figure)} ({unit})", tickformat="~s")
    return base_layout(fig, title=f"Sweep: {nice_name(figure)} across seeds", run=run)


def stock_figure(stock: pd.DataFrame, *, year: int | None = None, run: str | None = None) -> go.Figure:
    """Stock by segment (one panel each) and powertrain (stacked areas)."""
    segments = list(dict.fromkeys(stock["segment"]))
    cols = 5
    fig = make_subplots(figure=new_figure(), rows=(len(segments) + cols - 1) // cols, cols=cols, shared_xaxes=True,
                        subplot_titles=[nice_name(s) for s in segments], horizontal_spacing=0.05,
                        vertical_spacing=0.14)
    shown = set()
    for i, seg in enumerate(segments):
        part = stock[stock["segment"] == seg]
        for pt in POWERTRAIN_COLOURS:
            rows = part[part["powertrain"] == pt].sort_values("year")
            if rows.empty or not rows["vehicles"].any():
                continue
            fig.add_trace(go.Scatter(
                x=rows["year"], y=rows["vehicles"], mode="lines", stackgroup=f"s{i}", name=pt,
                legendgroup=pt, showlegend=pt not in shown, line=dict(width=0.5, color=POWERTRAIN_COLOURS[pt]),
                hovertemplate=f"{nice_name(seg)} {pt} %{{x}}: %{{y:,.0f}}<extra></extra>"),
                row=i // cols + 1, col=i % cols + 1)
            shown.add(pt)
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    fig.update_yaxes(title_text="vehicles", col=1)
    fig.update_xaxes(dtick=5)
    fig.update_xaxes(title_text="year", row=(len(segments) + cols - 1) // cols)
    if year is not None:
        fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_annotations(font_size=12)
    return base_layout(fig, title="Stock by segment and powertrain (end of year)", height=460, run=run)


def energy_figure(energy: pd.DataFrame, *, year: int | None = None, run: str | None = None) -> go.Figure:
    """Final energy use of road transport by carrier (stacked), TWh a year."""
    by = energy.groupby(["carrier", "year"])["final_energy_gwh"].sum() / 1000.0
    fig = new_figure()
    for i, carrier in enumerate(by.index.get_level_values(0).unique()):
        series = by.loc[carrier]
        fig.add_trace(go.Scatter(x=series.index, y=series.to_numpy(), mode="lines", stackgroup="e", name=carrier,
                                 line=dict(width=0.5, color=colour_of(carrier, CARRIER_COLOURS, i)),
                                 hovertemplate=f"{carrier} %{{x}}: %{{y:,.2f}} TWh<extra></extra>"))
    if year is not None:
        fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(title="final energy (TWh/yr)", rangemode="tozero")
    fig.update_xaxes(title="year")
    return base_layout(fig, title="Energy by carrier", run=run)


def co2_figure(energy: pd.DataFrame, *, year: int | None = None, run: str | None = None) -> go.Figure:
    """Well-to-wheel CO2 by powertrain (stacked) and the tank-to-wheel total, Mt a year."""
    wtw = energy.groupby(["powertrain", "year"])["wtw_co2_t"].sum() / 1e6
    ttw = energy.groupby("year")["ttw_co2_t"].sum() / 1e6
    fig = new_figure()
    for pt in POWERTRAIN_COLOURS:
        if pt not in wtw.index.get_level_values(0):
            continue
        series = wtw.loc[pt]
        fig.add_trace(go.Scatter(x=series.index, y=series.to_numpy(), mode="lines", stackgroup="w",
                                 name=f"{pt} well-to-wheel", line=dict(width=0.5, color=POWERTRAIN_COLOURS[pt]),
                                 hovertemplate=f"{pt} %{{x}}: %{{y:,.2f}} Mt<extra></extra>"))
    fig.add_trace(go.Scatter(x=ttw.index, y=ttw.to_numpy(), mode="lines", name="tank-to-wheel total",
                             line=dict(color="#111", width=2, dash="dash"),
                             hovertemplate="tank-to-wheel %{x}: %{y:,.2f} Mt<extra></extra>"))
    if year is not None:
        fig.add_vline(x=year, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(title="CO₂ (Mt/yr)", rangemode="tozero")
    fig.update_xaxes(title="year")
    return base_layout(fig, title="CO₂ of road transport", run=run)


def nev_paths_figure(stocks: dict[str, pd.DataFrame], targets: pd.DataFrame | None = None) -> go.Figure:
    """NEV stock paths of several runs (label → stock table) on one chart."""
    fig = new_figure()
    for i, (label, stock) in enumerate(stocks.items()):
        nev = stock[stock["powertrain"].isin(NEV_POWERTRAINS)].groupby("year")["vehicles"].sum()
        fig.add_trace(go.Scatter(x=_year_end(nev.index), y=nev.to_numpy(), mode="lines", name=label,
                                 line=dict(width=2.5, color=cycle_colour(i)),
                                 hovertemplate=f"{label}<br>end %{{x|%Y}}: %{{y:,.0f}}<extra></extra>"))
    _add_history(fig, "nev_stock", name="reported")
    if targets is not None:
        _add_targets(fig, targets, "nev_stock")
    fig.update_yaxes(title="NEV stock (vehicles)", tickformat="~s", rangemode="tozero")
    fig.update_xaxes(title="end of year")
    return base_layout(fig, title="NEV stock paths", run=" | ".join(stocks))


def load_curves_figure(loads: dict[str, pd.DataFrame]) -> go.Figure:
    """Daily electric charging load of several runs (label → load table), MW per 15 minutes."""
    fig = new_figure()
    for i, (label, load) in enumerate(loads.items()):
        elec = load[load["carrier"] == "electricity"].groupby("time_min")["value"].sum() / 1000.0
        fig.add_trace(go.Scatter(x=elec.index / 60.0, y=elec.to_numpy(), mode="lines", name=label,
                                 line=dict(width=2.5, color=cycle_colour(i), shape="hv"),
                                 hovertemplate=f"{label}<br>%{{x:.2f}} h: %{{y:,.0f}} MW<extra></extra>"))
    fig.update_xaxes(title="time of day (h)", range=[0, 24], dtick=3)
    fig.update_yaxes(title="charging power (MW)", rangemode="tozero")
    return base_layout(fig, title="Charging load through the simulated day", run=" | ".join(loads))
