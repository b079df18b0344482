"""Erlang C: the M/M/c queue in closed form, used to size stations and to check the simulation."""
from __future__ import annotations

import math

from .errors import NetworkError
__all__ = ["erlang_c_wait_probability", "erlang_c_mean_wait", "erlang_c_wait_quantile", "servers_for_service_level"]


def _check(arrivals_per_h: float, mean_service_min: float, servers: int) -> float:
    if arrivals_per_h < 0:
        raise NetworkError(f"arrivals_per_h: must be >= 0, got {arrivals_per_h}")
    if mean_service_min <= 0:
        raise NetworkError(f"mean_service_min: must be > 0, got {mean_service_min}")
    if servers < 1 or int(servers) != servers:
        raise NetworkError(f"servers: must be a whole number >= 1, got {servers}")
    return arrivals_per_h * mean_service_min / 60.0  # offered load in erlangs


def erlang_c_wait_probability(arrivals_per_h: float, mean_service_min: float, servers: int) -> float:
    """Probability that an arrival waits, P(W > 0); 1.0 when the queue is unstable."""
    load = _check(arrivals_per_h, mean_service_min, servers)
    if load >= servers:
        return 1.0
    # Erlang B by its stable recursion, then C from B
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1 - rho + rho * b)


def erlang_c_mean_wait(arrivals_per_h: float, mean_service_min: float, servers: int) -> float:
    """Mean wait in the queue (min) of an M/M/c station; ``inf`` when unstable."""
    load = _check(arrivals_per_h, mean_service_min, servers)
    if load >= servers:
        return math.inf
    pw = erlang_c_wait_probability(arrivals_per_h, mean_service_min, servers)
    return pw * mean_service_min / (servers - load)


def erlang_c_wait_quantile(arrivals_per_h: float, mean_service_min: float, servers: int, q: float) -> float:
    """The ``q`` quantile of the wait (min): P(W > t) = P_wait * exp(-(c - a) t / s)."""
    load = _check(arrivals_per_h, mean_service_min, servers)
    if load >= servers:
        return math.inf
    pw = erlang_c_wait_probability(arrivals_per_h, mean_service_min, servers)
    if pw <= 1 - q:
        return 0.0
    return mean_service_min / (servers - load) * math.log(pw / (1 - q))


def servers_for_service_level(arrivals_per_h: float, mean_service_min: float, *,
                              max_wait_min: float = 10.0, share: float = 0.95) -> int:
    """Fewest servers such that ``share`` of arrivals wait at most ``max_wait_min`` (Erlang C)."""
    load = _check(arrivals_per_h, mean_service_min, 1)
    servers = max(1, math.floor(load) + 1)
    while erlang_c_wait_quantile(arrivals_per_h, mean_service_min, servers, share) > max_wait_min:
        servers += 1
    return servers
