"""The plan's error: a :class:`~szplan.network.siting.errors.SitingError` of the model library and a
:class:`~szplan.network.errors.NetworkError` of the network family, so callers that catch the
family (the CLI, the dashboard) catch every planning failure without importing the solver."""
from __future__ import annotations

from ..errors import NetworkError
from ..siting.errors import SitingError

__all__ = ["PlanError"]


class PlanError(NetworkError, SitingError):
    """The plan's input is wrong, its instance infeasible, or its solution fails validation."""
