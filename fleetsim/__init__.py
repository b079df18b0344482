"""Shenzhen transport electrification planner: scenarios, the simulated day, runs and sweeps.

The main entry points::

    from fleetsim import load_scenario, run_scenario, station_queue
    run = run_scenario(load_scenario("shenzhen-2030"), out_dir="results/2030")
    station_queue(arrivals_per_h=12, mean_service_min=25, servers=4)
"""
from .errors import ResultsError, ScenarioError
from .queues import QueueResult, station_queue
from .run import Run, run_scenario
from .scenario import Scenario, builtin_scenarios, load_scenario

__all__ = [
    "Scenario",
    "load_scenario",
    "builtin_scenarios",
    "run_scenario",
    "Run",
    "station_queue",
    "QueueResult",
    "ScenarioError",
    "ResultsError",
]
