"""The one exception type of the :mod:`demand` package."""
from __future__ import annotations

from szplan.data.i18n import Translatable

__all__ = ["DemandError"]


class DemandError(Translatable, ValueError):
    """An inconsistent stock-model input or request; the message says what to change."""
