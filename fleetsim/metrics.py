"""From a finished day to tables: sessions, station use, 15-minute load, flexibility, vehicles, CO2.

All city figures are weighted: an agent of weight ``w`` stands for ``w`` vehicles. The simulated
day is a representative one, so energy drawn after midnight (the tail of overnight charging)
is folded onto the early hours of the same day.

Power profiles are integrated exactly: a session is one or two intervals of constant power
(full power, then the taper at its mean power; a fuel fill at its mean flow), and the energy of
every 15-minute slot is read off the running integral of those steps, so the slots of a session
add up to its energy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from demand.energy import grid_factor
from demand.params import StockParams, fuel_params

from .charging import taper_split
from .engine import FleetModel
from .params import sim_constants

__all__ = ["SLOT_MIN", "build_tables", "step_integral"]

SLOT_MIN = 15
_DAY = 1440
_CARRIER = {"charging": "electricity", "home": "electricity", "swapping": "electricity", "lng": "lng", "h2": "h2"}
_UNIT = {"electricity": "kWh", "lng": "kg", "h2": "kg"}
_RATE_UNIT = {"electricity": "kW", "lng": "kg/h", "h2": "kg/h"}


def step_integral(group: np.ndarray, start: np.ndarray, end: np.ndarray, rate: np.ndarray,
                  n_groups: int, boundaries: np.ndarray) -> np.ndarray:
    """∫ of Σ rate·1[start, end) up to each boundary, per group: shape (n_groups, len(boundaries)).

    Uses ``Σ w max(0, t - τ)`` over start events (+rate) and end events (−rate), evaluated with
    sorted cumulative sums: O(n log n), no session × slot matrix.
    """
    tau = np.concatenate([start, end])
    w = np.concatenate([rate, -rate])
    g = np.concatenate([group, group])
    span = float(max(boundaries.max(), tau.max() if len(tau) else 0.0)) + 1.0
    key = g * span + tau
    order = np.argsort(key, kind="stable")
    key, w, tau = key[order], w[order], tau[order]
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cwt = np.concatenate([[0.0], np.cumsum(w * tau)])
    group_start = np.searchsorted(key, np.arange(n_groups) * span, side="left")
    query = np.arange(n_groups)[:, None] * span + boundaries[None, :]
    upto = np.searchsorted(key, query, side="left")
    w_sum = cw[upto] - cw[group_start][:, None]
    wt_sum = cwt[upto] - cwt[group_start][:, None]
    return boundaries[None, :] * w_sum - wt_sum


def _intervals(model: FleetModel, sessions: pd.DataFrame) -> pd.DataFrame:
    """Each session as constant-rate intervals (rate in unit per minute)."""
    a = model.a
    cap = a.capacity[sessions["agent"].to_numpy()]
    kind = sessions["kind"].to_numpy()
    energy = sessions["energy"].to_numpy()
    start = sessions["start_min"].to_numpy()
    end = sessions["end_min"].to_numpy()
    power = sessions["power"].to_numpy()
    parts = []
    charging = np.isin(kind, ("charging", "home")) & (energy > 0)
    if charging.any():
        c = np.flatnonzero(charging)
        soc0 = sessions["soc_start"].to_numpy()[c]
        flat, taper = taper_split(soc0, soc0 + energy[c] / cap[c], cap[c], power[c])
        e_flat = power[c] * flat / 60.0
        t0 = end[c] - flat - taper  # handling time comes before the energy flows
        parts.append((c, t0, t0 + flat, e_flat))
        parts.append((c, t0 + flat, t0 + flat + taper, energy[c] - e_flat))
    swap = np.flatnonzero((kind == "swapping") & (energy > 0))
    if len(swap):
        recharge = sim_constants()["swap_pack_recharge_min"]
        parts.append((swap, end[swap], end[swap] + recharge, energy[swap]))
    fuel = np.flatnonzero(np.isin(kind, ("lng", "h2")) & (energy > 0))
    if len(fuel):
        parts.append((fuel, start[fuel], end[fuel], energy[fuel]))
    rows, t0, t1, e = (np.concatenate(x) for x in zip(*parts)) if parts else ([np.zeros(0)] * 4)
    keep = t1 > t0
    rows, t0, t1, e = rows[keep].astype(np.int64), t0[keep], t1[keep], e[keep]
    return pd.DataFrame({"row": rows, "t0": t0, "t1": t1, "rate": e / (t1 - t0)})


def _slot_energy(intervals: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Energy per 15-minute slot and key group, folded onto one day."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    span_days = int(np.ceil(max(intervals["t1"].max(), _DAY) / _DAY)) if len(intervals) else 1
    bounds = np.arange(0, span_days * _DAY + 1, SLOT_MIN, dtype=float)
    grp = codes[intervals["row"].to_numpy()]
    cum = step_integral(grp, intervals["t0"].to_numpy(), intervals["t1"].to_numpy(),
                        intervals["rate"].to_numpy(), len(uniques), bounds)
    per_slot = np.diff(cum, axis=1)
    slots = _DAY // SLOT_MIN
    folded = per_slot.reshape(len(uniques), span_days, slots).sum(axis=1)
    out = pd.DataFrame(folded, index=uniques).stack().rename("energy").reset_index()
    out.columns = list(keys.columns) + ["slot", "energy"]
    out["time_min"] = out["slot"].astype(np.int64) * SLOT_MIN
    return out.drop(columns="slot")


def build_tables(model: FleetModel, home: pd.DataFrame, *, zone_ids: np.ndarray, year: int,
                 stock: StockParams, sample: float) -> dict[str, pd.DataFrame]:
    """All simulation tables of a run (see :mod:`fleetsim.schemas` for their columns)."""
    a, infra = model.a, model.infra
    shared = model.session_table()
    raw = pd.concat([shared, home], ignore_index=True)
    agent = raw["agent"].to_numpy()
    res = raw["resource"].to_numpy()
    is_home = res < 0
    station_ids = infra.stations["station_id"].to_numpy()
    res_safe = np.where(is_home, 0, res)
    carrier = raw["kind"].map(_CARRIER).to_numpy()
    sessions = pd.DataFrame({
        "vehicle": agent.astype(np.int64),
        "segment": a.segment[agent].astype(str),
        "powertrain": a.powertrain[agent].astype(str),
        "station_id": np.where(is_home, "home", station_ids[infra.res_station[res_safe]]).astype(str),
        "equipment": np.where(is_home, "home_ac_7kw", infra.res_equipment[res_safe]).astype(str),
        "zone_id": zone_ids[np.where(is_home, a.base_zone[agent], infra.res_zone[res_safe])].astype(np.int64),
        "origin_zone_id": zone_ids[raw["origin_zone"].to_numpy(np.int64)].astype(np.int64),
        "arrive_min": raw["arrive_min"].to_numpy(float),
        "start_min": raw["start_min"].to_numpy(float),
        "end_min": raw["end_min"].to_numpy(float),
        "wait_min": (raw["start_min"] - raw["arrive_min"]).to_numpy(float),
        "energy": raw["energy"].to_numpy(float),
        "unit": pd.Series(carrier).map(_UNIT).to_numpy().astype(str),
        "weight": a.weight[agent].astype(np.int64),
    })
    order = np.lexsort((sessions["vehicle"].to_numpy(), sessions["start_min"].to_numpy()))
    sessions = sessions.iloc[order].reset_index(drop=True)
    raw = raw.iloc[order].reset_index(drop=True)

    intervals = _intervals(model, raw)
    keys = pd.DataFrame({"zone_id": sessions["zone_id"], "carrier": pd.Series(carrier[order]),
                         "segment": sessions["segment"]})
    weight = sessions["weight"].to_numpy(float)
    intervals["rate"] *= weight[intervals["row"].to_numpy()]
    load = _slot_energy(intervals, keys)
    load["value"] = load["energy"] / SLOT_MIN * 60.0  # unit per hour: kW or kg/h
    load["unit"] = load["carrier"].map(_RATE_UNIT)
    load = load[load["value"] > 0][["time_min", "zone_id", "carrier", "segment", "value", "unit"]]
    load = load.sort_values(["time_min", "zone_id", "carrier", "segment"], ignore_index=True)

    flexibility = _flexibility(raw, intervals, sessions)
    return {
        "sessions": sessions,
        "load": load,
        "flexibility": flexibility,
        "station_use": _station_use(model, sessions),
        "vehicles": _vehicles(model, zone_ids),
        "co2_daily": _co2(model, year, stock),
    }


def _flexibility(raw: pd.DataFrame, intervals: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Charging power that could be deferred in each slot: sessions whose car stays plugged in at
    least one slot longer than it needs (slack ≥ 15 min) could pause now and still finish."""
    slack = raw["dwell_end_min"].to_numpy() - raw["end_min"].to_numpy()
    elec = sessions["unit"].to_numpy() == "kWh"
    flexible = (slack >= SLOT_MIN) & elec
    keys = pd.DataFrame({"segment": sessions["segment"], "flexible": flexible})
    energy = _slot_energy(intervals[elec[intervals["row"].to_numpy()]], keys)
    energy["kw"] = energy["energy"] / SLOT_MIN * 60.0
    table = energy.pivot_table(index=["time_min", "segment"], columns="flexible", values="kw",
                               aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=[False, True], fill_value=0.0)
    out = pd.DataFrame({"charging_kw": table[False] + table[True], "flexible_kw": table[True]}).reset_index()
    return out.sort_values(["time_min", "segment"], ignore_index=True)


