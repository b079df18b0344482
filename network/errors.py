"""Errors raised by the network package."""

from szplan.data.i18n import Translatable

__all__ = ["NetworkError"]


class NetworkError(Translatable, ValueError):
    """The road network or station data is inconsistent; the message says what to change."""
