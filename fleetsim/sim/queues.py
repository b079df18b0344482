"""Stations as monitored SimPy resources, and the single-station queue calculator.

:class:`MonitoredResource` keeps running statistics rather than an event log (served, balked,
waits, busy server-minutes, longest queue), so a city-wide run with hundreds of thousands of
sessions stays small in memory.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from ..errors import ScenarioError

__all__ = ["MonitoredResource", "QueueResult", "station_queue"]


class _Ticket(simpy.Event):
    """A queued driver's claim on a server; fires when the server is handed over."""

    given_up = False


class MonitoredResource:
    """A station's servers (chargers, dispensers, bays) with a first-come-first-served queue.

    Built on SimPy events but cheaper than ``simpy.Resource``: a driver who finds a free server
    takes it without an event, a release schedules nothing unless it hands the server to the
    next driver in the queue, and a driver who gives up is struck off in constant time (skipped
    when the queue reaches it). Every operation is O(1), whatever the number of servers.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        if capacity < 1:
            raise ScenarioError(f"capacity: must be >= 1, got {capacity}")
        self._env = env
        self.capacity = int(capacity)
        self.count = 0                      # servers in use
        self.queued = 0                     # drivers waiting (given-up ones excluded)
        self._waiting: deque[_Ticket] = deque()
        self.served = 0
        self.balked = 0
        self.max_queue = 0
        self.max_in_service = 0
        self.waits_min: list[float] = []
        self._busy_area = 0.0
        self._last_change = env.now

    def _account(self) -> None:
        now = self._env.now
        self._busy_area += self.count * (now - self._last_change)
        self._last_change = now

    def request(self) -> _Ticket | None:
        """Take a server now (returns None) or join the queue: returns the ticket, an event that
        fires when a server is handed over."""
        if self.count < self.capacity:
            self._account()
            self.count += 1
            return None
        ticket = _Ticket(self._env)
        self._waiting.append(ticket)
        self.queued += 1
        self.max_queue = max(self.max_queue, self.queued)
        return ticket

    def give_up(self, ticket: _Ticket) -> None:
        """Withdraw a queued ``ticket`` that has not been served."""
        ticket.given_up = True
        self.queued -= 1

    def release(self) -> None:
        """Free a server, or hand it straight to the first driver still queued."""
        while self._waiting:
            ticket = self._waiting.popleft()
            if ticket.given_up:
                continue
            self.queued -= 1
            ticket.succeed()
            return
        self._account()
        self.count -= 1

    def record_wait(self, wait_min: float) -> None:
        """Called when a driver gets a server: the wait it had and one more served."""
        self.waits_min.append(wait_min)
        self.served += 1
        self.max_in_service = max(self.max_in_service, self.count)

    def busy_server_minutes(self) -> float:
        self._account()
        return self._busy_area

    def expected_wait_min(self, mean_service_min: float) -> float:
        """A driver's estimate: the queue ahead shared among the servers."""
        if self.count < self.capacity:
            return 0.0
        return (self.queued + self.count - self.capacity + 1) * mean_service_min / self.capacity


@dataclass(frozen=True)
class QueueResult:
    """Outcome of :func:`station_queue`: waits in minutes and the share of server time busy."""

    mean_wait_min: float
    p95_wait_min: float
    utilisation: float
    served: int


def station_queue(arrivals_per_h: float, mean_service_min: float, servers: int, *,
                  hours: float = 2000.0, seed: int = 0, warmup_h: float = 50.0) -> QueueResult:
    """Simulate one station with Poisson arrivals and exponential service (M/M/c).

    The same :class:`MonitoredResource` serves the city model, so this is both a sizing tool for
    planners and the check of the station code against Erlang C. Waits of arrivals during the
    first ``warmup_h`` hours are discarded (the queue starts empty).
    """
    if arrivals_per_h <= 0:
        raise ScenarioError(f"arrivals_per_h: must be > 0, got {arrivals_per_h}")
    if mean_service_min <= 0:
        raise ScenarioError(f"mean_service_min: must be > 0, got {mean_service_min}")
    if servers < 1 or int(servers) != servers:
        raise ScenarioError(f"servers: must be a whole number >= 1, got {servers}")
    if hours <= warmup_h:
        raise ScenarioError(f"hours: must exceed warmup_h ({warmup_h}), got {hours}")
    arrivals_rng, service_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    env = simpy.Environment()
    station = MonitoredResource(env, int(servers))
    horizon_min, warmup_min = hours * 60.0, warmup_h * 60.0
    waits: list[float] = []

    def customer(service_min: float):
        arrived = env.now
        ticket = station.request()
        if ticket is not None:
            yield ticket
        station.record_wait(env.now - arrived)
        if arrived >= warmup_min:
            waits.append(env.now - arrived)
        yield env.timeout(service_min)
        station.release()

    def source():
        mean_gap = 60.0 / arrivals_per_h
        while True:
            yield env.timeout(arrivals_rng.exponential(mean_gap))
            env.process(customer(service_rng.exponential(mean_service_min)))

    env.process(source())
    env.run(until=warmup_min)
    busy_before = station.busy_server_minutes()
    env.run(until=horizon_min)
    busy = station.busy_server_minutes() - busy_before
    arr = np.asarray(waits)
    return QueueResult(
        mean_wait_min=float(arr.mean()) if len(arr) else 0.0,
        p95_wait_min=float(np.quantile(arr, 0.95)) if len(arr) else 0.0,
        utilisation=busy / (servers * (horizon_min - warmup_min)),
        served=len(arr),
    )
