"""Station waits at full scale from a sampled run's weighted arrivals.

A sampled run keeps every station on the map with at least one server, so its own queues are
those of a smaller city with relatively more chargers: waits would change with the sample. Here
each sampled arrival stands for its weight at the station's real number of units. A station's
arrivals per hour are its weighted arrivals of the day spread by the hourly profile of every
station of its equipment type (a sample has too few arrivals per station and hour to give the
profile itself). Its arrivals of the day and its mean occupancy are its own, shrunk towards its
equipment type's: a station's sampled arrivals are Poisson around its true rate, and a queue's
wait is convex in the rate, so the raw count of a small sample would overstate waits (one
sampled arrival too many at a two-pile station is twenty vehicles at sample 0.05). The rate is
the empirical-Bayes (Poisson-gamma) estimate: per unit the type's mean, with the spread between
stations that the sample shows beyond Poisson noise.

Per hour that gives an M/M/c queue at the real unit count (Erlang C) at the hour's modified
offered load (Jennings, Mandelbaum, Massey and Whitt, Management Science 42, 1996): the mean
number of vehicles an unlimited station would hold then, which follows the arrivals with the lag
of the service time. An overnight AC session that begins at 19:00 still holds its pile at 03:00;
a pointwise-stationary load (the hour's arrivals times the whole service time) would count all of
the evening's arrivals as present at once. Where the load exceeds the units, the excess queues as
a fluid that every arrival of the hour waits behind, for at most ``queue_patience_min`` (drivers
leave then, as in the simulation). A full-fleet run (sample 1) does not need this: its waits are
simulated.

Drivers pick among the stations near them by expected wait (the engine's choice rule), so the
piles of one equipment type in one zone behave as one pool rather than as independent queues:
:func:`pooled_waits` evaluates each such pool as one station. The formulas are checked by hand in
``tests/test_day.py``; the estimate against the full fleet's simulated waits in ``benchmarks/bench_day.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from szplan.network.queueing import erlang_c_wait_probability

from .params import sim_constants

__all__ = ["full_scale_waits", "pooled_waits", "offered_load", "shrunk_arrivals"]

_HOURS = 24
#: sampled sessions at which a station's own mean occupancy and its type's weigh the same
_SHRINK_SESSIONS = 10.0


def offered_load(arrivals_per_h: np.ndarray, service_min: float) -> np.ndarray:
    """Mean number in service per hour of an unlimited station with exponential service, for
    the periodic day: ``dm/dt = arrivals - m / service``, hour by hour in closed form."""
    lam_per_min = np.asarray(arrivals_per_h, float) / 60.0
    steady = lam_per_min * service_min
    decay = np.exp(-60.0 / service_min)
    # periodic start: m(0) = sum_h steady_h (1 - decay) decay^(23 - h) / (1 - decay^24)
    powers = decay ** np.arange(_HOURS - 1, -1, -1)
    start = float((steady * (1.0 - decay) * powers).sum() / (1.0 - decay**_HOURS))
    mean = np.zeros(_HOURS)
    for h in range(_HOURS):
        mean[h] = steady[h] + (start - steady[h]) * service_min / 60.0 * (1.0 - decay)
        start = steady[h] + (start - steady[h]) * decay
    return mean


def _hour_waits(arrivals_per_h: np.ndarray, service_min: float, servers: int,
                patience_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hour: probability of waiting, decay rate of the wait tail (1/min) and the fluid
    delay (min) behind the vehicles that exceed the units."""
    load = offered_load(arrivals_per_h, service_min)
    p_wait = np.zeros(_HOURS)
    decay = np.zeros(_HOURS)
    delay = np.minimum(np.maximum(load - servers, 0.0) * service_min / servers, patience_min)
    for h in np.flatnonzero((load > 0) & (load < servers)):
        p_wait[h] = erlang_c_wait_probability(load[h] / service_min * 60.0, service_min, servers)
        decay[h] = (servers - load[h]) / service_min
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


def shrunk_arrivals(count: np.ndarray, sampled: np.ndarray, units: np.ndarray, kind_of: np.ndarray) -> np.ndarray:
    """Weighted arrivals of the day per resource, shrunk towards the type's mean per unit.

    ``count`` weighted and ``sampled`` unweighted arrivals, ``units`` real units, ``kind_of`` the
    resource's equipment type. Per type, with ``E`` the sampled arrivals a resource would get at the
    type's mean per unit, ``n ~ Poisson(E * theta)`` and ``theta ~ Gamma(k, k)``: the moments give
    ``1/k = (sum (n - E)^2 - sum E) / sum E^2`` and the posterior mean is ``(n + k) / (E + k)``.
    """
    out = np.zeros(len(count))
    for kind in np.unique(kind_of):
        mine = kind_of == kind
        n, u = sampled[mine], units[mine].astype(float)
        if n.sum() == 0 or u.sum() == 0:
            continue
        expected = n.sum() * u / u.sum()
        spread = ((n - expected) ** 2).sum() - expected.sum()
        inv_k = float(np.clip(spread / max((expected**2).sum(), 1e-12), 1e-3, 1e3))
        theta = (n + 1.0 / inv_k) / (expected + 1.0 / inv_k)
        out[mine] = theta * expected * (count[mine].sum() / n.sum())  # sampled arrivals to vehicles
    return out


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
    arrivals_day = shrunk_arrivals(count, sampled, np.asarray(units), kind_of)
    for r in np.flatnonzero(arrivals_day > 0):
        own = busy[r] / count[r] if count[r] > 0 else kind_service[kind_of[r]]
        service = max((sampled[r] * own + _SHRINK_SESSIONS * kind_service[kind_of[r]])
                      / (sampled[r] + _SHRINK_SESSIONS), 1e-3)
        arrivals = arrivals_day[r] * profile[kind_of[r]]
        p_wait, decay, delay = _hour_waits(arrivals, service, int(units[r]), patience)
        # E[min(W, patience - delay)] of the stationary part: nobody waits longer than patience
        room = patience - delay
        safe = np.where(decay > 0, decay, 1.0)
        mean_each = delay + np.where(decay > 0, p_wait * (1.0 - np.exp(-safe * room)) / safe, 0.0)
        out[r, 0] = float((arrivals * mean_each).sum() / arrivals_day[r])
        out[r, 1] = min(_mixture_quantile(arrivals, p_wait, decay, delay, 0.95), patience)
    return pd.DataFrame(out, columns=["wait_mean_min", "wait_p95_min"])


def pooled_waits(sessions: pd.DataFrame, units: np.ndarray, equipment: np.ndarray, pool: np.ndarray) -> pd.DataFrame:
    """:func:`full_scale_waits` with the resources of each ``pool`` id (e.g. one zone's public piles of
    one type) evaluated as one station; every resource gets its pool's waits. A pool holds one
    equipment type (its first resource's is taken)."""
    _, first, codes = np.unique(np.asarray(pool), return_index=True, return_inverse=True)
    pooled = sessions.assign(resource=codes[sessions["resource"].to_numpy(np.int64)])
    pool_units = np.bincount(codes, weights=np.asarray(units, float)).round().astype(np.int64)
    waits = full_scale_waits(pooled, pool_units, np.asarray(equipment)[first])
    return waits.iloc[codes].reset_index(drop=True)
