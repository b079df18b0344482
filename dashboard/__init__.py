"""Dash dashboard of the planner: targets, fleet, the simulated day, stations, scenario
comparison and new runs, over fleetsim results folders.

``create_app(results_dirs, runs_root=...)`` builds the app and ``serve(...)`` runs it; the
``fleetsim dashboard`` command calls ``serve``. Importing the package loads neither Dash nor
the model (``dashboard.reader`` stays light); the app is imported on first use.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")
