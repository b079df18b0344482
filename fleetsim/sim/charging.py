"""Charging physics: how long a charge takes with the taper above 80%.

Power is constant up to ``taper_start_soc`` (``a``) and falls linearly in state of charge to
``taper_end_power_share`` (``f``) of the peak at 100%. With ``k = (1 - f) / (1 - a)``, time to
go from ``s0`` to ``s1`` above ``a`` is ``C / (P k) * ln((1 - k (s0 - a)) / (1 - k (s1 - a)))``.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .params import sim_constants

__all__ = ["charge_minutes", "soc_after", "charge_minutes_one", "soc_after_one", "taper_split"]


@lru_cache(maxsize=1)
def _taper() -> tuple[float, float]:
    c = sim_constants()
    a, f = c["taper_start_soc"], c["taper_end_power_share"]
    return a, (1 - f) / (1 - a)


def taper_split(soc_from, soc_to, capacity_kwh, power_kw):
    """Minutes at full power and minutes in the taper for a charge ``soc_from → soc_to``.

    Returns ``(constant_min, taper_min)``; broadcasts over arrays.
    """
    a, k = _taper()
    s0 = np.asarray(soc_from, dtype=float)
    s1 = np.maximum(np.asarray(soc_to, dtype=float), s0)
    below_to = np.minimum(s1, a)
    constant_min = np.maximum(below_to - s0, 0.0) * capacity_kwh / power_kw * 60.0
    t0, t1 = np.maximum(s0, a), np.maximum(s1, a)
    taper_min = capacity_kwh / (power_kw * k) * np.log((1 - k * (t0 - a)) / (1 - k * (t1 - a))) * 60.0
    return constant_min, taper_min


def charge_minutes(soc_from, soc_to, capacity_kwh, power_kw):
    """Minutes to charge from ``soc_from`` to ``soc_to`` at ``power_kw`` peak (taper included)."""
    constant_min, taper_min = taper_split(soc_from, soc_to, capacity_kwh, power_kw)
    return constant_min + taper_min


def soc_after(soc_from, minutes, capacity_kwh, power_kw):
    """State of charge after charging ``minutes`` from ``soc_from`` (inverse of
    :func:`charge_minutes`); never above 1."""
    a, k = _taper()
    s0 = np.asarray(soc_from, dtype=float)
    t_h = np.asarray(minutes, dtype=float) / 60.0
    to_taper_h = np.maximum(a - s0, 0.0) * capacity_kwh / power_kw
    flat = np.minimum(s0 + t_h * power_kw / capacity_kwh, np.maximum(s0, a))
    left_h = np.maximum(t_h - to_taper_h, 0.0)
    start = np.maximum(s0, a)
    # in the taper 1 - k (s - a) decays exponentially at rate k P / C
    tapered = a + (1 - (1 - k * (start - a)) * np.exp(-k * power_kw * left_h / capacity_kwh)) / k
    return np.minimum(np.where(left_h > 0, tapered, flat), 1.0)


def charge_minutes_one(soc_from: float, soc_to: float, capacity_kwh: float, power_kw: float) -> float:
    """:func:`charge_minutes` for one session, in plain floats (the simulation's hot path)."""
    a, k = _taper()
    s1 = max(soc_to, soc_from)
    minutes = max(min(s1, a) - soc_from, 0.0) * capacity_kwh / power_kw * 60.0
    t0, t1 = max(soc_from, a), max(s1, a)
    return minutes + capacity_kwh / (power_kw * k) * math.log((1 - k * (t0 - a)) / (1 - k * (t1 - a))) * 60.0


def soc_after_one(soc_from: float, minutes: float, capacity_kwh: float, power_kw: float) -> float:
    """:func:`soc_after` for one session, in plain floats."""
    a, k = _taper()
    t_h = minutes / 60.0
    to_taper_h = max(a - soc_from, 0.0) * capacity_kwh / power_kw
    if t_h <= to_taper_h:
        return min(soc_from + t_h * power_kw / capacity_kwh, 1.0)
    start = max(soc_from, a)
    left_h = t_h - to_taper_h
    return min(a + (1 - (1 - k * (start - a)) * math.exp(-k * power_kw * left_h / capacity_kwh)) / k, 1.0)
