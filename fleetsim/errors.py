"""Errors raised by the fleetsim package; each message says what to change, in English and, where
the message is catalogued, in Chinese (:func:`data.i18n.error_text` picks the language)."""
from __future__ import annotations

from szplan.data.i18n import Translatable

__all__ = ["FleetsimError", "ScenarioError", "ResultsError"]


class FleetsimError(Translatable, Exception):
    """Every error of the fleetsim package: catch this to catch them all."""


class ScenarioError(FleetsimError, ValueError):
    """A scenario file or value is wrong: the message names the field and the value.

    ``zh`` is the same message in Chinese when it is known (see ``of``)."""

    def __init__(self, message: str, *, zh: str | None = None):
        super().__init__(message)
        self.zh = zh


class ResultsError(FleetsimError, OSError):
    """A results folder cannot be written or read."""
