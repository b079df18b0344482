"""Each agent's charging rules as arrays, and the state of charge its habits settle to.

The rules (all in ``duty_cycles.csv``):

* on the road, a battery vehicle seeks energy when it reaches ``seek_energy_soc`` and charges to
  ``charge_to_soc``; LNG and hydrogen vehicles fill the tank;
* between blocks (shift change, lunch, arrival at work) it tops up when below
  ``break_charge_below_soc`` (at its depot, or at a public station near base); a commuter without
  a home pile who uses public AC plugs in at work when below ``work_charge_below_soc``;
* at the end of its day, a vehicle with a home pile or a depot plugs in there when below
  ``base_charge_below_soc`` and charges to full before the next departure; a vehicle without
  either charges at a public station near base when below ``end_charge_below_soc`` (AC
  overnight for cars, DC for taxis and ride-hailing).

The morning state of charge is where these habits leave a vehicle after many days:
:func:`settle_start_levels` runs every agent's rules over ``settle_days`` days of random
distance (in bulk, without queues) and starts the simulated day from there, so the day takes in
as much energy as it uses (the representative day is periodic).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .agents import COMMUTE_SEGMENTS, Agents
from .params import duty_params

__all__ = ["Rules", "agent_rules", "family_of", "settle_start_levels"]

_TRUCKS = ("heavy_truck", "port_tractor", "waste_transfer", "sanitation")


def family_of(segment: str, powertrain: str) -> str | None:
    """Station family a vehicle seeks on the road; None for PHEVs (they switch to petrol) and
    buses (they return to a bus depot)."""
    if powertrain == "LNG":
        return "lng"
    if powertrain == "FCEV":
        return "h2"
    if powertrain != "BEV" or segment == "bus":
        return None
    if segment == "port_tractor":
        return "swap"
    if segment == "heavy_truck":
        return "truck_dc"
    return "dc_public"


def _per_segment(a: Agents, name: str, default: float = np.nan) -> np.ndarray:
    return a.per_segment({s: d.get(name, default) for s, d in duty_params().items()})


@dataclass
class Rules:
    """Thresholds per agent in the agent's own energy unit (kWh or kg)."""

    reserve: np.ndarray          # seek energy on the road below this
    charge_to_soc: np.ndarray    # public and break charging stop here
    break_below: np.ndarray      # top up between blocks below this (0: never)
    base_below: np.ndarray       # plug in at home or depot at the end of the day below this
    end_below: np.ndarray        # no home or depot: charge near base at the end of the day below this
    end_at_ac: np.ndarray        # bool, that end-of-day charge is at public AC (else DC)
    max_kw: np.ndarray           # charging power the vehicle accepts
    hybrid: np.ndarray           # bool, PHEV: switches to petrol when empty, never seeks energy
    slowdown: np.ndarray         # travel-time multiplier (trucks are slower)
    commuter: np.ndarray         # bool
    family: list                 # station family sought on the road, per agent (str or None)
    plugs_at_base: np.ndarray    # bool, a home pile or a depot pile waits at the end of the day


def agent_rules(a: Agents, *, has_depot_pile: np.ndarray, truck_speed_factor: float) -> Rules:
    """The rules of every agent; ``has_depot_pile`` marks agents whose depot has piles."""
    seg, pt = a.segment, a.powertrain
    hybrid = pt == "PHEV"
    cap = a.store_capacity
    reserve = np.where(hybrid, 0.0, _per_segment(a, "seek_energy_soc") * cap)
    break_soc = _per_segment(a, "break_charge_below_soc", 0.0)
    work_soc = _per_segment(a, "work_charge_below_soc", 0.0)
    commuter = a.of_segment(*COMMUTE_SEGMENTS)
    # a commuter who uses public AC tops up at work; nobody else stops on the way
    break_soc = np.where(a.ac_user & commuter, np.maximum(break_soc, work_soc), break_soc)
    plugs_at_base = (a.home_charger | has_depot_pile) & np.isin(pt, ("BEV", "PHEV"))
    end_soc = np.where(plugs_at_base | hybrid, 0.0, _per_segment(a, "end_charge_below_soc", 0.0))
    end_at_ac = _per_segment(a, "end_charge_at_ac", 0.0) > 0
    # only public-AC users charge overnight at AC; other cars without a home pile use DC when low
    end_soc = np.where(end_at_ac & ~a.ac_user, 0.0, end_soc)
    pairs = {(s, p): family_of(s, p) for s, p in set(zip(seg.tolist(), pt.tolist(), strict=True))}
    return Rules(
        reserve=reserve, charge_to_soc=_per_segment(a, "charge_to_soc"), break_below=break_soc * cap,
        base_below=np.where(plugs_at_base, _per_segment(a, "base_charge_below_soc", 0.0), 0.0) * cap,
        end_below=end_soc * cap, end_at_ac=end_at_ac & a.ac_user, max_kw=_per_segment(a, "max_charge_kw"),
        hybrid=hybrid, slowdown=np.where(a.of_segment(*_TRUCKS), 1.0 / truck_speed_factor, 1.0), commuter=commuter,
        family=[pairs[(s, p)] for s, p in zip(seg.tolist(), pt.tolist(), strict=True)], plugs_at_base=plugs_at_base,
    )


