"""What one dashboard app needs in its callbacks and page layouts, kept on its Flask server.

Dash's page registry is global to the process, so page layouts find their app's state through
the Flask application serving the request rather than through module globals; two apps in one
process (as in the tests) then never see each other's results.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .reader import ResultsReader

__all__ = ["DashboardState", "STATE_KEY", "current_state"]

STATE_KEY = "fleetsim-dashboard"


@dataclass
class DashboardState:
    """The reader of results folders and where new runs go.

    Attributes
    ----------
    reader : ResultsReader
        Every results folder the dashboard shows is read through it.
    runs_root : Path
        Folder where the Run page writes new runs (``runs_root / <scenario name>``).
    scenarios_dir : Path or None
        The one folder whose scenario files (by file name) the Run page may start from, besides
        the built-in scenarios; ``None`` allows the built-in ones only.
    """

    reader: ResultsReader
    runs_root: Path
    scenarios_dir: Path | None = None


def current_state() -> DashboardState:
    """The state of the app serving the current request."""
    from flask import current_app

    return current_app.extensions[STATE_KEY]
