"""Errors raised by the fleetsim package; each message says what to change."""

__all__ = ["ScenarioError", "ResultsError"]


class ScenarioError(ValueError):
    """A scenario file or value is wrong: the message names the field and the value."""


class ResultsError(OSError):
    """A results folder cannot be written or read."""
