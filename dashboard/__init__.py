"""Dash dashboard of the planner: targets, fleet, the simulated day, stations, scenario
comparison and new runs, over fleetsim results folders.

``create_app(results_dirs, runs_root=...)`` builds the app and ``serve(...)`` runs it; the
``fleetsim dashboard`` command calls ``serve``.
"""
from .app import create_app, serve

__all__ = ["create_app", "serve"]
