"""Limits on inputs (file sizes, physical ranges of parameters) from ``params/limits.csv``.

Each limit carries its unit, its basis (``sourced`` or ``assumption``) and the reason in the CSV;
the parameter models read them here so that every bound has one written-down home. The table is
read and checked by :mod:`.tables` (with the standard library only: the command line's light
start reads limits too).
"""
from __future__ import annotations

from .tables import scalar_params

__all__ = ["limit", "limits"]


def limits() -> dict[str, float]:
    """Every limit: ``parameter -> value`` (floats; integral limits are whole numbers; a new dict)."""
    return scalar_params("limits.csv")


def limit(name: str) -> float:
    """One limit by name, e.g. ``limit("speed_max_kmh")``."""
    return limits()[name]
