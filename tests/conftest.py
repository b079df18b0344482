"""Shared fixtures: one small real run reused by the tests that read results."""
from __future__ import annotations

import pytest

from fleetsim.run import run_scenario
from fleetsim.scenario import load_scenario


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The built-in 2030 scenario at sample 0.005: a real run, written to a temporary folder."""
    scenario = load_scenario("shenzhen-2030")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": 0.005})})
    return run_scenario(scenario, out_dir=tmp_path_factory.mktemp("runs") / "small")
