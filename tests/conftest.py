"""Shared fixtures: one small real run reused by the tests that read results."""
from __future__ import annotations

import os

import pytest

from szplan.fleetsim.runs.run import run_scenario
from szplan.fleetsim.runs.scenario import load_scenario


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The built-in 2030 scenario at sample 0.005: a real run, written to a temporary folder."""
    scenario = load_scenario("shenzhen-2030")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": 0.005})})
    return run_scenario(scenario, out_dir=tmp_path_factory.mktemp("runs") / "small")


@pytest.fixture(scope="session", autouse=True)
def _travel_cache_in_tmp(tmp_path_factory):
    """Point the on-disk travel-time cache at a temporary folder, so tests never write to the home folder."""
    from szplan.network.roads import CACHE_ENV

    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("fleetsim-cache"))
    yield
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before