def _station_use(model: FleetModel, sessions: pd.DataFrame) -> pd.DataFrame:
    infra = model.infra
    rows = []
    span = max(float(_DAY), model.env.now)
    for r, res in enumerate(model.resources):
        waits = np.asarray(res.waits_min) if res.waits_min else np.zeros(0)
        util = res.busy_server_minutes() / (res.capacity * span)
        rows.append((r, util, res.served, res.balked, res.max_queue,
                     float(np.median(waits)) if len(waits) else 0.0,
                     float(np.quantile(waits, 0.95)) if len(waits) else 0.0))
    use = pd.DataFrame(rows, columns=["r", "utilisation", "served", "balked", "max_queue", "wait_p50_min",
                                      "wait_p95_min"])
    served_w = sessions[sessions["station_id"] != "home"].groupby(["station_id", "equipment"])["weight"].sum()
    return pd.DataFrame({
        "station_id": infra.stations["station_id"].to_numpy()[infra.res_station].astype(str),
        "equipment": infra.res_equipment.astype(str),
        "zone_id": infra.stations["zone_id"].to_numpy()[infra.res_station].astype(np.int64),
        "units": infra.res_count.astype(np.int64),
        "sim_units": infra.res_capacity.astype(np.int64),
        "utilisation": use["utilisation"].to_numpy(),
        "wait_p50_min": use["wait_p50_min"].to_numpy(),
        "wait_p95_min": use["wait_p95_min"].to_numpy(),
        "served_agents": use["served"].to_numpy().astype(np.int64),
        "served_vehicles": [int(served_w.get((s, e), 0)) for s, e in zip(
            infra.stations["station_id"].to_numpy()[infra.res_station], infra.res_equipment)],
        "balked_vehicles": use["balked"].to_numpy().astype(np.int64),
        "max_queue": use["max_queue"].to_numpy().astype(np.int64),
    })


