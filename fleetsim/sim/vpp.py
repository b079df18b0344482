"""What EV charging can give the virtual power plant, hour by hour, on the basis a grid operator
counts.

The technical flexibility of a 15-minute slot is the charging power of sessions that stay
plugged in at least one slot longer than they need (:mod:`szplan.fleetsim.sim.metrics`). A grid operator
counts only what it can dispatch: power behind an enrolled operator (public stations, depots;
private home piles are not aggregated in Shenzhen), in its dispatch windows, times the share an
enrolled station actually gives up in an event. Every rate is in ``data/params/vpp.csv`` with its
basis. The target figure is the mean dispatchable power over the dispatch-window hours.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from szplan.data.tables import scalar_params

__all__ = ["vpp_params", "dispatch_windows_h", "vpp_table", "vpp_contribution_mw", "VPP_BASIS"]

VPP_BASIS = ("EV charging's dispatchable power: mean over the dispatch-window hours of the deferrable "
             "charging power x enrolled share x event response (data/params/vpp.csv)")


def vpp_params() -> dict[str, float]:
    """``parameter -> value`` of ``vpp.csv`` (a new dict)."""
    return scalar_params("vpp.csv")


def dispatch_windows_h() -> list[tuple[float, float]]:
    """The dispatch windows (start hour, end hour) of ``vpp.csv``."""
    p = vpp_params()
    windows = []
    k = 1
    while f"dispatch_window_{k}_start_h" in p:
        windows.append((p[f"dispatch_window_{k}_start_h"], p[f"dispatch_window_{k}_end_h"]))
        k += 1
    return windows


def vpp_table(flexibility: pd.DataFrame) -> pd.DataFrame:
    """Per hour of the day: charging, deferrable and dispatchable power (MW) by charger class."""
    p = vpp_params()
    enrolled = {"public": p["ev_charging_enrolled_share"], "depot": p["depot_enrolled_share"],
                "home": p["home_enrolled_share"]}
    response = p["ev_event_response_share"]
    hour = (flexibility["time_min"].to_numpy() // 60).astype(np.int64)
    frame = flexibility.assign(hour=hour)
    # mean power over the hour's four slots
    grouped = frame.groupby(["hour", "charger"])[["charging_kw", "flexible_kw"]].sum() / 4.0
    full = pd.MultiIndex.from_product([range(24), ["public", "depot", "home"]], names=["hour", "charger"])
    grouped = grouped.reindex(full, fill_value=0.0).reset_index()
    windows = dispatch_windows_h()
    in_window = grouped["hour"].map(lambda h: any(a <= h < b for a, b in windows))
    share = grouped["charger"].map(enrolled)
    return pd.DataFrame({
        "hour": grouped["hour"].astype(np.int64), "charger": grouped["charger"].astype(str),
        "in_window": in_window.astype(bool),
        "charging_mw": grouped["charging_kw"] / 1000.0,
        "deferrable_mw": grouped["flexible_kw"] / 1000.0,
        "enrolled_share": share.astype(float),
        "dispatchable_mw": grouped["flexible_kw"] / 1000.0 * share * response * in_window,
    })


def vpp_contribution_mw(vpp: pd.DataFrame) -> float:
    """The target figure: mean over the dispatch-window hours of the dispatchable power."""
    hourly = vpp.groupby("hour").agg(dispatchable=("dispatchable_mw", "sum"), window=("in_window", "first"))
    inside = hourly[hourly["window"]]
    return float(inside["dispatchable"].mean()) if len(inside) else 0.0
