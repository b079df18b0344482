"""Errors raised by the network package."""

__all__ = ["NetworkError"]


class NetworkError(ValueError):
    """The road network or station data is inconsistent; the message says what to change."""
