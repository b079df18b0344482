"""The SimPy fleet model: vehicles drive, spend energy, queue, charge, refuel and swap.

One process per vehicle that needs a shared resource during the day. A process sleeps until its
next decision (the reserve is reached, a break where it must top up, the end of duty): energy
use within a driving block is linear in time, so the decision's moment is computed across
blocks and the energy in between is booked in bulk, never stepped trip by trip or link by link.
A vehicle that needs no shared resource all day (most private cars on most days) gets no process
at all: its day is booked in bulk by the same rules.

Home charging has no queue (a private pile serves one car) and is settled for every agent after
the run, from the time it got home and its energy then.

Energy is kept per agent in kWh (batteries) or kg (LNG, H2 tanks); PHEVs drive on electricity
until the battery is empty and then on petrol (litres counted), so they never seek energy on the
road. A vehicle that cannot reach any suitable station is *stranded*: the event is counted and
the vehicle stops for the day.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import simpy

from network import load_equipment

from .agents import COMMUTE_SEGMENTS, Agents
from .charging import charge_minutes, charge_minutes_one, soc_after, soc_after_one
from .infrastructure import Infrastructure
from .params import duty_params, sim_constants
from .queues import MonitoredResource

__all__ = ["FleetModel", "SESSION_COLUMNS", "family_of"]

SESSION_COLUMNS = ["agent", "resource", "kind", "arrive_min", "start_min", "end_min", "energy", "power",
                   "dwell_end_min", "soc_start", "origin_zone"]
_TRUCKS = ("heavy_truck", "port_tractor", "waste_transfer", "sanitation")
_DAY_MIN = 1440.0


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


def _per_segment(segments: np.ndarray, name: str, default: float | None = None) -> np.ndarray:
    values = {s: d.get(name, default) for s, d in duty_params().items()}
    return pd.Series(segments).map(values).to_numpy(dtype=float)


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
        self.truck_speed_factor = truck_speed_factor
        self.roam_cdf, self.rng = roam_cdf, rng
        self.env = simpy.Environment()
        self.resources = [MonitoredResource(self.env, int(c)) for c in infra.res_capacity]
        equipment = load_equipment()
        self.res_kind = equipment.loc[infra.res_equipment, "supply"].to_numpy().tolist()
        self.res_rate = infra.res_rate.tolist()
        self.res_zone = infra.res_zone.tolist()
        self.mean_service = np.where(np.isin(infra.res_equipment, ("lng_dispenser", "h2_dispenser")), 10.0,
                                     np.where(infra.res_equipment == "swap_bay", 5.0, 30.0)).tolist()
        c = sim_constants()
        self.balk_wait, self.max_tries = c["balk_wait_min"], int(c["max_station_tries"])
        self.fuel_handling, self.plug_handling = c["fuel_handling_min"], c["plug_handling_min"]
        n = len(agents)
        self.level = agents.start_level.astype(float).copy()
        # scalar reads in the processes are faster from lists than from arrays
        self.capacity_l = agents.capacity.tolist()
        self.used = np.zeros(n)
        self.charged = np.zeros(n)
        self.fuel_l = np.zeros(n)
        self.km = np.zeros(n)
        self.stranded = np.zeros(n, dtype=bool)
        self.home_at = np.full(n, np.nan)
        self.min_level = self.level.copy()
        self.sessions: list[tuple] = []
        self.block_km = agents.block_km()
        self.processes = 0
        self._prepare_rules()

    def _prepare_rules(self) -> None:
        """Per-agent rules as arrays, so a process reads numbers, not tables."""
        a = self.a
        seg, pt = a.segment, a.powertrain
        self.hybrid = pt == "PHEV"
        self.reserve = np.where(self.hybrid, 0.0, _per_segment(seg, "seek_energy_soc") * a.capacity)
        self.charge_to = _per_segment(seg, "charge_to_soc")
        self.break_below = _per_segment(seg, "break_charge_below_soc", 0.0) * a.capacity
        self.base_below = _per_segment(seg, "base_charge_below_soc", 0.0) * a.capacity
        self.max_kw = _per_segment(seg, "max_charge_kw")
        self.slowdown = np.where(np.isin(seg, _TRUCKS), 1.0 / self.truck_speed_factor, 1.0)
        pairs = {(s, p): family_of(s, p) for s, p in set(zip(seg, pt))}
        self.family = [pairs[(s, p)] for s, p in zip(seg, pt)]
        self.commuter = np.isin(seg, COMMUTE_SEGMENTS)
        depot_res = np.full(len(a), -1, dtype=np.int64)
        with_depot = a.depot >= 0
        depot_res[with_depot] = self.infra.depot_resource[a.depot[with_depot]]
        # PHEVs and LNG/FCEV vehicles at a depot do not plug in there
        depot_res[~np.isin(pt, ("BEV", "PHEV"))] = -1
        self.depot_res = depot_res

    # ------------------------------------------------------------------ who needs a process
    def needs_process(self) -> np.ndarray:
        """Agents whose day involves a shared resource (a queue), decided before the run."""
        a = self.a
        energy = self.block_km * a.per_km[:, None]
        low = ~self.hybrid & ((a.start_level - energy.sum(axis=1)) < self.reserve)
        before_break = a.start_level[:, None] - np.cumsum(energy, axis=1)
        at_break = (before_break[:, :-1] < self.break_below[:, None]) & ~np.isnan(a.blocks[:, 1:, 0])
        at_break &= (self.break_below > 0)[:, None]
        return low | (self.depot_res >= 0) | at_break.any(axis=1)

    # ------------------------------------------------------------------ run
    def run(self, progress=None) -> None:
        """Simulate the day; ``progress(done_fraction)`` is called as simulated time passes."""
        need = self.needs_process()
        idx = np.flatnonzero(need)
        blocks = self.a.blocks[idx].tolist()
        kms = self.block_km[idx].tolist()
        for i, b, k in zip(idx.tolist(), blocks, kms):
            plan = [(b0, b1, km) for (b0, b1), km in zip(b, k) if b0 == b0]  # b0 != b0 for NaN
            self.env.process(self._vehicle(i, plan))
        self.processes = len(idx)
        self._bulk_day(np.flatnonzero(~need))
        for hour in range(1, 25):
            self.env.run(until=hour * 60.0)
            if progress:
                progress(hour / 25)
        self.env.run()
        if progress:
            progress(1.0)

    def events_processed(self) -> int:
        """Events scheduled so far (SimPy numbers every event it schedules)."""
        return next(self.env._eid)

    def _bulk_day(self, idx: np.ndarray) -> None:
        """Agents with no shared resource today: drive every block as planned."""
        a = self.a
        km = self.block_km[idx].sum(axis=1)
        energy = km * a.per_km[idx]
        hybrid = self.hybrid[idx]
        electric = np.where(hybrid, np.minimum(energy, self.level[idx]), energy)
        self.fuel_l[idx] = np.where(hybrid, (energy - electric) / a.per_km[idx] * a.fuel_per_km[idx], 0.0)
        self.level[idx] -= electric
        self.used[idx] += electric
        self.km[idx] += km
        self.min_level[idx] = self.level[idx]
        self.home_at[idx] = np.nanmax(a.blocks[idx, :, 1], axis=1)

    # ------------------------------------------------------------------ vehicle
    def _book(self, i: int, energy: float, km: float) -> None:
        """Energy and km driven since the last decision; PHEVs switch to petrol when empty."""
        level = self.level[i]
        electric = min(energy, level) if self.hybrid[i] else energy
        if electric < energy:
            self.fuel_l[i] += (energy - electric) / self.a.per_km[i] * self.a.fuel_per_km[i]
        self.level[i] = level - electric
        self.used[i] += electric
        self.km[i] += km
        self.min_level[i] = min(self.min_level[i], self.level[i])

    def _next_decision(self, i: int, plan: list, k: int, done: float, delay: float, handled: int):
        """From block ``k`` with ``done`` minutes driven: the next decision.

        Returns ``(time, kind, k, done, energy, km)`` with kind ``seek`` (the reserve is reached
        in block k after ``done`` minutes), ``break`` (a top-up is due before block k) or ``end``.
        """
        per_km = self.a.per_km[i]
        level, reserve, brk = self.level[i], self.reserve[i], self.break_below[i]
        hybrid = self.hybrid[i]
        energy = km = 0.0
        for j in range(k, len(plan)):
            b0, b1, bkm = plan[j]
            if j > handled and done == 0.0 and j > 0 and brk > 0 and level - energy < brk:
                return plan[j - 1][1] + delay, "break", j, 0.0, energy, km
            minutes = b1 - b0
            rate = bkm * per_km / minutes
            left = minutes - done
            if not hybrid and level - energy - rate * left < reserve:
                t = max(level - energy - reserve, 0.0) / rate
                return b0 + delay + done + t, "seek", j, done + t, energy + rate * t, km + bkm * t / minutes
            energy += rate * left
            km += bkm * left / minutes
            done = 0.0
        return plan[-1][1] + delay, "end", len(plan), 0.0, energy, km

    def _vehicle(self, i: int, plan: list):
        env = self.env
        delay, k, done, handled = 0.0, 0, 0.0, 0
        while True:
            at, kind, k, done, energy, km = self._next_decision(i, plan, k, done, delay, handled)
            if at > env.now:
                yield env.timeout(at - env.now)
            self._book(i, energy, km)
            if kind == "end":
                break
            before = env.now
            if kind == "break":
                handled = k
                dwell_end = plan[k][0] + delay
                if self.depot_res[i] >= 0:
                    yield from self._serve(i, int(self.depot_res[i]), target_soc=self.charge_to[i], dwell_end=dwell_end)
                else:
                    yield from self._seek(i, int(self.a.base_zone[i]))
                delay = max(delay, env.now - plan[k][0])
                continue
            found = yield from self._seek(i, self._where(i, k))
            if not found:
                self.stranded[i] = True
                return
            delay += env.now - before
        self.home_at[i] = env.now
        if self.depot_res[i] >= 0 and self.level[i] < self.base_below[i]:
            next_start = plan[0][0] + _DAY_MIN
            yield from self._serve(i, int(self.depot_res[i]), target_soc=1.0, dwell_end=next_start)

    def _where(self, i: int, k: int) -> int:
        """Zone index of agent ``i`` while driving block ``k``."""
        a = self.a
        if self.commuter[i]:
            return int(a.work_zone[i] if k == 0 else a.base_zone[i])
        row = self.roam_cdf[a.base_zone[i]]
        return int(min(np.searchsorted(row, self.rng.random(), side="right"), len(row) - 1))

    def _candidates(self, i: int, zone: int) -> list[int]:
        """The nearest public resources of the vehicle's family, and its own depot if it has one."""
        family = self.family[i]
        found = [r for r in self.infra.nearest[family][zone].tolist() if r >= 0] if family else []
        if self.depot_res[i] >= 0:
            found.append(int(self.depot_res[i]))
        return found

    def _seek(self, i: int, zone: int):
        """Drive to the best reachable candidate, balking at long queues; False if stranded."""
        candidates = self._candidates(i, zone)
        origin = zone
        per_km, slow = self.a.per_km[i], self.slowdown[i]
        tries = 0
        while candidates:
            best = None
            for r in candidates:
                dest = self.res_zone[r]
                km = self.dist_km[zone, dest]
                if km * per_km <= self.level[i] + 1e-9:
                    t = self.time_min[zone, dest] * slow
                    score = t + self.resources[r].expected_wait_min(self.mean_service[r])
                    if best is None or score < best[0]:
                        best = (score, r, t, km)
            if best is None:
                return False
            _, r, t, km = best
            candidates.remove(r)
            if t > 0:
                yield self.env.timeout(t)
                self._book(i, km * per_km, km)
            zone = self.res_zone[r]
            tries += 1
            res = self.resources[r]
            if candidates and tries < self.max_tries and res.expected_wait_min(self.mean_service[r]) > self.balk_wait:
                res.balked += int(self.a.weight[i])
                continue
            yield from self._serve(i, r, target_soc=self.charge_to[i], dwell_end=None, origin=origin)
            return True
        return False

    def _serve(self, i: int, r: int, *, target_soc: float, dwell_end: float | None, origin: int | None = None):
        """Queue at resource ``r``, take energy up to ``target_soc`` (or until ``dwell_end``).

        ``origin`` is the zone where the need arose (default: the station's own zone)."""
        env, res = self.env, self.resources[r]
        cap = self.capacity_l[i]
        arrive = env.now
        req = res.request()
        yield req
        res.record_wait(env.now - arrive)
        start = env.now
        kind = self.res_kind[r]
        soc = self.level[i] / cap
        rate = self.res_rate[r]
        if kind == "swapping":
            minutes, new_soc, power = rate, 1.0, 0.0
        elif kind in ("lng", "h2"):  # a tank is always filled up
            minutes, new_soc, power = (1.0 - soc) * cap / rate + self.fuel_handling, 1.0, rate * 60.0
        else:
            power = min(rate, self.max_kw[i])
            minutes = charge_minutes_one(soc, max(target_soc, soc), cap, power)
            if dwell_end is not None:
                minutes = max(0.0, min(minutes, dwell_end - start - self.plug_handling))
            new_soc = soc_after_one(soc, minutes, cap, power)
            minutes += self.plug_handling
        yield env.timeout(minutes)
        res.release(req)
        energy = (new_soc - soc) * cap
        self.level[i] += energy
        self.charged[i] += energy
        # running mean of service time, for drivers' wait estimates
        self.mean_service[r] += 0.05 * (minutes - self.mean_service[r])
        self.sessions.append((i, r, kind, arrive, start, env.now, energy, power,
                              env.now if dwell_end is None else max(dwell_end, env.now), soc,
                              self.res_zone[r] if origin is None else origin))

    # ------------------------------------------------------------------ after the run
    def settle_home_charging(self) -> pd.DataFrame:
        """Home sessions of every agent with a home pile that got home below its plug-in level.

        A home pile serves one car, so there is no queue; the car charges to full at AC 7 kW
        (or less if the car accepts less) until the next morning's departure.
        """
        a = self.a
        idx = np.flatnonzero(a.home_charger & ~self.stranded & ~np.isnan(self.home_at) & (self.level < self.base_below))
        power = np.minimum(float(load_equipment().at["ac_7kw", "rate"]), self.max_kw[idx])
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
                             "dwell_end_min": dwell_end, "soc_start": soc, "origin_zone": a.base_zone[idx]})

    def session_table(self) -> pd.DataFrame:
        """Sessions at shared resources, one row each (agent and resource indices)."""
        return pd.DataFrame(self.sessions, columns=SESSION_COLUMNS)