def settle_start_levels(a: Agents, rules: Rules, *, active_share: np.ndarray, km_sigma: np.ndarray,
                        mean_active_km: np.ndarray, days: int, rng: np.random.Generator) -> np.ndarray:
    """Energy in store at the first departure after ``days`` days of each agent's own habits.

    Each day an agent drives with probability ``active_share`` a lognormal distance around
    ``mean_active_km`` (log-sd ``km_sigma``), split over its blocks as the day plan splits it;
    it tops up between blocks, on the road at its reserve, and at the end of the day, by the
    rules above, with no queue and a full charge wherever it plugs in at base. Vehicles whose
    only source is a public station they may not reach still end in the right range: their
    level is clipped at zero.
    """
    n = len(a)
    cap = a.store_capacity
    level = a.start_store.astype(float).copy()
    dur = np.nan_to_num(a.blocks[:, :, 1] - a.blocks[:, :, 0])
    share = dur / np.maximum(dur.sum(axis=1, keepdims=True), 1e-9)
    top_up = rules.charge_to_soc * cap
    gas = np.isin(a.powertrain, ("LNG", "FCEV"))
    top_up = np.where(gas, cap, top_up)
    # public AC at work and overnight charges to full
    break_top_up = np.where(a.ac_user, cap, top_up)
    # which rule can apply to whom is decided once: the loop below runs days x blocks times over
    # millions of agents, so each step touches only the agents it concerns
    hybrid = np.flatnonzero(rules.hybrid)
    seeks = np.flatnonzero(~rules.hybrid & (rules.reserve > 0))
    reserve, seek_top_up = rules.reserve[seeks], top_up[seeks]
    blocks = [k for k in range(share.shape[1]) if share[:, k].any()]
    block_share = {k: np.ascontiguousarray(share[:, k]) for k in blocks}
    breaks = {k: np.flatnonzero((share[:, k] > 0) & (rules.break_below > 0)) for k in blocks if k > 0}
    base = np.flatnonzero(rules.plugs_at_base)
    overnight = np.flatnonzero(~rules.plugs_at_base & (rules.end_below > 0))
    overnight_to = np.where(rules.end_at_ac, cap, top_up)[overnight]
    spent = np.empty(n)
    for _ in range(days):
        drives = rng.random(n) < active_share
        # rng.normal(mean, sd) is mean + sd x a standard normal draw: the same numbers, drawn faster
        km = np.where(drives, mean_active_km * np.exp(-km_sigma**2 / 2 + km_sigma * rng.standard_normal(n)), 0.0)
        energy = km * a.store_per_km
        for k in blocks:
            if k > 0:
                b = breaks[k]
                due = b[drives[b] & (level[b] < rules.break_below[b])]
                level[due] = np.maximum(level[due], break_top_up[due])
            np.multiply(energy, block_share[k], out=spent)
            level -= spent
            level[hybrid] = np.maximum(level[hybrid], 0.0)  # a PHEV goes on petrol
            low = np.flatnonzero(level[seeks] < reserve)
            # charged at the reserve to the target, the rest of the block driven after
            level[seeks[low]] = level[seeks[low]] + seek_top_up[low] - reserve[low]
        np.maximum(level, 0.0, out=level)
        plugged = base[level[base] < rules.base_below[base]]
        level[plugged] = cap[plugged]
        low = np.flatnonzero(level[overnight] < rules.end_below[overnight])
        level[overnight[low]] = overnight_to[low]
    return np.minimum(level, cap)
