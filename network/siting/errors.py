"""Exception type raised by the siting models."""

from __future__ import annotations

__all__ = ["SitingError"]


class SitingError(ValueError):
    """Bad input, an infeasible instance, or a solution that fails validation.

    The message is one line naming the offending argument (or quantity) and
    what is wrong with it, e.g. ``"p: 12 exceeds the 10 candidate sites"``.
    """
