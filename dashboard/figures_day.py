"""Figures of the Day page: 15-minute load, the deferrable charging band against the virtual
power plant targets, and waits and queues through the simulated day."""
from __future__ import annotations

import numpy as np
import pandas as pd

from szplan.data import i18n

from .style import SEGMENT_COLOURS, TARGET_COLOUR, colour_of, figure, grid, hline, hover, nice_name, say, values

__all__ = ["load_figure", "flexibility_figure", "waits_figure", "mean_wait_by_hour", "queue_through_day",
           "station_group"]

_SLOT = 15
_DAY_SLOTS = np.arange(0, 24 * 60, _SLOT)
# label, unit shown, divisor from the table's unit (kW or kg/h)
_CARRIERS = {"electricity": ("Electricity", "MW", 1000.0), "lng": ("LNG", "t/h", 1000.0),
             "h2": ("Hydrogen", "kg/h", 1.0)}
_HOURS = {"range": [0, 24], "tickvals": list(range(0, 25, 3)), "ticktext": [f"{h:02d}:00" for h in range(0, 25, 3)]}


def station_group(station_id: pd.Series) -> pd.Series:
    """``public``, ``depot`` or ``home`` for each session's station id."""
    sid = station_id.astype(str)
    return pd.Series(np.where(sid == "home", "home", np.where(sid.str.startswith("depot-"), "depot", "public")),
                     index=station_id.index)


def _by_slot_and_segment(load: pd.DataFrame, carrier: str) -> pd.DataFrame:
    part = load[load["carrier"] == carrier]
    # group-by and unstack: a few times quicker than pivot_table, and a page switch waits on it
    table = part.groupby(["time_min", "segment"])["value"].sum().unstack("segment")
    return table.reindex(_DAY_SLOTS, fill_value=0.0).fillna(0.0)


def load_figure(load: pd.DataFrame, *, run: str | None = None, lang: str = "en") -> dict:
    """Load by carrier (one panel each) and segment (stacked), per 15-minute slot."""
    carriers = [c for c in _CARRIERS if (load["carrier"] == c).any()] or ["electricity"]
    layout, cells = grid(len(carriers), 1, titles=[_CARRIERS[c][0] for c in carriers], vspace=0.08, share_x=True)
    data, shown = [], set()
    for carrier, (xref, yref) in zip(carriers, cells, strict=False):
        label, unit, divisor = _CARRIERS[carrier]
        table = _by_slot_and_segment(load, carrier) / divisor
        hours = values(table.index / 60.0)
        for i, seg in enumerate(table.columns):
            colour = colour_of(seg, SEGMENT_COLOURS, i)
            data.append({"type": "scatter", "mode": "lines", "x": hours, "y": values(table[seg]),
                         "stackgroup": carrier, "name": nice_name(seg), "legendgroup": seg,
                         "showlegend": seg not in shown, "xaxis": xref, "yaxis": yref, "fillcolor": colour,
                         "line": {"width": 0.5, "shape": "hv", "color": colour},
                         "hovertemplate": hover("hover.name_at_time", lang, say(label, lang),
                                                name=say(nice_name(seg), lang), time="%{x:.2f}", value="%{y:,.1f}",
                                                unit=i18n.unit_name(unit, lang))})
            shown.add(seg)
        layout[f"yaxis{yref[1:]}"].update({"title": {"text": unit}, "rangemode": "tozero"})
        # the panels share the time axis: tick labels on the lowest only
        layout[f"xaxis{xref[1:]}"].update({**_HOURS, "showticklabels": (xref, yref) == cells[-1]})
    layout[f"xaxis{cells[-1][0][1:]}"]["title"] = {"text": "time of day"}
    return figure(data, layout, title="Demand by carrier and segment (15-minute means)", height=520, run=run,
                  panel_titles=True)


