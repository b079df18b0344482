"""Figures of the Day page: 15-minute load, the deferrable charging band against the virtual
power plant targets, and waits and queues through the simulated day."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import SEGMENT_COLOURS, TARGET_COLOUR, base_layout, colour_of, cycle_colour, new_figure, nice_name

__all__ = ["load_figure", "flexibility_figure", "waits_figure", "mean_wait_by_hour", "queue_through_day",
           "station_group"]

_SLOT = 15
_DAY_SLOTS = np.arange(0, 24 * 60, _SLOT)
# label, unit shown, divisor from the table's unit (kW or kg/h)
_CARRIERS = {"electricity": ("Electricity", "MW", 1000.0), "lng": ("LNG", "t/h", 1000.0),
             "h2": ("Hydrogen", "kg/h", 1.0)}
_HOURS = dict(range=[0, 24], dtick=3, tickvals=list(range(0, 25, 3)),
              ticktext=[f"{h:02d}:00" for h in range(0, 25, 3)])


def station_group(station_id: pd.Series) -> pd.Series:
    """``public``, ``depot`` or ``home`` for each session's station id."""
    sid = station_id.astype(str)
    return pd.Series(np.where(sid == "home", "home", np.where(sid.str.startswith("depot-"), "depot", "public")),
                     index=station_id.index)


def _by_slot_and_segment(load: pd.DataFrame, carrier: str) -> pd.DataFrame:
    part = load[load["carrier"] == carrier]
    table = part.pivot_table(index="time_min", columns="segment", values="value", aggfunc="sum")
    return table.reindex(_DAY_SLOTS, fill_value=0.0).fillna(0.0)


def load_figure(load: pd.DataFrame, *, run: str | None = None) -> go.Figure:
    """Load by carrier (one panel each) and segment (stacked), per 15-minute slot."""
    carriers = [c for c in _CARRIERS if (load["carrier"] == c).any()]
    if not carriers:
        carriers = ["electricity"]
    fig = make_subplots(figure=new_figure(), rows=len(carriers), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[_CARRIERS[c][0] for c in carriers])
    shown = set()
    for row, carrier in enumerate(carriers, start=1):
        label, unit, divisor = _CARRIERS[carrier]
        table = _by_slot_and_segment(load, carrier) / divisor
        for i, seg in enumerate(table.columns):
            fig.add_trace(go.Scatter(
                x=table.index / 60.0, y=table[seg].to_numpy(), mode="lines", stackgroup=carrier, name=nice_name(seg),
                legendgroup=seg, showlegend=seg not in shown, line=dict(width=0.5, shape="hv",
                                                                        color=colour_of(seg, SEGMENT_COLOURS, i)),
                hovertemplate=f"{nice_name(seg)} %{{x:.2f}} h: %{{y:,.1f}} {unit}<extra>{label}</extra>"),
                row=row, col=1)
            shown.add(seg)
        fig.update_yaxes(title_text=unit, rangemode="tozero", row=row, col=1)
    fig.update_xaxes(**_HOURS)
    fig.update_xaxes(title_text="time of day", row=len(carriers), col=1)
    fig.update_annotations(font_size=12)
    return base_layout(fig, title="Energy demand by carrier and segment (15-minute means)",
                       height=180 + 150 * len(carriers), run=run)


def flexibility_figure(flexibility: pd.DataFrame, targets: pd.DataFrame | None = None, *,
                       run: str | None = None) -> go.Figure:
    """Charging power and its deferrable part against the virtual power plant targets (MW)."""
    flex = flexibility.pivot_table(index="time_min", columns="segment", values="flexible_kw", aggfunc="sum")
    flex = flex.reindex(_DAY_SLOTS, fill_value=0.0).fillna(0.0).clip(lower=0.0) / 1000.0
    flex = flex.loc[:, flex.max() > 0]
    total = flexibility.groupby("time_min")["charging_kw"].sum().reindex(_DAY_SLOTS, fill_value=0.0) / 1000.0
    fig = new_figure()
    for i, seg in enumerate(flex.columns):
        fig.add_trace(go.Scatter(x=flex.index / 60.0, y=flex[seg].to_numpy(), mode="lines", stackgroup="flex",
                                 name=f"deferrable: {nice_name(seg)}",
                                 line=dict(width=0.5, shape="hv", color=colour_of(seg, SEGMENT_COLOURS, i)),
                                 hovertemplate=f"{nice_name(seg)} %{{x:.2f}} h: %{{y:,.0f}} MW<extra>deferrable</extra>"))
    fig.add_trace(go.Scatter(x=total.index / 60.0, y=total.to_numpy(), mode="lines", name="charging power",
                             line=dict(color="#111", width=2, shape="hv"),
                             hovertemplate="%{x:.2f} h: %{y:,.0f} MW<extra>charging</extra>"))
    if targets is not None:
        vpp = targets[targets["metric"] == "virtual_power_plant_adjustable_load"].sort_values("year")
        for year, value in zip(vpp["year"], vpp["target_value"]):
            fig.add_hline(y=float(value), line=dict(color=TARGET_COLOUR, dash="dash", width=2),
                          annotation_text=f"VPP target {int(year)}: {value:,.0f} MW",
                          annotation_position="top left", annotation_font_color=TARGET_COLOUR)
    peak = flex.sum(axis=1).max() if len(flex.columns) else 0.0
    fig.update_xaxes(title="time of day", **_HOURS)
    fig.update_yaxes(title="power (MW)", rangemode="tozero")
    return base_layout(fig, title=f"Deferrable charging against the virtual power plant targets "
                                  f"(largest: {peak:,.0f} MW)", height=380, run=run)


