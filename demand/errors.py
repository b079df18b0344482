"""The one exception type of the :mod:`demand` package."""
from __future__ import annotations

__all__ = ["DemandError"]


class DemandError(ValueError):
    """An inconsistent stock-model input or request; the message says what to change."""
