"""The SimPy fleet model: vehicles drive, spend energy, queue, charge, refuel and swap.

One process per vehicle that needs a shared resource during the day; the process sleeps until its
next decision (energy running low, a break, the end of duty), never one event per trip or road
link: energy use within a driving block is linear in time, so the moment the reserve is reached
is computed, not stepped to. A vehicle that needs no shared resource all day (most private cars
on most days) gets no process at all: its day is accounted in bulk with the same rules.

Home charging has no queue (a private pile serves one car) and is settled for every agent after
the run, from the time it got home and its energy then.

Energy is kept per agent in kWh (batteries) or kg (LNG, H2 tanks); PHEVs drive on electricity
until the battery is empty and then on petrol (litres counted). A vehicle that cannot reach any
suitable station is *stranded*: the event is counted and the vehicle stops for the day.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from network import load_equipment

from .agents import COMMUTE_SEGMENTS, MAX_BLOCKS, Agents
from .charging import charge_minutes, soc_after
from .infrastructure import Infrastructure
from .params import duty_params, sim_constants
from .queues import MonitoredResource

__all__ = ["FleetModel", "SESSION_COLUMNS", "family_of"]

SESSION_COLUMNS = ["agent", "resource", "kind", "arrive_min", "start_min", "end_min", "energy", "power",
                   "dwell_end_min", "soc_start"]
_TRUCKS = ("heavy_truck", "port_tractor", "waste_transfer", "sanitation")
_DAY_MIN = 1440.0


def family_of(segment: str, powertrain: str) -> str | None:
    """Station family a vehicle seeks on the road; None for PHEVs (they switch to petrol)."""
    if powertrain == "LNG":
        return "lng"
    if powertrain == "FCEV":
        return "h2"
    if powertrain != "BEV" or segment == "bus":  # buses charge only at bus depots
        return None
    if segment == "port_tractor":
        return "swap"
    if segment == "heavy_truck":
        return "truck_dc"
    return "dc_public"


@dataclass
class _Plan:
    """Per-agent constants the process reads, unpacked once for speed."""

    cap: float
    per_km: float
    fuel_per_km: float
    reserve: float
    charge_to: float
    break_below: float
    base_below: float
    max_kw: float
    family: str | None
    hybrid: bool


class FleetModel:
    """A representative day of the sampled fleet.

    Parameters
    ----------
    agents, infra
        From :func:`fleetsim.agents.draw_agents` and :func:`fleetsim.infrastructure.build_infrastructure`.
    time_min, dist_km
        Zone-to-zone travel matrices (car speeds; trucks are slower by ``truck_speed_factor``).
    roam_cdf
        Cumulative probability, per base zone, of where a vehicle is when it needs energy.
    rng
        The stream for in-run choices (where a vehicle is when it needs energy).
    """

    def __init__(self, agents: Agents, infra: Infrastructure, *, time_min: np.ndarray, dist_km: np.ndarray,
                 truck_speed_factor: float, roam_cdf: np.ndarray, rng: np.random.Generator):
        self.a, self.infra = agents, infra
        self.time_min, self.dist_km = time_min, dist_km
        self.truck_slowdown = 1.0 / truck_speed_factor
        self.roam_cdf, self.rng = roam_cdf, rng
        self.env = simpy.Environment()
        self.resources = [MonitoredResource(self.env, int(c)) for c in infra.res_capacity]
        equipment = load_equipment()
        self.res_kind = equipment.loc[infra.res_equipment, "supply"].to_numpy() if len(infra.res_equipment) else []
        self.mean_service = np.where(np.isin(infra.res_equipment, ("lng_dispenser", "h2_dispenser")), 10.0,
                                     np.where(infra.res_equipment == "swap_bay", 5.0, 30.0))
        c = sim_constants()
        self.balk_wait, self.max_tries = c["balk_wait_min"], int(c["max_station_tries"])
        self.fuel_handling, self.plug_handling = c["fuel_handling_min"], c["plug_handling_min"]
        n = len(agents)
        self.level = agents.start_level.astype(float).copy()
        self.used = np.zeros(n)
        self.charged = np.zeros(n)
        self.fuel_l = np.zeros(n)
        self.km = np.zeros(n)
        self.stranded = np.zeros(n, dtype=bool)
        self.home_at = np.full(n, np.nan)
        self.sessions: list[tuple] = []
        self.block_km = agents.block_km()
        self.processes = 0

    # ------------------------------------------------------------------ setup
    def _plan(self, i: int) -> _Plan:
        a = self.a
        seg, pt = a.segment[i], a.powertrain[i]
        duty = duty_params()[seg]
        cap = float(a.capacity[i])
        hybrid = pt == "PHEV"
        return _Plan(cap=cap, per_km=float(a.per_km[i]), fuel_per_km=float(a.fuel_per_km[i]),
                     reserve=0.0 if hybrid else duty["seek_energy_soc"] * cap,
                     charge_to=duty["charge_to_soc"], break_below=duty.get("break_charge_below_soc", 0.0) * cap,
                     base_below=duty.get("base_charge_below_soc", 0.0) * cap, max_kw=duty["max_charge_kw"],
                     family=family_of(seg, pt), hybrid=hybrid)

    def needs_process(self) -> np.ndarray:
        """Agents whose day involves a shared resource (a queue), decided before the run."""
        a = self.a
        n = len(a)
        seg = a.segment
        duty = duty_params()
        reserve = np.array([0.0 if pt == "PHEV" else duty[s]["seek_energy_soc"] for s, pt in zip(seg, a.powertrain)])
        energy = self.block_km * a.per_km[:, None]
        low = (a.start_level - energy.sum(axis=1)) < reserve * a.capacity
        low &= a.powertrain != "PHEV"
        has_depot = np.zeros(n, dtype=bool)
        electric = np.isin(a.powertrain, ("BEV", "PHEV")) & (a.depot >= 0)
        has_depot[electric] = self.infra.depot_resource[a.depot[electric]] >= 0
        brk = np.array([duty[s].get("break_charge_below_soc", 0.0) for s in seg]) * a.capacity
        before_break = a.start_level[:, None] - np.cumsum(energy, axis=1)
        at_break = (before_break[:, :-1] < brk[:, None]) & ~np.isnan(a.blocks[:, 1:, 0])
        return low | has_depot | at_break.any(axis=1)

    # ------------------------------------------------------------------ run
    def run(self, progress=None) -> None:
        """Simulate the day; ``progress(done_fraction)`` is called as simulated time passes."""
        need = self.needs_process()
        for i in np.flatnonzero(need):
            self.env.process(self._vehicle(int(i)))
        self.processes = int(need.sum())
        self._bulk_day(np.flatnonzero(~need))
        for hour in range(1, 25):
            self.env.run(until=hour * 60.0)
            if progress:
                progress(hour / 25)
        self.env.run()
        if progress:
            progress(1.0)

    def _bulk_day(self, idx: np.ndarray) -> None:
        """Agents with no shared resource today: drive every block as planned."""
        a = self.a
        km = self.block_km[idx].sum(axis=1)
        energy = km * a.per_km[idx]
        hybrid = a.powertrain[idx] == "PHEV"
        electric = np.where(hybrid, np.minimum(energy, self.level[idx]), energy)
        self.fuel_l[idx] = np.where(hybrid, (energy - electric) / a.per_km[idx] * a.fuel_per_km[idx], 0.0)
        self.level[idx] -= electric
        self.used[idx] += electric
        self.km[idx] += km
        self.home_at[idx] = np.nanmax(a.blocks[idx, :, 1], axis=1)

    # ------------------------------------------------------------------ vehicle
    def _where(self, i: int, k: int) -> int:
        """Zone index of agent ``i`` while driving block ``k``."""
        a = self.a
        if a.segment[i] in COMMUTE_SEGMENTS:
            return int(a.work_zone[i] if k == 0 else a.base_zone[i])
        row = self.roam_cdf[a.base_zone[i]]
        return int(min(np.searchsorted(row, self.rng.random(), side="right"), len(row) - 1))

    def _drive(self, i: int, p: _Plan, minutes: float, energy_per_min: float, km_per_min: float):
        yield self.env.timeout(minutes)
        energy = energy_per_min * minutes
        self.level[i] -= energy
        self.used[i] += energy
        self.km[i] += km_per_min * minutes

    def _vehicle(self, i: int):
        a, env = self.a, self.env
        p = self._plan(i)
        delay = 0.0
        zone = int(a.base_zone[i])
        blocks = a.blocks[i]
        for k in range(MAX_BLOCKS):
            b0, b1 = blocks[k]
            if math.isnan(b0):
                continue
            if k > 0 and self.level[i] < p.break_below:
                yield from self._break_charge(i, p, zone, dwell_end=b0 + delay)
                delay = max(delay, env.now - b0)
            if b0 + delay > env.now:
                yield env.timeout(b0 + delay - env.now)
            minutes = b1 - b0
            energy_rate = self.block_km[i, k] * p.per_km / minutes
            km_rate = self.block_km[i, k] / minutes
            remaining = minutes
            while remaining > 1e-9:
                usable = self.level[i] - p.reserve
                if usable >= energy_rate * remaining:
                    yield from self._drive(i, p, remaining, energy_rate, km_rate)
                    break
                t = max(usable, 0.0) / energy_rate
                yield from self._drive(i, p, t, energy_rate, km_rate)
                remaining -= t
                if p.hybrid:  # the battery is empty: the rest of the block on petrol
                    yield env.timeout(remaining)
                    self.km[i] += km_rate * remaining
                    self.fuel_l[i] += km_rate * remaining * p.fuel_per_km
                    break
                zone = self._where(i, k)
                before = env.now
                found = yield from self._seek(i, p, zone)
                if not found:
                    self.stranded[i] = True
                    return
                delay += env.now - before
            zone = int(a.base_zone[i]) if a.segment[i] in COMMUTE_SEGMENTS else self._where(i, k)
        self.home_at[i] = env.now
        d = a.depot[i]
        if d >= 0 and self.infra.depot_resource[d] >= 0 and self.level[i] < p.base_below:
            next_start = blocks[0, 0] + _DAY_MIN
            yield from self._serve(i, p, int(self.infra.depot_resource[d]), target_soc=1.0, dwell_end=next_start)

    def _break_charge(self, i: int, p: _Plan, zone: int, dwell_end: float):
        d = self.a.depot[i]
        if d >= 0 and self.infra.depot_resource[d] >= 0:
            yield from self._serve(i, p, int(self.infra.depot_resource[d]), target_soc=p.charge_to, dwell_end=dwell_end)
        else:
            yield from self._seek(i, p, zone)

    def _travel(self, i: int, origin: int, dest: int) -> tuple[float, float]:
        slow = self.truck_slowdown if self.a.segment[i] in _TRUCKS else 1.0
        return float(self.time_min[origin, dest]) * slow, float(self.dist_km[origin, dest])

    def _candidates(self, i: int, p: _Plan, zone: int) -> list[int]:
        """The nearest public resources of the vehicle's family, and its own depot if it has one."""
        found = [int(r) for r in self.infra.nearest[p.family][zone] if r >= 0] if p.family else []
        d = self.a.depot[i]
        if d >= 0 and self.infra.depot_resource[d] >= 0 and not p.hybrid:
            found.append(int(self.infra.depot_resource[d]))
        return found

    def _seek(self, i: int, p: _Plan, zone: int):
        """Drive to the best reachable candidate, balking at long queues; False if stranded."""
        candidates = self._candidates(i, p, zone)
        tries = 0
        while candidates:
            scored = []
            for r in candidates:
                t, km = self._travel(i, zone, int(self.infra.res_zone[r]))
                if km * p.per_km <= self.level[i] + 1e-9:
                    wait = self.resources[r].expected_wait_min(self.mean_service[r])
                    scored.append((t + wait, r, t, km))
            if not scored:
                return False
            _, r, t, km = min(scored)
            candidates.remove(r)
            if t > 0:
                yield from self._drive(i, p, t, km * p.per_km / t, km / t)
            zone = int(self.infra.res_zone[r])
            tries += 1
            res = self.resources[r]
            if candidates and tries < self.max_tries and res.expected_wait_min(self.mean_service[r]) > self.balk_wait:
                res.balked += int(self.a.weight[i])
                continue
            yield from self._serve(i, p, r, target_soc=p.charge_to, dwell_end=None)
            return True
        return False

    def _serve(self, i: int, p: _Plan, r: int, *, target_soc: float, dwell_end: float | None):
        """Queue at resource ``r``, take energy up to ``target_soc`` (or until ``dwell_end``)."""
        env, res = self.env, self.resources[r]
        arrive = env.now
        req = res.request()
        yield req
        res.record_wait(env.now - arrive)
        start = env.now
        kind = self.res_kind[r]
        soc = self.level[i] / p.cap
        rate = float(self.infra.res_rate[r])
        if kind == "swapping":
            minutes, new_soc, power = rate, 1.0, 0.0
        elif kind in ("lng", "h2"):  # a tank is always filled up
            need = (1.0 - soc) * p.cap
            minutes, new_soc, power = need / rate + self.fuel_handling, 1.0, rate * 60.0
        else:
            power = min(rate, p.max_kw)
            minutes = float(charge_minutes(soc, max(target_soc, soc), p.cap, power))
            if dwell_end is not None:
                minutes = max(0.0, min(minutes, dwell_end - start - self.plug_handling))
            new_soc = float(soc_after(soc, minutes, p.cap, power))
            minutes += self.plug_handling
        yield env.timeout(minutes)
        res.release(req)
        energy = (new_soc - soc) * p.cap
        self.level[i] += energy
        self.charged[i] += energy
        # running mean of service time, for drivers' wait estimates
        self.mean_service[r] += 0.05 * (minutes - self.mean_service[r])
        self.sessions.append((i, r, kind, arrive, start, env.now, energy, power,
                              env.now if dwell_end is None else max(dwell_end, env.now), soc))

    def settle_home_charging(self) -> pd.DataFrame:
        """Home sessions of every agent with a home pile that got home below its plug-in level.

        A home pile serves one car, so there is no queue; the car charges to full at AC 7 kW
        (or less if the car accepts less) until the next morning's departure.
        """
        a = self.a
        duty = duty_params()
        below = np.array([duty[s].get("base_charge_below_soc", 0.0) for s in a.segment]) * a.capacity
        idx = np.flatnonzero(a.home_charger & ~self.stranded & ~np.isnan(self.home_at) & (self.level < below))
        power = np.minimum(float(load_equipment().at["ac_7kw", "rate"]),
                           np.array([duty[s]["max_charge_kw"] for s in a.segment[idx]]))
        cap = a.capacity[idx]
        soc = self.level[idx] / cap
        dwell_end = a.blocks[idx, 0, 0] + _DAY_MIN
        start = self.home_at[idx] + self.plug_handling
        minutes = np.minimum(charge_minutes(soc, 1.0, cap, power), np.maximum(dwell_end - start, 0.0))
        energy = (soc_after(soc, minutes, cap, power) - soc) * cap
        self.level[idx] += energy
        self.charged[idx] += energy
        return pd.DataFrame({"agent": idx, "resource": -1, "kind": "home", "arrive_min": self.home_at[idx],
                             "start_min": start, "end_min": start + minutes, "energy": energy, "power": power,
                             "dwell_end_min": dwell_end, "soc_start": soc})

    # ------------------------------------------------------------------ results
    def session_table(self) -> pd.DataFrame:
        """Sessions at shared resources, one row each (agent and resource indices)."""
        return pd.DataFrame(self.sessions, columns=SESSION_COLUMNS)
