"""Shenzhen transport electrification planner: scenarios, the simulated day, runs and sweeps.

The main entry points::

    from szplan.fleetsim import load_scenario, run_scenario, station_queue
    run = run_scenario(load_scenario("shenzhen-2030"), out_dir="results/2030")
    station_queue(arrivals_per_h=12, mean_service_min=25, servers=4)

Importing the package loads none of the model: each name is imported on first use, so that the
command line starts fast and the dashboard's reader never pulls in the engine or the solver.
"""
from __future__ import annotations

from typing import Any

from szplan.data.lazy import lazy_names

_LAZY = {
    "Scenario": ".runs.scenario",
    "load_scenario": ".runs.scenario",
    "builtin_scenarios": ".runs.scenario",
    "run_scenario": ".runs.run",
    "Run": ".runs.run",
    "station_queue": ".sim.queues",
    "QueueResult": ".sim.queues",
    "FleetsimError": ".errors",
    "ScenarioError": ".errors",
    "ResultsError": ".errors",
}

__all__ = [*_LAZY, "__version__"]
_lazy_getattr, __dir__ = lazy_names(__name__, {**_LAZY, "__version__": ""})


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("shenzhen-fleetsim")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "unknown"
    return _lazy_getattr(name)
