"""Shared fixtures: one small real run reused by the tests that read results."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from szplan.fleetsim.runs.run import run_scenario
from szplan.fleetsim.runs.scenario import load_scenario


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The built-in 2030 scenario at sample 0.005: a real run, written to a temporary folder."""
    scenario = load_scenario("shenzhen-2030")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": 0.005})})
    return run_scenario(scenario, out_dir=tmp_path_factory.mktemp("runs") / "small")


@pytest.fixture()
def write_sweep(small_run):
    """``write_sweep(folder)``: a tiny sweep folder in the contract's layout (``bands.parquet``
    and ``runs/r0``, a copy of the small run); returns the bands it wrote."""
    def write(folder):
        (folder / "runs").mkdir(parents=True)
        shutil.copytree(small_run.path, folder / "runs" / "r0")
        bands = pd.DataFrame({
            "point": [0, 0, 1, 1],
            "figure": ["nev_stock", "peak_charging_power", "nev_stock", "peak_charging_power"],
            "year": [2030, 2030, 2030, 2030],
            "unit": ["vehicles", "MW", "vehicles", "MW"],
            "p05": [1.9e6, 4000.0, 2.1e6, 4200.0],
            "p50": [2.0e6, 4500.0, 2.2e6, 4600.0],
            "p95": [2.1e6, 5000.0, 2.3e6, 5100.0],
            "n_seeds": [5, 5, 5, 5],
        })
        bands.to_parquet(folder / "bands.parquet", index=False)
        return bands

    return write


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