def mean_wait_by_hour(sessions: pd.DataFrame) -> pd.DataFrame:
    """Mean wait by arrival hour and station group, weighted by the vehicles each agent stands for.

    Returns
    -------
    pandas.DataFrame
        ``hour, group, wait_min, sessions`` (``sessions`` weighted); home sessions are left out
        since nobody queues for a private pile.
    """
    frame = pd.DataFrame({
        "hour": (sessions["arrive_min"].to_numpy(float) // 60).clip(0, 23).astype(int),
        "group": station_group(sessions["station_id"]).to_numpy(),
        "weight": sessions["weight"].to_numpy(float),
    })
    frame["weighted_wait"] = sessions["wait_min"].to_numpy(float) * frame["weight"]
    frame = frame[frame["group"] != "home"]
    out = frame.groupby(["hour", "group"], as_index=False)[["weighted_wait", "weight"]].sum()
    out["wait_min"] = out["weighted_wait"] / out["weight"].where(out["weight"] > 0)
    return out.rename(columns={"weight": "sessions"})[["hour", "group", "wait_min", "sessions"]]


def queue_through_day(sessions: pd.DataFrame) -> pd.DataFrame:
    """Vehicles waiting in a queue at the middle of each 15-minute slot, by station group.

    Returns
    -------
    pandas.DataFrame
        ``time_min, group, vehicles`` for every slot of the day and the groups public and depot.
    """
    group = station_group(sessions["station_id"]).to_numpy()
    arrive = sessions["arrive_min"].to_numpy(float)
    start = sessions["start_min"].to_numpy(float)
    weight = sessions["weight"].to_numpy(float)
    mid = _DAY_SLOTS + _SLOT / 2.0
    frames = []
    for name in ("public", "depot"):
        keep = (group == name) & (start > arrive)
        # sessions that wrap past midnight count at their time of day
        a, s, w = arrive[keep] % (24 * 60), start[keep] % (24 * 60), weight[keep]
        # a vehicle waits at t when a <= t < s; for a wait across midnight (s < a) when t >= a or
        # t < s. Both are F_a(t) - F_s(t) (+ the weight of the wrapping waits), F the weighted
        # count of times at or before t: O(n log n) rather than a slots x sessions matrix.
        vehicles = _weight_upto(a, w, mid) - _weight_upto(s, w, mid) + w[s < a].sum()
        frames.append(pd.DataFrame({"time_min": _DAY_SLOTS, "group": name, "vehicles": vehicles}))
    return pd.concat(frames, ignore_index=True)


def _weight_upto(times: np.ndarray, weights: np.ndarray, at: np.ndarray) -> np.ndarray:
    order = np.argsort(times, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(weights[order])])
    return cum[np.searchsorted(times[order], at, side="right")]


def waits_figure(sessions: pd.DataFrame, *, run: str | None = None) -> go.Figure:
    """Mean wait by arrival hour (bars) and vehicles queueing through the day (lines)."""
    waits = mean_wait_by_hour(sessions)
    queue = queue_through_day(sessions)
    fig = make_subplots(figure=new_figure(), rows=2, cols=1, shared_xaxes=False, vertical_spacing=0.2,
                        subplot_titles=["Mean wait by arrival hour", "Vehicles waiting in a queue"])
    colours = {"public": "#1f77b4", "depot": "#9467bd"}
    for name in ("public", "depot"):
        part = waits[waits["group"] == name]
        fig.add_trace(go.Bar(x=part["hour"] + 0.5, y=part["wait_min"], name=f"{name} stations", legendgroup=name,
                             marker_color=colours[name], customdata=part[["sessions"]].to_numpy(),
                             hovertemplate=f"{name}, arrivals %{{x:.0f}}:00–: %{{y:.1f}} min mean wait<br>"
                                           "%{customdata[0]:,.0f} sessions<extra></extra>"),
                      row=1, col=1)
        rows = queue[queue["group"] == name]
        fig.add_trace(go.Scatter(x=rows["time_min"] / 60.0, y=rows["vehicles"], mode="lines",
                                 name=f"{name} stations", legendgroup=name, showlegend=False,
                                 line=dict(color=colours[name], width=2, shape="hv"),
                                 hovertemplate=f"{name} %{{x:.2f}} h: %{{y:,.0f}} vehicles queueing<extra></extra>"),
                      row=2, col=1)
    fig.update_xaxes(**_HOURS)
    fig.update_xaxes(title_text="arrival hour", row=1, col=1)
    fig.update_xaxes(title_text="time of day", row=2, col=1)
    fig.update_yaxes(title_text="wait (min)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="vehicles", rangemode="tozero", row=2, col=1)
    fig.update_layout(barmode="group")
    fig.update_annotations(font_size=12)
    return base_layout(fig, title="Waits and queues at public and depot stations", height=460, run=run)
