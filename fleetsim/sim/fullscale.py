"""Station waits at full scale from a sampled run's weighted arrivals.

A sampled run keeps every station on the map with at least one server, so its own queues are
those of a smaller city with relatively more chargers: waits would change with the sample. Here
each sampled arrival stands for its weight at the station's real number of units. A station's
arrivals per slot (``full_scale_slot_min`` of ``data/params/simulation.csv``) are its weighted
arrivals of the day spread by the profile of every station of its equipment type (a sample has
too few arrivals per station and slot to give the profile itself). Its arrivals of the day and
its mean occupancy are its own, shrunk towards its equipment type's: a station's sampled
arrivals are Poisson around its true rate, and a queue's wait is convex in the rate, so the raw
count of a small sample would overstate waits (one sampled arrival too many at a two-pile
station is twenty vehicles at sample 0.05). The rate is the empirical-Bayes (Poisson-gamma)
estimate: per unit the type's mean, with the spread between stations that the sample shows
beyond Poisson noise.

Per slot that gives an M/M/c queue at the real unit count (Erlang C) at the slot's modified
offered load (Jennings, Mandelbaum, Massey and Whitt, Management Science 42, 1996): the mean
number of vehicles an unlimited station would hold then, which follows the arrivals with the lag
of the service time. An overnight AC session that begins at 19:00 still holds its pile at 03:00;
a pointwise-stationary load (the slot's arrivals times the whole service time) would count all of
the evening's arrivals as present at once. Where the load exceeds the units, the excess queues as
a fluid that every arrival of the slot waits behind, for at most ``queue_patience_min`` (drivers
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

from .params import sim_constants

__all__ = ["full_scale_waits", "pooled_waits", "offered_load", "shrunk_arrivals"]

#: sampled sessions at which a station's own mean occupancy and its type's weigh the same
_SHRINK_SESSIONS = 10.0


def offered_load(arrivals_per_slot: np.ndarray, service_min: float | np.ndarray) -> np.ndarray:
    """Mean number in service per slot of an unlimited station with exponential service, for
    the periodic day: ``dm/dt = arrivals - m / service``, slot by slot in closed form.

    ``arrivals_per_slot`` is one day (n slots of 1440 / n minutes: 24 are hours) or one day per
    row (R x n) with ``service_min`` per row."""
    arrivals = np.atleast_2d(np.asarray(arrivals_per_slot, float))
    slots = arrivals.shape[1]
    slot_min = 1440.0 / slots
    service = np.broadcast_to(np.asarray(service_min, float).reshape(-1), arrivals.shape[:1])
    steady = arrivals / slot_min * service[:, None]
    decay = np.exp(-slot_min / service)
    # periodic start: m(0) = sum_h steady_h (1 - decay) decay^(n - 1 - h) / (1 - decay^n)
    powers = decay[:, None] ** np.arange(slots - 1, -1, -1)
    start = (steady * (1.0 - decay[:, None]) * powers).sum(axis=1) / (1.0 - decay**slots)
    mean = np.zeros_like(steady)
    for h in range(slots):
        mean[:, h] = steady[:, h] + (start - steady[:, h]) * service / slot_min * (1.0 - decay)
        start = steady[:, h] + (start - steady[:, h]) * decay
    return mean if np.ndim(arrivals_per_slot) == 2 else mean[0]


def _erlang_c(load: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """Erlang C probability of waiting per element, for ``0 < load < servers``: Erlang B by its
    stable recursion, run on all elements at once (sorted by servers, each row stops at its own)."""
    order = np.argsort(-servers, kind="stable")
    a, c = load[order], servers[order]
    b = np.ones(len(a))
    for k in range(1, int(c.max(initial=0)) + 1):
        n = int(np.searchsorted(-c, -k, side="right"))  # rows with at least k servers
        ab = a[:n] * b[:n]
        b[:n] = ab / (k + ab)
    rho = a / np.maximum(c, 1)
    out = np.empty(len(a))
    out[order] = b / (1 - rho + rho * b)
    return out


def _slot_waits(arrivals_per_slot: np.ndarray, service_min: np.ndarray, servers: np.ndarray,
                patience_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resource (row) and slot: probability of waiting, decay rate of the wait tail (1/min)
    and the fluid delay (min) behind the vehicles that exceed the units."""
    load = offered_load(arrivals_per_slot, service_min)
    c = np.broadcast_to(servers[:, None], load.shape)
    s = np.broadcast_to(service_min[:, None], load.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.minimum(np.maximum(load - c, 0.0) * s / c, patience_min)
    stable = (load > 0) & (load < c)
    p_wait = np.zeros(load.shape)
    decay = np.zeros(load.shape)
    p_wait[stable] = _erlang_c(load[stable], c[stable])
    decay[stable] = (c[stable] - load[stable]) / s[stable]
    return p_wait, decay, delay


def _mixture_quantile(weights: np.ndarray, p_wait: np.ndarray, decay: np.ndarray, delay: np.ndarray,
                      q: float) -> np.ndarray:
    """Per row, the q quantile of a mixture of shifted M/M/c waits (bisection on the tail)."""
    total = np.maximum(weights.sum(axis=1), 1e-300)

    def tail(t: np.ndarray) -> np.ndarray:
        shifted = np.maximum(t[:, None] - delay, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            part = np.where(t[:, None] < delay, 1.0, np.where(decay > 0, p_wait * np.exp(-decay * shifted), 0.0))
        return (weights * part).sum(axis=1) / total

    rows = len(weights)
    lo, hi = np.zeros(rows), np.full(rows, 60.0)
    while (grow := (tail(hi) > 1 - q) & (hi < 1e5)).any():
        hi = np.where(grow, hi * 2, hi)
    for _ in range(50):
        mid = (lo + hi) / 2
        above = tail(mid) > 1 - q
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where((weights.sum(axis=1) > 0) & (tail(np.zeros(rows)) > 1 - q), hi, 0.0)


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
    resource's equipment type, whose stations share a profile over the day.
    """
    n = len(units)
    constants = sim_constants()
    patience = constants["queue_patience_min"]
    out = np.zeros((n, 2))
    if len(sessions) == 0:
        return pd.DataFrame(out, columns=["wait_mean_min", "wait_p95_min"])
    slots = int(round(1440.0 / constants["full_scale_slot_min"]))
    slot = (np.floor(np.mod(sessions["arrive_min"].to_numpy(float), 1440.0) * slots / 1440.0)).astype(np.int64)
    occupancy = (sessions["end_min"] - sessions["start_min"]).to_numpy(float)
    weight = sessions["weight"].to_numpy(float)
    res = sessions["resource"].to_numpy(np.int64)
    kinds, kind_of = np.unique(np.asarray(equipment).astype(str), return_inverse=True)
    profile = np.zeros((len(kinds), slots))
    np.add.at(profile, (kind_of[res], np.minimum(slot, slots - 1)), weight)
    profile /= np.maximum(profile.sum(axis=1, keepdims=True), 1e-12)
    busy = np.bincount(res, weights=weight * occupancy, minlength=n)
    count = np.bincount(res, weights=weight, minlength=n)
    sampled = np.bincount(res, minlength=n).astype(float)
    kind_service = np.bincount(kind_of[res], weights=weight * occupancy, minlength=len(kinds)) / np.maximum(
        np.bincount(kind_of[res], weights=weight, minlength=len(kinds)), 1e-12)
    arrivals_day = shrunk_arrivals(count, sampled, np.asarray(units), kind_of)
    r = np.flatnonzero(arrivals_day > 0)
    kind_r = kind_of[r]
    own = np.where(count[r] > 0, busy[r] / np.maximum(count[r], 1e-300), kind_service[kind_r])
    service = np.maximum((sampled[r] * own + _SHRINK_SESSIONS * kind_service[kind_r])
                         / (sampled[r] + _SHRINK_SESSIONS), 1e-3)
    arrivals = arrivals_day[r, None] * profile[kind_r]
    p_wait, decay, delay = _slot_waits(arrivals, service, np.asarray(units)[r].astype(np.int64), patience)
    # E[min(W, patience - delay)] of the stationary part: nobody waits longer than patience
    room = patience - delay
    safe = np.where(decay > 0, decay, 1.0)
    mean_each = delay + np.where(decay > 0, p_wait * (1.0 - np.exp(-safe * room)) / safe, 0.0)
    out[r, 0] = (arrivals * mean_each).sum(axis=1) / arrivals_day[r]
    out[r, 1] = np.minimum(_mixture_quantile(arrivals, p_wait, decay, delay, 0.95), patience)
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
