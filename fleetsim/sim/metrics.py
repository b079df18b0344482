"""From a finished day to tables: sessions, station use, 15-minute load, flexibility, vehicles, CO2.

All city figures are weighted: an agent of weight ``w`` stands for ``w`` vehicles. The simulated
day is periodic: each vehicle's day runs from its first departure to the next, so clock minutes
past midnight (a night shift, overnight charging) are folded onto the same day, and a session
is reported from the day it began.

Power profiles are integrated exactly: a session is one or two intervals of constant power
(full power, then the taper at its mean power; a fuel fill at its mean flow), and the energy of
every 15-minute slot is read off the running integral of those steps, so the slots of a session
add up to its energy.

Station use is reported at the station's real size: utilisation is the weighted occupancy over
the real units' day, and in a sampled run waits are evaluated at full scale from the weighted
arrivals (:mod:`szplan.fleetsim.sim.fullscale`); with every vehicle simulated they are the simulation's own.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from szplan.demand.energy import grid_factor
from szplan.demand.params import StockParams, fuel_params

from .charging import taper_split
from .engine import FleetModel
from .fullscale import pooled_waits
from .params import sim_constants
from .vpp import vpp_table

__all__ = ["SLOT_MIN", "build_tables", "step_integral", "weighted_quantile", "PUBLIC_EQUIPMENT"]

#: equipment of public stations (not depots, not home piles)
PUBLIC_EQUIPMENT = ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "lng_dispenser", "h2_dispenser", "swap_bay")

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
    cap = a.store_capacity[sessions["agent"].to_numpy()]
    kind = sessions["kind"].to_numpy()
    energy = sessions["energy"].to_numpy()
    flow_start = sessions["charge_start_min"].to_numpy()
    flow_end = sessions["charge_end_min"].to_numpy()
    end = sessions["end_min"].to_numpy()
    power = sessions["power"].to_numpy()
    parts = []
    charging = np.isin(kind, ("charging", "home")) & (energy > 0)
    if charging.any():
        c = np.flatnonzero(charging)
        soc0 = sessions["soc_start"].to_numpy()[c]
        flat, taper = taper_split(soc0, soc0 + energy[c] / cap[c], cap[c], power[c])
        e_flat = power[c] * flat / 60.0
        t0 = flow_start[c]
        parts.append((c, t0, t0 + flat, e_flat))
        parts.append((c, t0 + flat, np.maximum(flow_end[c], t0 + flat), energy[c] - e_flat))
    swap = np.flatnonzero((kind == "swapping") & (energy > 0))
    if len(swap):
        recharge = sim_constants()["swap_pack_recharge_min"]
        parts.append((swap, end[swap], end[swap] + recharge, energy[swap]))
    fuel = np.flatnonzero(np.isin(kind, ("lng", "h2")) & (energy > 0))
    if len(fuel):
        parts.append((fuel, flow_start[fuel], flow_end[fuel], energy[fuel]))
    rows, t0, t1, e = (np.concatenate(x) for x in zip(*parts, strict=True)) if parts else ([np.zeros(0)] * 4)
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


_TIME_COLUMNS = ("arrive_min", "start_min", "charge_start_min", "charge_end_min", "end_min", "dwell_end_min")


def _fold(raw: pd.DataFrame) -> pd.DataFrame:
    """Shift every session that began after midnight back by whole days (the periodic day)."""
    days = np.floor(raw["arrive_min"].to_numpy(float) / _DAY) * _DAY
    out = raw.copy()
    for column in _TIME_COLUMNS:
        out[column] = out[column].to_numpy(float) - days
    return out


def build_tables(model: FleetModel, home: pd.DataFrame, *, zone_ids: np.ndarray, year: int,
                 stock: StockParams, sample: float, month: int) -> dict[str, pd.DataFrame]:
    """All simulation tables of a run (see :mod:`szplan.fleetsim.runs.schemas` for their columns)."""
    a, infra = model.a, model.infra
    shared = model.session_table()
    raw = _fold(pd.concat([shared, home], ignore_index=True))
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
        "charge_start_min": raw["charge_start_min"].to_numpy(float),
        "charge_end_min": raw["charge_end_min"].to_numpy(float),
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
        "vpp": vpp_table(flexibility),
        "station_use": _station_use(model, raw, sessions, sample),
        "unserved": _unserved(model, zone_ids),
        "vehicles": _vehicles(model, zone_ids),
        "co2_daily": _co2(model, year, stock),
    }


def _charger_class(equipment: np.ndarray) -> np.ndarray:
    return np.where(equipment == "home_ac_7kw", "home", np.where(equipment == "depot_dc_120kw", "depot", "public"))


def _flexibility(raw: pd.DataFrame, intervals: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Charging power by slot, segment and charger class, and the part of it that could be
    deferred: sessions whose car stays plugged in at least one slot longer than it needs
    (slack >= 15 min) could pause now and still finish."""
    slack = raw["dwell_end_min"].to_numpy() - raw["charge_end_min"].to_numpy()
    elec = sessions["unit"].to_numpy() == "kWh"
    flexible = (slack >= SLOT_MIN) & elec
    keys = pd.DataFrame({"segment": sessions["segment"], "charger": _charger_class(sessions["equipment"].to_numpy()),
                         "flexible": flexible})
    energy = _slot_energy(intervals[elec[intervals["row"].to_numpy()]], keys)
    energy["kw"] = energy["energy"] / SLOT_MIN * 60.0
    table = energy.pivot_table(index=["time_min", "segment", "charger"], columns="flexible", values="kw",
                               aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=[False, True], fill_value=0.0)
    out = pd.DataFrame({"charging_kw": table[False] + table[True], "flexible_kw": table[True]}).reset_index()
    out = out[out["charging_kw"] > 0]
    return out.sort_values(["time_min", "segment", "charger"], ignore_index=True)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` with integer or real ``weights`` (0 when empty)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if len(values) == 0 or weights.sum() == 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][min(np.searchsorted(cum, q * cum[-1]), len(values) - 1)])


def _station_use(model: FleetModel, raw: pd.DataFrame, sessions: pd.DataFrame, sample: float) -> pd.DataFrame:
    """Per resource at its real size: utilisation over the day, waits, served, turned away."""
    infra = model.infra
    shared = raw["resource"].to_numpy() >= 0
    res = raw["resource"].to_numpy()[shared].astype(np.int64)
    weight = sessions["weight"].to_numpy(float)[shared]
    occupancy = (raw["end_min"] - raw["start_min"]).to_numpy(float)[shared]
    wait = (raw["start_min"] - raw["arrive_min"]).to_numpy(float)[shared]
    n_res = len(infra.res_count)
    units = infra.res_count.astype(float)
    busy = np.bincount(res, weights=weight * occupancy, minlength=n_res)
    served_w = np.bincount(res, weights=weight, minlength=n_res)
    served_a = np.bincount(res, minlength=n_res)
    station_ids = infra.stations["station_id"].to_numpy()[infra.res_station].astype(str)
    zone = infra.stations["zone_id"].to_numpy()[infra.res_station].astype(np.int64)
    if sample >= 1.0:
        p50 = np.zeros(n_res)
        p95 = np.zeros(n_res)
        mean = np.divide(np.bincount(res, weights=weight * wait, minlength=n_res), served_w,
                         out=np.zeros(n_res), where=served_w > 0)
        order = np.argsort(res, kind="stable")
        bounds = np.searchsorted(res[order], np.arange(n_res + 1))
        for r in np.flatnonzero(served_a > 0):
            rows = order[bounds[r]:bounds[r + 1]]
            p50[r] = weighted_quantile(wait[rows], weight[rows], 0.5)
            p95[r] = weighted_quantile(wait[rows], weight[rows], 0.95)
    else:
        # the pools drivers choose within: a zone's public piles of one type; each depot on its own
        pool = np.where(np.char.startswith(station_ids, "depot-"), station_ids,
                        np.char.add(np.char.add(zone.astype(str), "/"), infra.res_equipment.astype(str)))
        full = pooled_waits(pd.DataFrame({"resource": res, "arrive_min": raw["arrive_min"].to_numpy()[shared],
                                          "start_min": raw["start_min"].to_numpy()[shared],
                                          "end_min": raw["end_min"].to_numpy()[shared], "weight": weight}),
                            infra.res_count, infra.res_equipment, pool)
        mean = full["wait_mean_min"].to_numpy()
        p95 = full["wait_p95_min"].to_numpy()
        p50 = np.full(n_res, np.nan)
    return pd.DataFrame({
        "station_id": station_ids,
        "equipment": infra.res_equipment.astype(str),
        "zone_id": zone,
        "units": infra.res_count.astype(np.int64),
        "sim_units": infra.res_capacity.astype(np.int64),
        # a sampled arrival stands for ``weight`` vehicles: at a small station their offered load can
        # exceed its units, of which at most all can be busy (the rest would have waited or left)
        "utilisation": np.minimum(busy / (units * _DAY), 1.0),
        "wait_mean_min": mean,
        "wait_p50_min": p50,
        "wait_p95_min": p95,
        "served_agents": served_a.astype(np.int64),
        "served_vehicles": served_w.astype(np.int64),
        "balked_vehicles": np.array([r.balked for r in model.resources], dtype=np.int64),
        "reneged_vehicles": model.reneged.astype(np.int64),
        "max_queue": np.array([r.max_queue for r in model.resources], dtype=np.int64),
    })


def _unserved(model: FleetModel, zone_ids: np.ndarray) -> pd.DataFrame:
    """Demand that found no station, by zone of need, station family and reason (weighted)."""
    table = model.unserved_table()
    a = model.a
    unit = a.store_unit
    agent = table["agent"].to_numpy(np.int64)
    frame = pd.DataFrame({"zone_id": zone_ids[table["zone"].to_numpy(np.int64)].astype(np.int64),
                          "family": table["family"].astype(str), "reason": table["reason"].astype(str),
                          "vehicles": a.weight[agent].astype(np.int64),
                          "energy": np.maximum(table["energy"].to_numpy(float), 0.0) * a.weight[agent],
                          "unit": unit[agent].astype(str)})
    out = frame.groupby(["zone_id", "family", "reason", "unit"], as_index=False)[["vehicles", "energy"]].sum()
    return out[["zone_id", "family", "reason", "vehicles", "energy", "unit"]].sort_values(
        ["family", "zone_id", "reason"], ignore_index=True)


def _vehicles(model: FleetModel, zone_ids: np.ndarray) -> pd.DataFrame:
    a = model.a
    unit = a.store_unit
    return pd.DataFrame({
        "vehicle": np.arange(len(a), dtype=np.int64), "segment": a.segment.astype(str),
        "powertrain": a.powertrain.astype(str), "weight": a.weight.astype(np.int64),
        "base_zone_id": zone_ids[a.base_zone].astype(np.int64), "km": model.km,
        "energy_used": model.store_used, "energy_charged": model.store_added,
        "start_level": a.start_store.astype(float), "end_level": model.store, "unit": unit.astype(str),
        "petrol_l": model.petrol_l,
        "stranded": model.stranded, "stopped": model.stopped,
    })


def _co2(model: FleetModel, year: int, stock: StockParams) -> pd.DataFrame:
    """Daily CO2 of the simulated fleet by segment and powertrain (tank-to-wheel, well-to-wheel)."""
    a = model.a
    fuels = fuel_params()
    grid = float(grid_factor([year], stock)[0])
    h2_wtt = fuels[("hydrogen", f"wtt_co2_{stock.hydrogen_production_route}")]
    w = a.weight.astype(float)
    frame = pd.DataFrame({"segment": a.segment.astype(str), "powertrain": a.powertrain.astype(str),
                          "used": model.store_used * w, "petrol": model.petrol_l * w})
    ttw = np.select([frame["powertrain"] == "LNG"], [frame["used"] * fuels[("lng", "ttw_co2")]], 0.0)
    ttw = ttw + frame["petrol"] * fuels[("petrol", "ttw_co2")]
    wtw = ttw + np.select(
        [frame["powertrain"].isin(["BEV", "PHEV"]), frame["powertrain"] == "LNG", frame["powertrain"] == "FCEV"],
        [frame["used"] * grid, frame["used"] * fuels[("lng", "wtt_co2")], frame["used"] * h2_wtt], 0.0)
    wtw = wtw + frame["petrol"] * fuels[("petrol", "wtt_co2")]
    frame["ttw_co2_t"], frame["wtw_co2_t"] = ttw / 1000.0, wtw / 1000.0
    return frame.groupby(["segment", "powertrain"], as_index=False)[["ttw_co2_t", "wtw_co2_t"]].sum()
