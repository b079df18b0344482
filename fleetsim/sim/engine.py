"""The SimPy fleet model: vehicles drive, spend energy, queue, charge, refuel and swap.

One process per vehicle that needs a shared resource during its day. A process sleeps until its
next decision (the reserve is reached, a break where it tops up, the end of its day): energy
use within a driving block is linear in time, so the decision's moment is computed across
blocks and the energy in between is booked in bulk, never stepped trip by trip. A vehicle that
needs no shared resource all day (most private cars on most days) gets no process: its day is
booked in bulk by the same rules.

A vehicle's day runs from its first departure to the same time the next day (its *cycle*); the
tables fold clock minutes onto one day. Nothing outlives the cycle: a driver queued at a public
station leaves after ``queue_patience_min`` and tries the next candidate (at most
``max_station_tries``); a driver turned away everywhere is *unserved* demand, recorded with the
energy it wanted, and stops driving for the day. A vehicle that cannot reach any suitable
station is *stranded*, recorded the same way.

Home charging has no queue (a private pile serves one car) and is settled for every agent after
the run, from the time it got home and its energy then. Drivers who answer time-of-use prices
(:mod:`szplan.fleetsim.sim.tariff`) move the charge into the valley when their dwell allows: at home and
at public AC piles the car is plugged in on arrival and the power flows later; at depots the
vehicle joins the queue when the valley starts, and for overnight DC charging at any time in the
valley that still lets it finish before departure. While the price is
at its peak they do not fill up at public stations: a top-up between shifts waits for the end of
the peak if the battery lasts until then, and a charge on the road takes what the rest of the
day needs.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import simpy

from szplan.network import load_equipment

from .agents import Agents
from .charging import charge_minutes, charge_minutes_one, soc_after, soc_after_one
from .infrastructure import Infrastructure
from .params import sim_constants
from .queues import MonitoredResource
from .rules import Rules
from .tariff import deferred_start_min, deferred_start_min_one, valley_window_spread_min

__all__ = ["FleetModel", "SESSION_COLUMNS", "UNSERVED_COLUMNS"]

SESSION_COLUMNS = ["agent", "resource", "kind", "arrive_min", "start_min", "charge_start_min", "charge_end_min",
                   "end_min", "energy", "power", "dwell_end_min", "soc_start", "origin_zone"]
UNSERVED_COLUMNS = ["agent", "family", "zone", "time_min", "energy", "reason"]
_DAY_MIN = 1440.0
#: station families that sell electricity by the kWh at the operators' time-of-use price
_PEAK_PRICED = ("dc_public", "truck_dc")


class _StartsOn(simpy.Process):
    """A SimPy process whose first step runs when ``event`` fires, instead of on an
    ``Initialize`` event of its own: one scheduled event fewer per vehicle."""

    def __init__(self, env: simpy.Environment, generator, event: simpy.Event):
        simpy.Event.__init__(self, env)
        self._generator = generator
        self._target = event
        event.callbacks.append(self._resume)


class FleetModel:
    """A representative day of the (sampled) fleet.

    Parameters
    ----------
    agents, infra, rules
        From :func:`szplan.fleetsim.sim.agents.draw_agents`,
        :func:`szplan.fleetsim.sim.infrastructure.build_infrastructure` and
        :func:`szplan.fleetsim.sim.rules.agent_rules`.
    time_min, dist_km
        Zone-to-zone travel matrices (car speeds; trucks are slower by the rules' ``slowdown``).
    valley_public, valley_home
        Start and end minute of the valley period of the public and the residential tariff.
    peak_public
        Start and end minutes of the public tariff's peak-priced stretches.
    """

    def __init__(self, agents: Agents, infra: Infrastructure, rules: Rules, *, time_min: np.ndarray,
                 dist_km: np.ndarray, valley_public: tuple[float, float], valley_home: tuple[float, float],
                 peak_public: list[tuple[float, float]] = ()):
        self.a, self.infra, self.rules = agents, infra, rules
        # the processes read single entries, which plain lists give several times faster than arrays
        self.time_rows, self.dist_rows = time_min.tolist(), dist_km.tolist()
        self.nearest = {family: [[r for r in row if r >= 0] for row in table.tolist()]
                        for family, table in infra.nearest.items()}
        self.valley_public, self.valley_home = valley_public, valley_home
        self.peak_public = [(float(s), float(e)) for s, e in peak_public]
        self.env = simpy.Environment()
        self.resources = [MonitoredResource(self.env, int(c)) for c in infra.res_capacity]
        self.reneged = np.zeros(len(self.resources), dtype=np.int64)  # weighted vehicles that left a queue
        equipment = load_equipment()
        self.res_kind = equipment.loc[infra.res_equipment, "supply"].to_numpy().tolist()
        self.res_charges = [kind == "charging" for kind in self.res_kind]
        # equipment.csv's one rate column holds a different quantity per supply, named by its rate_unit
        rates = list(zip(infra.res_rate.tolist(), equipment.loc[infra.res_equipment, "rate_unit"], strict=True))
        self.power_kw = [x if unit == "kW" else 0.0 for x, unit in rates]
        self.fill_kg_per_min = [x if unit == "kg/min" else 0.0 for x, unit in rates]
        self.swap_min = [x if unit == "min/swap" else 0.0 for x, unit in rates]
        self.res_zone = infra.res_zone.tolist()
        self.mean_service_min = infra.res_service_min.astype(float).tolist()
        c = sim_constants()
        self.balk_wait_min, self.max_tries = c["balk_wait_min"], int(c["max_station_tries"])
        self.fuel_handling_min, self.plug_handling_min = c["fuel_handling_min"], c["plug_handling_min"]
        self.patience_min = c["queue_patience_min"]
        self.timer_spread_min = c["timer_spread_min"]
        n = len(agents)
        # store quantities (store, min_store, store_used, store_added) are in each agent's store_unit
        self.store = agents.start_store.astype(float).copy()
        # scalar reads in the processes are faster from lists than from arrays
        self.store_capacity_values = agents.store_capacity.tolist()
        self.weight_list = agents.weight.tolist()
        self.store_used = np.zeros(n)
        self.store_added = np.zeros(n)
        self.petrol_l = np.zeros(n)
        self.km = np.zeros(n)
        self.stranded = np.zeros(n, dtype=bool)
        self.stopped = np.zeros(n, dtype=bool)
        self.home_at = np.full(n, np.nan)
        self.min_store = self.store.copy()
        self.sessions: list[tuple] = []
        self.unserved: list[tuple] = []
        self.block_km = agents.block_km()
        self.processes = 0
        self.events = 0  # SimPy events processed
        depot_res = np.full(n, -1, dtype=np.int64)
        with_depot = agents.depot >= 0
        depot_res[with_depot] = infra.depot_resource[agents.depot[with_depot]]
        depot_res[~rules.plugs_at_base | agents.home_charger] = -1
        self.depot_res = depot_res

    # ------------------------------------------------------------------ who needs a process
    def needs_process(self) -> np.ndarray:
        """Agents whose day involves a shared resource (a queue), decided before the run."""
        a, r = self.a, self.rules
        energy = np.cumsum(self.block_km * a.store_per_km[:, None], axis=1)
        before_block = a.start_store[:, None] - np.concatenate([np.zeros((len(a), 1)), energy[:, :-1]], axis=1)
        end_level = a.start_store - energy[:, -1]
        low = ~r.hybrid & (end_level < r.reserve)
        at_break = (before_block[:, 1:] < r.break_below[:, None]) & ~np.isnan(a.blocks[:, 1:, 0])
        at_break &= (r.break_below > 0)[:, None]
        at_depot = (self.depot_res >= 0) & (end_level < r.base_below)
        overnight = end_level < r.end_below
        return a.active & (low | at_break.any(axis=1) | at_depot | overnight)

    # ------------------------------------------------------------------ run
    def run(self, progress=None) -> None:
        """Simulate the day; ``progress(done_fraction)`` is called as simulated time passes."""
        need = self.needs_process()
        self.processes = int(need.sum())
        self.env.process(self._start_vehicles(self._first_decisions(np.flatnonzero(need))))
        self._bulk_day(np.flatnonzero(~need))
        hours = 36
        for hour in range(1, hours + 1):
            self._run_before(hour * 60.0)
            if progress:
                progress(hour / (hours + 1))
        self._run_before(math.inf)
        if progress:
            progress(1.0)

    def _run_before(self, until_min: float) -> None:
        """Process the events due before ``until_min``, counting them."""
        env, done = self.env, 0
        step, peek = env.step, env.peek
        while peek() < until_min:
            step()
            done += 1
        self.events += done

    def _first_decisions(self, idx: np.ndarray) -> list:
        """``(time, agent, plan, decision)`` of each agent in ``idx`` at its first decision, in
        time order (agent order at equal times); ``plan`` lists its blocks as (start, end, km)."""
        starts = []
        for i, b, k in zip(idx.tolist(), self.a.blocks[idx].tolist(), self.block_km[idx].tolist(), strict=True):
            plan = [(b0, b1, km) for (b0, b1), km in zip(b, k, strict=True) if b0 == b0]  # b0 != b0 for NaN
            first = self._next_decision(i, plan, 0, 0.0, 0.0, 0)
            starts.append((min(first[0], plan[0][0] + _DAY_MIN), i, plan, first))
        starts.sort(key=lambda s: (s[0], s[1]))
        return starts

    def _start_vehicles(self, starts: list):
        """Start each vehicle's process at its first decision, in time order.

        Until then nothing can change its day (its energy is its own), so the process is not
        created before: the event queue holds only vehicles already under way, and the one
        timeout that wakes this starter also starts the vehicle, with no start-up event of its own.
        """
        env = self.env
        for at, i, plan, first in starts:
            wake = env.timeout(max(at - env.now, 0.0))
            _StartsOn(env, self._vehicle(i, plan, first), wake)
            yield wake

    def _bulk_day(self, idx: np.ndarray) -> None:
        """Agents with no shared resource today: drive every block as planned."""
        a = self.a
        km = self.block_km[idx].sum(axis=1)
        energy = km * a.store_per_km[idx]
        hybrid = self.rules.hybrid[idx]
        electric = np.where(hybrid, np.minimum(energy, self.store[idx]), energy)
        self.petrol_l[idx] = np.where(hybrid, (energy - electric) / a.store_per_km[idx] * a.petrol_l_per_km[idx], 0.0)
        self.store[idx] -= electric
        self.store_used[idx] += electric
        self.km[idx] += km
        self.min_store[idx] = self.store[idx]
        self.home_at[idx] = np.where(a.active[idx], np.nanmax(a.blocks[idx, :, 1], axis=1), np.nan)

    # ------------------------------------------------------------------ vehicle
    def _book(self, i: int, energy: float, km: float) -> None:
        """Energy and km driven since the last decision; PHEVs switch to petrol when empty."""
        level = self.store[i]
        electric = min(energy, level) if self.rules.hybrid[i] else energy
        if electric < energy:
            self.petrol_l[i] += (energy - electric) / self.a.store_per_km[i] * self.a.petrol_l_per_km[i]
        self.store[i] = level - electric
        self.store_used[i] += electric
        self.km[i] += km
        self.min_store[i] = min(self.min_store[i], self.store[i])

    def _next_decision(self, i: int, plan: list, k: int, done: float, delay: float, handled: int):
        """From block ``k`` with ``done`` minutes driven: the next decision.

        Returns ``(time, kind, k, done, energy, km)`` with kind ``seek`` (the reserve is reached
        in block k after ``done`` minutes), ``break`` (a top-up is due before block k) or ``end``.
        """
        per_km = self.a.store_per_km[i]
        level, reserve, brk = self.store[i], self.rules.reserve[i], self.rules.break_below[i]
        hybrid = self.rules.hybrid[i]
        energy = km = 0.0
        for j in range(k, len(plan)):
            b0, b1, bkm = plan[j]
            if j > handled and done == 0.0 and j > 0 and brk > 0 and level - energy < brk:
                return plan[j - 1][1] + delay, "break", j, 0.0, energy, km
            minutes = b1 - b0
            use_per_min = bkm * per_km / minutes
            left = minutes - done
            if not hybrid and level - energy - use_per_min * left < reserve:
                t = max(level - energy - reserve, 0.0) / use_per_min
                return b0 + delay + done + t, "seek", j, done + t, energy + use_per_min * t, km + bkm * t / minutes
            energy += use_per_min * left
            km += bkm * left / minutes
            done = 0.0
        return plan[-1][1] + delay, "end", len(plan), 0.0, energy, km

    def _vehicle(self, i: int, plan: list, first: tuple):
        """One vehicle's day from its first decision ``first`` (see :meth:`_next_decision`)."""
        env = self.env
        delay, k, done, handled = 0.0, 0, 0.0, 0
        cycle_end = plan[0][0] + _DAY_MIN
        decision = first
        while True:
            at, kind, k, done, energy, km = decision or self._next_decision(i, plan, k, done, delay, handled)
            decision = None
            at = min(at, cycle_end)
            if at > env.now:
                yield env.timeout(at - env.now)
            self._book(i, energy, km)
            if kind == "end" or env.now >= cycle_end:
                break
            before = env.now
            if kind == "break":
                handled = k
                if self._postpones_top_up(i, plan, k, delay):
                    continue
                yield from self._at_break(i, plan, k, dwell_end=min(plan[k][0] + delay, cycle_end), cycle_end=cycle_end)
                delay = max(delay, env.now - plan[k][0])
                continue
            found = yield from self._seek(i, int(self.a.roam_zone[i, k]), self.rules.family[i], cycle_end=cycle_end,
                                          rest_of_day=self._peak_need(i, plan, k, done))
            if not found:
                self.stopped[i] = True
                return
            delay += env.now - before
        self.home_at[i] = env.now
        yield from self._end_of_day(i, cycle_end)

    def _at_break(self, i: int, plan: list, k: int, *, dwell_end: float, cycle_end: float):
        """A top-up before block ``k``: at work on public AC, at the depot, or near base."""
        a = self.a
        if self.rules.commuter[i] and a.ac_user[i] and k == 1:
            yield from self._plug_ac(i, int(a.work_zone[i]), dwell_end=dwell_end, defer=False)
        elif self.depot_res[i] >= 0:
            yield from self._serve(i, int(self.depot_res[i]), target_soc=self.rules.charge_to_soc[i],
                                   dwell_end=dwell_end, patience_min=max(dwell_end - self.env.now, 0.0))
        elif self.rules.family[i] is not None:
            yield from self._seek(i, int(a.base_zone[i]), self.rules.family[i], cycle_end=cycle_end,
                                  rest_of_day=self._peak_need(i, plan, k, 0.0))

    def _peak_end_min(self, t: float) -> float | None:
        """End of the public tariff's peak stretch holding clock minute ``t``; None outside."""
        day = math.floor(t / _DAY_MIN) * _DAY_MIN
        for start, end in self.peak_public:
            if start <= t - day < end:
                return day + end
        return None

    def _answers_peak_now(self, i: int) -> bool:
        """A responding driver of a peak-priced family while the public price is at its peak."""
        return bool(self.a.responsive[i]) and self.rules.family[i] in _PEAK_PRICED \
            and self._peak_end_min(self.env.now) is not None

    def _peak_need(self, i: int, plan: list, k: int, done: float) -> float | None:
        """The rest of the day's energy when the driver answers the peak price now, else None."""
        return self._energy_left_to_drive(i, plan, k, done) if self._answers_peak_now(i) else None

    def _energy_left_to_drive(self, i: int, plan: list, k: int, done: float) -> float:
        """Energy the rest of the day's blocks use, from block ``k`` after ``done`` minutes."""
        per_km = self.a.store_per_km[i]
        left = 0.0
        for j in range(k, len(plan)):
            b0, b1, bkm = plan[j]
            left += bkm * per_km * (1.0 - (done if j == k else 0.0) / (b1 - b0))
        return left

    def _postpones_top_up(self, i: int, plan: list, k: int, delay: float) -> bool:
        """A responding driver skips a public top-up between blocks while the price is at its
        peak if the battery lasts, with the reserve, until the peak ends."""
        r = self.rules
        if self.depot_res[i] >= 0 or (r.commuter[i] and self.a.ac_user[i] and k == 1) \
                or not self._answers_peak_now(i):
            return False
        peak_end = self._peak_end_min(self.env.now)
        b0, b1, bkm = plan[k]
        driving = max(0.0, min(peak_end, b1 + delay) - max(b0 + delay, self.env.now))
        return self.store[i] - bkm * self.a.store_per_km[i] * driving / (b1 - b0) > r.reserve[i]

    def _end_of_day(self, i: int, cycle_end: float):
        """Charging after the last block, before the next departure (home piles settle later)."""
        r, env = self.rules, self.env
        level = self.store[i]
        if self.depot_res[i] >= 0 and level < r.base_below[i]:
            res = int(self.depot_res[i])
            if self.a.responsive[i]:
                need = self._charge_minutes(i, res, 1.0)
                yield from self._wait_for_valley(i, need, cycle_end)
            yield from self._serve(i, res, target_soc=1.0, dwell_end=cycle_end,
                                   patience_min=max(cycle_end - env.now, 0.0))
        elif level < r.end_below[i]:
            zone = int(self.a.base_zone[i])
            if r.end_at_ac[i]:
                plugged = yield from self._plug_ac(i, zone, dwell_end=cycle_end, defer=bool(self.a.responsive[i]))
                if plugged:
                    return
                # every AC pile near home is taken: a DC top-up near home instead
            if self.a.responsive[i]:
                yield from self._wait_for_valley(i, 60.0, cycle_end, timer=False)
            yield from self._seek(i, zone, r.family[i], cycle_end=cycle_end)

    def _wait_for_valley(self, i: int, need_min: float, cycle_end: float, *, timer: bool = True):
        """Wait for the valley: a depot's timer starts near its first minute; a driver who drives
        to a DC station goes at any time the valley and the dwell allow."""
        spread = self.timer_spread_min if timer else \
            valley_window_spread_min(self.env.now, cycle_end, need_min, self.valley_public)
        start = deferred_start_min_one(self.env.now, cycle_end, need_min, self.valley_public,
                                       spread * self.a.timer_u[i])
        if start > self.env.now:
            yield self.env.timeout(start - self.env.now)

    def _charge_minutes(self, i: int, r: int, target_soc: float) -> float:
        power = min(self.power_kw[r], self.rules.max_kw[i])
        cap = self.store_capacity_values[i]
        soc = self.store[i] / cap
        return charge_minutes_one(soc, max(target_soc, soc), cap, power) + self.plug_handling_min

    def _plug_ac(self, i: int, zone: int, *, dwell_end: float, defer: bool):
        """Take a free public AC pile near ``zone`` for the dwell; no queue (a driver who finds
        none free goes without). Returns whether the car plugged in."""
        level, per_km = self.store[i], self.a.store_per_km[i]
        dist_row, time_row = self.dist_rows[zone], self.time_rows[zone]
        for r in self.nearest["ac_public"][zone]:
            res = self.resources[r]
            if res.count >= res.capacity or dist_row[self.res_zone[r]] * per_km > level:
                continue
            t = time_row[self.res_zone[r]]
            if t > 0:
                yield self.env.timeout(t)
                km = dist_row[self.res_zone[r]]
                self._book(i, km * per_km, km)
            if res.count >= res.capacity:  # taken while driving there
                continue
            yield from self._serve(i, r, target_soc=1.0, dwell_end=max(dwell_end, self.env.now), hold=True,
                                   defer=defer, origin=zone)
            return True
        return False

    def _seek(self, i: int, zone: int, family: str | None, *, cycle_end: float, rest_of_day: float | None = None):
        """Drive to the best reachable candidate, balking at long queues and leaving queues that
        last too long. Returns False (and records unserved demand) if not served.

        ``rest_of_day`` (the day's remaining driving, :meth:`_peak_need`) caps the charge of a
        driver who answers the peak price at that energy above the reserve."""
        candidates = list(self.nearest[family][zone]) if family else []
        if self.depot_res[i] >= 0:
            candidates.append(int(self.depot_res[i]))
        origin = zone
        per_km, slow = self.a.store_per_km[i], self.rules.slowdown[i]
        target_soc = self.rules.charge_to_soc[i]
        if rest_of_day is not None and self._answers_peak_now(i):
            target_soc = min(target_soc, (rest_of_day + self.rules.reserve[i]) / self.store_capacity_values[i])
        wanted = max(target_soc * self.store_capacity_values[i] - self.store[i], 0.0)
        max_kw = self.rules.max_kw[i]
        resources, res_zone, power_kw, res_charges = self.resources, self.res_zone, self.power_kw, self.res_charges
        tries = 0
        while candidates and tries < self.max_tries:
            best = None
            dist_row, time_row = self.dist_rows[zone], self.time_rows[zone]
            reach = self.store[i] + 1e-9
            for r in candidates:
                dest = res_zone[r]
                km = dist_row[dest]
                if km * per_km <= reach:
                    t = time_row[dest] * slow
                    # drivers weigh the trip, the queue and how fast the pile charges
                    charge = wanted / min(power_kw[r], max_kw) * 60.0 if res_charges[r] else 0.0
                    res = resources[r]
                    wait = 0.0 if res.count < res.capacity else res.expected_wait_min(self.mean_service_min[r])
                    score = t + wait + charge
                    if best is None or score < best[0]:
                        best = (score, r, t, km)
            if best is None:
                self.stranded[i] = True
                self.unserved.append((i, family or "depot", origin, self.env.now, wanted, "out_of_reach"))
                return False
            _, r, t, km = best
            candidates.remove(r)
            if t > 0:
                yield self.env.timeout(t)
                self._book(i, km * per_km, km)
            zone = self.res_zone[r]
            tries += 1
            res = resources[r]
            last = not candidates or tries >= self.max_tries
            if not last and res.expected_wait_min(self.mean_service_min[r]) > self.balk_wait_min:
                res.balked += self.weight_list[i]
                continue
            patience_min = min(self.patience_min, max(cycle_end - self.env.now, 0.0))
            served = yield from self._serve(i, r, target_soc=target_soc, dwell_end=None,
                                            origin=origin, patience_min=patience_min)
            if served:
                return True
        if not candidates and tries == 0:
            self.stranded[i] = True
        self.unserved.append((i, family or "depot", origin, self.env.now, wanted,
                              "turned_away" if tries else "out_of_reach"))
        return False

    def _serve(self, i: int, r: int, *, target_soc: float, dwell_end: float | None, origin: int | None = None,
               patience_min: float | None = None, hold: bool = False, defer: bool = False):
        """Queue at resource ``r`` (leaving after ``patience_min`` minutes), take energy up to
        ``target_soc`` or until ``dwell_end``. ``hold`` keeps the pile until ``dwell_end``;
        ``defer`` moves the power flow into the valley. Returns whether it was served."""
        env, res = self.env, self.resources[r]
        arrive = env.now
        ticket = res.request()
        if ticket is not None:
            if patience_min is None:
                yield ticket
            else:
                yield ticket | env.timeout(patience_min)
                if not ticket.triggered:
                    res.give_up(ticket)
                    self.reneged[r] += self.weight_list[i]
                    return False
        res.record_wait(env.now - arrive)
        start = env.now
        kind = self.res_kind[r]
        cap = self.store_capacity_values[i]
        soc = self.store[i] / cap
        if kind == "swapping":
            flow_start, minutes, new_soc, power = start, self.swap_min[r], 1.0, 0.0
        elif kind in ("lng", "h2"):  # a tank is always filled up
            fill = self.fill_kg_per_min[r]
            minutes, new_soc, power = (1.0 - soc) * cap / fill, 1.0, fill * 60.0
            flow_start = start + self.fuel_handling_min
        else:
            power = min(self.power_kw[r], self.rules.max_kw[i])
            minutes = charge_minutes_one(soc, max(target_soc, soc), cap, power)
            flow_start = start + self.plug_handling_min
            if defer and dwell_end is not None:
                flow_start = deferred_start_min_one(flow_start, dwell_end, minutes, self.valley_public,
                                                    self.timer_spread_min * self.a.timer_u[i])
            if dwell_end is not None:
                minutes = max(0.0, min(minutes, dwell_end - flow_start))
            new_soc = soc_after_one(soc, minutes, cap, power)
        flow_end = flow_start + minutes
        release = max(dwell_end, flow_end) if hold and dwell_end is not None else flow_end
        yield env.timeout(release - env.now)
        res.release()
        energy = (new_soc - soc) * cap
        self.store[i] += energy
        self.store_added[i] += energy
        # running mean of occupancy, for drivers' wait estimates
        self.mean_service_min[r] += 0.05 * (release - start - self.mean_service_min[r])
        self.sessions.append((i, r, kind, arrive, start, flow_start, flow_end, env.now, energy, power,
                              env.now if dwell_end is None else max(dwell_end, env.now), soc,
                              self.res_zone[r] if origin is None else origin))
        return True

    # ------------------------------------------------------------------ after the run
    def settle_home_charging(self) -> pd.DataFrame:
        """Home sessions of every agent with a home pile that got home below its plug-in level.

        A home pile serves one car, so there is no queue; the car charges to full at AC 7 kW
        (or less if the car accepts less) before the next departure, in the valley if its
        driver answers time-of-use prices.
        """
        a, r = self.a, self.rules
        idx = np.flatnonzero(a.home_charger & ~self.stranded & ~self.stopped & ~np.isnan(self.home_at)
                             & (self.store < r.base_below))
        power = np.minimum(float(load_equipment().at["ac_7kw", "rate"]), r.max_kw[idx])
        cap = a.store_capacity[idx]
        soc = self.store[idx] / cap
        depart = a.blocks[idx, 0, 0] + _DAY_MIN
        plug = self.home_at[idx] + self.plug_handling_min
        need = charge_minutes(soc, 1.0, cap, power)
        start = np.where(a.responsive[idx], deferred_start_min(plug, depart, need, self.valley_home,
                                                               self.timer_spread_min * a.timer_u[idx]), plug)
        minutes = np.minimum(need, np.maximum(depart - start, 0.0))
        energy = (soc_after(soc, minutes, cap, power) - soc) * cap
        self.store[idx] += energy
        self.store_added[idx] += energy
        return pd.DataFrame({"agent": idx, "resource": -1, "kind": "home", "arrive_min": self.home_at[idx],
                             "start_min": self.home_at[idx], "charge_start_min": start,
                             "charge_end_min": start + minutes, "end_min": depart, "energy": energy,
                             "power": power, "dwell_end_min": depart, "soc_start": soc,
                             "origin_zone": a.base_zone[idx]})

    def session_table(self) -> pd.DataFrame:
        """Sessions at shared resources, one row each (agent and resource indices)."""
        return pd.DataFrame(self.sessions, columns=SESSION_COLUMNS)

    def unserved_table(self) -> pd.DataFrame:
        """Energy demand that found no station: turned away (queues) or out of reach."""
        return pd.DataFrame(self.unserved, columns=UNSERVED_COLUMNS)