def _vehicles(model: FleetModel, zone_ids: np.ndarray) -> pd.DataFrame:
    a = model.a
    unit = np.where(np.isin(a.powertrain, ("LNG", "FCEV")), "kg", "kWh")
    return pd.DataFrame({
        "vehicle": np.arange(len(a), dtype=np.int64), "segment": a.segment.astype(str),
        "powertrain": a.powertrain.astype(str), "weight": a.weight.astype(np.int64),
        "base_zone_id": zone_ids[a.base_zone].astype(np.int64), "km": model.km,
        "energy_used": model.used, "energy_charged": model.charged, "start_level": a.start_level.astype(float),
        "end_level": model.level, "unit": unit.astype(str), "petrol_l": model.fuel_l,
        "stranded": model.stranded,
    })


def _co2(model: FleetModel, year: int, stock: StockParams) -> pd.DataFrame:
    """Daily CO2 of the simulated fleet by segment and powertrain (tank-to-wheel, well-to-wheel)."""
    a = model.a
    fuels = fuel_params()
    grid = float(grid_factor([year], stock)[0])
    h2_wtt = fuels[("hydrogen", f"wtt_co2_{stock.hydrogen_production_route}")]
    w = a.weight.astype(float)
    frame = pd.DataFrame({"segment": a.segment.astype(str), "powertrain": a.powertrain.astype(str),
                          "used": model.used * w, "petrol": model.fuel_l * w})
    ttw = np.select([frame["powertrain"] == "LNG"], [frame["used"] * fuels[("lng", "ttw_co2")]], 0.0)
    ttw = ttw + frame["petrol"] * fuels[("petrol", "ttw_co2")]
    wtw = ttw + np.select(
        [frame["powertrain"].isin(["BEV", "PHEV"]), frame["powertrain"] == "LNG", frame["powertrain"] == "FCEV"],
        [frame["used"] * grid, frame["used"] * fuels[("lng", "wtt_co2")], frame["used"] * h2_wtt], 0.0)
    wtw = wtw + frame["petrol"] * fuels[("petrol", "wtt_co2")]
    frame["ttw_co2_t"], frame["wtw_co2_t"] = ttw / 1000.0, wtw / 1000.0
    return frame.groupby(["segment", "powertrain"], as_index=False)[["ttw_co2_t", "wtw_co2_t"]].sum()
