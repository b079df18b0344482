"""Argument checks and conversions shared by the siting models."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import SitingError

__all__: list[str] = []


def fmt(value: float) -> str:
    """Format a quantity for messages: ``9000 -> "9,000"``, ``2.5 -> "2.5"``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def sort_ids(ids: Sequence[Hashable]) -> tuple[Hashable, ...]:
    """Sort ids, keeping the given order when they are not mutually comparable."""
    try:
        return tuple(sorted(ids))  # type: ignore[type-var]  # not comparable: TypeError, handled below
    except TypeError:
        return tuple(ids)


def as_matrix(name: str, value: Any) -> tuple[np.ndarray, list[Hashable], list[Hashable]]:
    """Return a finite, non-negative float matrix with its row and column ids."""
    if isinstance(value, pd.DataFrame):
        rows, cols = list(value.index), list(value.columns)
        try:
            arr = value.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise SitingError(f"{name}: values must be numeric ({exc})") from None
    else:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise SitingError(f"{name}: values must be numeric ({exc})") from None
        if arr.ndim != 2:
            raise SitingError(f"{name}: expected a 2-D matrix, got shape {arr.shape}")
        rows, cols = list(range(arr.shape[0])), list(range(arr.shape[1]))
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise SitingError(f"{name}: matrix is empty (shape {arr.shape})")
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        raise SitingError(f"{name}: row and column labels must be unique")
    check_values(name, arr)
    return arr, rows, cols


def check_values(name: str, arr: np.ndarray, *, positive: bool = False) -> None:
    """Raise unless every entry is finite and non-negative (or positive)."""
    if not np.all(np.isfinite(arr)):
        raise SitingError(f"{name}: contains NaN or infinite values")
    if arr.size and arr.min() < 0:
        raise SitingError(f"{name}: contains negative values (min {arr.min():g})")
    if positive and arr.size and arr.min() <= 0:
        raise SitingError(f"{name}: values must be positive (min {arr.min():g})")


def as_vector(name: str, value: Any, labels: list[Hashable], *, positive: bool = False) -> np.ndarray:
    """Return a non-negative vector aligned with ``labels``.

    A :class:`pandas.Series` whose index holds exactly ``labels`` is aligned
    by label; anything else is taken positionally.
    """
    if isinstance(value, pd.Series) and set(value.index) == set(labels) and len(value) == len(labels):
        value = value.reindex(labels)
    try:
        arr = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SitingError(f"{name}: values must be numeric ({exc})") from None
    if np.ndim(value) != 1 or arr.shape[0] != len(labels):
        raise SitingError(f"{name}: expected {len(labels)} values, got shape {np.shape(value)}")
    check_values(name, arr, positive=positive)
    return arr


def check_count(name: str, value: Any, *, n_candidates: int, what: str = "candidate sites") -> int:
    """Check that ``value`` is an integer in ``1..n_candidates``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SitingError(f"{name}: expected an integer, got {value!r}")
    value = int(value)
    if value < 1:
        raise SitingError(f"{name}: must be at least 1, got {value}")
    if value > n_candidates:
        raise SitingError(f"{name}: {value} exceeds the {n_candidates} {what}")
    return value


def check_scalar(name: str, value: Any, *, positive: bool = False) -> float:
    """Check that ``value`` is a finite non-negative (or positive) number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SitingError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise SitingError(f"{name}: must be a finite {kind} number, got {value!r}")
    return value


def check_time_limit(value: float | None) -> float | None:
    """Validate an optional solver time limit in seconds."""
    if value is None:
        return None
    return check_scalar("time_limit_s", value, positive=True)
