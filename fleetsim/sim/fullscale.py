"""Station waits at full scale from a sampled run's weighted arrivals.

A sampled run keeps every station on the map with at least one server, so its own queues are
those of a smaller city with relatively more chargers: waits would change with the sample. Here
each sampled arrival stands for its weight at the station's real number of units. A station's
arrivals per hour are its weighted arrivals of the day spread by the hourly profile of every
station of its equipment type (a sample has too few arrivals per station and hour to give the
profile itself), and its mean occupancy is its own, shrunk towards its equipment type's by the
number of sampled sessions behind it. Per hour that gives an M/M/c queue at the real unit count
(Erlang C, pointwise stationary); an hour whose load exceeds the units carries its backlog into
the next hours as a fluid queue, which every arrival of those hours waits behind. A full-fleet
run (sample 1) does not need this: its waits are simulated.

Drivers leave a queue after ``queue_patience_min`` (as in the simulation), so the backlog never
exceeds what the units clear in that time, and a served driver's wait never exceeds it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from szplan.network.queueing import erlang_c_wait_probability

from .params import sim_constants

__all__ = ["full_scale_waits"]

_HOURS = 24
#: sampled sessions at which a station's own mean occupancy and its type's weigh the same
_SHRINK_SESSIONS = 10.0


def _hour_waits(arrivals_per_h: np.ndarray, service_min: float, servers: int,
                patience_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hour: probability of waiting, decay rate of the wait tail (1/min) and the fluid
    backlog delay (min) at the hour's start, over two passes of the periodic day."""
    mu = 1.0 / service_min  # per minute
    capacity_per_h = servers * mu * 60.0
    backlog = 0.0  # vehicles queued beyond the stationary queue
    p_wait = np.zeros(_HOURS)
    decay = np.zeros(_HOURS)
    delay = np.zeros(_HOURS)
    for sweep in range(2):  # the second pass starts from the first's end: the day is periodic
        for h in range(_HOURS):
            lam = arrivals_per_h[h]
            load = lam * service_min / 60.0
            growth = max(0.0, lam - capacity_per_h)
            if sweep:
                # an arrival waits behind the backlog at the hour's start, and in an overloaded
                # hour behind half of what piles up during it
                delay[h] = min((backlog + growth / 2.0) / capacity_per_h * 60.0, patience_min)
            if load < servers:
                p_wait[h] = erlang_c_wait_probability(lam, service_min, servers) if lam > 0 else 0.0
                decay[h] = (servers - load) * mu
            else:
                p_wait[h], decay[h] = 0.0, 0.0
            backlog = min(max(0.0, backlog + lam - capacity_per_h), capacity_per_h * patience_min / 60.0)
    return p_wait, decay, delay


def _mixture_quantile(weights: np.ndarray, p_wait: np.ndarray, decay: np.ndarray, delay: np.ndarray,
                      q: float) -> float:
    """The q quantile of a mixture of shifted M/M/c waits (bisection on the tail)."""
    total = weights.sum()
    if total <= 0:
        return 0.0

    def tail(t: float) -> float:
        shifted = np.maximum(t - delay, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            part = np.where(t < delay, 1.0, np.where(decay > 0, p_wait * np.exp(-decay * shifted), 0.0))
        return float((weights * part).sum() / total)

    if tail(0.0) <= 1 - q:
        return 0.0
    lo, hi = 0.0, 60.0
    while tail(hi) > 1 - q and hi < 1e5:
        hi *= 2
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) > 1 - q else (lo, mid)
    return hi


def full_scale_waits(sessions: pd.DataFrame, units: np.ndarray, equipment: np.ndarray) -> pd.DataFrame:
    """Mean and 95th-percentile wait (min) per resource at its real ``units``.

    ``sessions`` holds ``resource, arrive_min, start_min, end_min, weight`` of the sessions at
    shared resources (clock minutes; folded onto the day here); ``equipment`` names each
    resource's equipment type, whose stations share an hourly profile.
    """
    n = len(units)
    patience = sim_constants()["queue_patience_min"]
    out = np.zeros((n, 2))
    if len(sessions) == 0:
        return pd.DataFrame(out, columns=["wait_mean_min", "wait_p95_min"])
    hour = (np.floor(np.mod(sessions["arrive_min"].to_numpy(float), 1440.0) / 60.0)).astype(np.int64)
    occupancy = (sessions["end_min"] - sessions["start_min"]).to_numpy(float)
    weight = sessions["weight"].to_numpy(float)
    res = sessions["resource"].to_numpy(np.int64)
    kinds, kind_of = np.unique(np.asarray(equipment).astype(str), return_inverse=True)
    profile = np.zeros((len(kinds), _HOURS))
    np.add.at(profile, (kind_of[res], hour), weight)
    profile /= np.maximum(profile.sum(axis=1, keepdims=True), 1e-12)
    busy = np.bincount(res, weights=weight * occupancy, minlength=n)
    count = np.bincount(res, weights=weight, minlength=n)
    sampled = np.bincount(res, minlength=n).astype(float)
    kind_service = np.bincount(kind_of[res], weights=weight * occupancy, minlength=len(kinds)) / np.maximum(
        np.bincount(kind_of[res], weights=weight, minlength=len(kinds)), 1e-12)
    for r in np.flatnonzero(count > 0):
        own = busy[r] / count[r]
        service = max((sampled[r] * own + _SHRINK_SESSIONS * kind_service[kind_of[r]])
                      / (sampled[r] + _SHRINK_SESSIONS), 1e-3)
        arrivals = count[r] * profile[kind_of[r]]
        p_wait, decay, delay = _hour_waits(arrivals, service, int(units[r]), patience)
        # E[min(W, patience - delay)] of the stationary part: nobody waits longer than patience
        room = patience - delay
        safe = np.where(decay > 0, decay, 1.0)
        mean_each = delay + np.where(decay > 0, p_wait * (1.0 - np.exp(-safe * room)) / safe, 0.0)
        out[r, 0] = float((arrivals * mean_each).sum() / count[r])
        out[r, 1] = min(_mixture_quantile(arrivals, p_wait, decay, delay, 0.95), patience)
    return pd.DataFrame(out, columns=["wait_mean_min", "wait_p95_min"])