def flexibility_figure(flexibility: pd.DataFrame, targets: pd.DataFrame | None = None, *,
                       run: str | None = None, lang: str = "en") -> dict:
    """Charging power and its deferrable part against the virtual power plant targets (MW)."""
    flex = flexibility.groupby(["time_min", "segment"])["flexible_kw"].sum().unstack("segment")
    flex = flex.reindex(_DAY_SLOTS, fill_value=0.0).fillna(0.0).clip(lower=0.0) / 1000.0
    flex = flex.loc[:, flex.max() > 0]
    total = flexibility.groupby("time_min")["charging_kw"].sum().reindex(_DAY_SLOTS, fill_value=0.0) / 1000.0
    hours = values(flex.index / 60.0)
    data = []
    for i, seg in enumerate(flex.columns):
        colour = colour_of(seg, SEGMENT_COLOURS, i)
        data.append({"type": "scatter", "mode": "lines", "x": hours, "y": values(flex[seg]), "stackgroup": "flex",
                     "name": f"deferrable: {nice_name(seg)}", "fillcolor": colour,
                     "line": {"width": 0.5, "shape": "hv", "color": colour},
                     "hovertemplate": hover("hover.name_at_time", lang, say("deferrable", lang),
                                            name=say(nice_name(seg), lang), time="%{x:.2f}", value="%{y:,.0f}",
                                            unit=i18n.unit_name("MW", lang))})
    data.append({"type": "scatter", "mode": "lines", "x": values(total.index / 60.0), "y": values(total),
                 "name": "charging power", "line": {"color": "#111", "width": 2, "shape": "hv"},
                 "hovertemplate": hover("hover.at_time", lang, say("charging", lang), time="%{x:.2f}",
                                        value="%{y:,.0f}", unit=i18n.unit_name("MW", lang))})
    shapes, notes = [], []
    if targets is not None:
        vpp = targets[targets["metric"] == "virtual_power_plant_adjustable_load"].sort_values("year")
        for year, value in zip(vpp["year"], vpp["target_value"], strict=True):
            # labelled over the morning, when little charges and the line is clear of the areas
            shape, note = hline(float(value), f"VPP target {int(year)}: {value:,.0f} MW", TARGET_COLOUR, label_x=0.27)
            shapes.append(shape)
            notes.append(note)
    peak = float(flex.sum(axis=1).max()) if len(flex.columns) else 0.0
    return figure(data, {"xaxis": {"title": {"text": "time of day"}, **_HOURS},
                         "yaxis": {"title": {"text": "power (MW)"}, "rangemode": "tozero"},
                         "shapes": shapes, "annotations": notes},
                  title=f"Deferrable charging vs VPP targets (largest {peak:,.0f} MW)", height=520, run=run)


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


def waits_figure(sessions: pd.DataFrame, *, run: str | None = None, lang: str = "en") -> dict:
    """Mean wait by arrival hour (bars) and vehicles queueing through the day (lines)."""
    waits = mean_wait_by_hour(sessions)
    queue = queue_through_day(sessions)
    layout, cells = grid(1, 2, titles=["Mean wait by arrival hour", "Vehicles waiting in a queue"], hspace=0.08)
    colours = {"public": "#1f77b4", "depot": "#9467bd"}
    data = []
    for name in ("public", "depot"):
        part = waits[waits["group"] == name]
        data.append({"type": "bar", "x": values(part["hour"] + 0.5), "y": values(part["wait_min"]),
                     "name": f"{name} stations", "legendgroup": name, "marker": {"color": colours[name]},
                     "customdata": [[v] for v in values(part["sessions"])],
                     "hovertemplate": hover("hover.wait", lang, group=say(f"{name} stations", lang),
                                            hour="%{x:.0f}", value="%{y:.1f}", n="%{customdata[0]:,.0f}")})
        rows = queue[queue["group"] == name]
        data.append({"type": "scatter", "mode": "lines", "x": values(rows["time_min"] / 60.0),
                     "y": values(rows["vehicles"]), "name": f"{name} stations", "legendgroup": name,
                     "showlegend": False, "xaxis": cells[1][0], "yaxis": cells[1][1],
                     "line": {"color": colours[name], "width": 2, "shape": "hv"},
                     "hovertemplate": hover("hover.queue", lang, group=say(f"{name} stations", lang),
                                            time="%{x:.2f}", value="%{y:,.0f}")})
    layout["xaxis"].update({**_HOURS, "title": {"text": "arrival hour"}})
    layout["xaxis2"].update({**_HOURS, "title": {"text": "time of day"}})
    layout["yaxis"].update({"title": {"text": "wait (min)"}, "rangemode": "tozero"})
    layout["yaxis2"].update({"title": {"text": "vehicles"}, "rangemode": "tozero"})
    layout["barmode"] = "group"
    return figure(data, layout, title="Waits and queues at public and depot stations", height=380, run=run,
                  width=1240, panel_titles=True)
