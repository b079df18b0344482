"""Limits on inputs (file sizes, physical ranges of parameters) from ``params/limits.csv``.

Each limit carries its unit, its basis (``sourced`` or ``assumption``) and the reason in the CSV;
the parameter models read them here so that every bound has one written-down home.
"""
from __future__ import annotations

import csv
from functools import lru_cache

from . import data_path

__all__ = ["limit", "limits"]


@lru_cache(maxsize=1)
def limits() -> dict[str, float]:
    """Every limit: ``parameter -> value`` (floats; integral limits are whole numbers)."""
    with open(data_path("params", "limits.csv"), newline="", encoding="utf-8") as handle:
        return {row["parameter"]: float(row["value"]) for row in csv.DictReader(handle)}


def limit(name: str) -> float:
    """One limit by name, e.g. ``limit("speed_max_kmh")``."""
    return limits()[name]
