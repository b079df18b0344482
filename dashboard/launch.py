"""Building a scenario from the Run page's levers and running it in a background process."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from demand import DemandError, StockParams
from fleetsim.errors import ResultsError, ScenarioError
from fleetsim.scenario import Scenario, load_scenario, scenario_from_dict
from network import NetworkError

__all__ = ["LEVER_YEAR", "ANCHOR_YEAR", "baseline_private_nev_share", "scenario_dict", "build_scenario",
           "run_job", "RUN_ERRORS"]

log = logging.getLogger(__name__)

#: the year whose private-car NEV share of new registrations the Run page sets
LEVER_YEAR = 2030
#: the last year of reported shares: the lever ramps linearly from the baseline there
ANCHOR_YEAR = 2025
RUN_ERRORS = (ScenarioError, DemandError, NetworkError, ResultsError, OSError)


def baseline_private_nev_share(year: int) -> float:
    """Private-car NEV share of new registrations in ``year`` in the calibrated baseline."""
    shares = StockParams().segment_params("private_car").new_shares
    years = sorted(shares)
    nev = [sum(shares[y].get(pt, 0.0) for pt in ("BEV", "PHEV", "FCEV")) for y in years]
    return float(np.interp(year, years, nev))


def scenario_dict(base: str, *, name: str | None, year, nev_share_pct, sample, seed, budget_bn=None) -> dict:
    """The scenario ``base`` (built-in name) with the Run page's levers applied, as a mapping.

    Parameters
    ----------
    base : str
        Built-in scenario name.
    name : str or None
        Name of the new scenario, also the folder it is written to; default ``<base>-custom``.
    year, sample, seed
        Simulated year, fraction of the fleet simulated, random seed (``None`` keeps the base's).
    nev_share_pct : float or None
        Private-car NEV share of new registrations in :data:`LEVER_YEAR`, in percent; ``None``
        keeps the base's path. The share ramps linearly from the baseline of
        :data:`ANCHOR_YEAR` unless the base scenario already sets an earlier year.
    budget_bn : float or None
        Siting budget in CNY billion; given, the run also plans stations (``fleetsim site``).

    Raises
    ------
    ScenarioError
        When ``base`` is not a scenario.
    """
    scenario = load_scenario(base)
    raw = scenario.model_dump()  # python mode keeps the integer year keys of the paths
    raw["name"] = name.strip() if isinstance(name, str) and name.strip() else f"{scenario.name}-custom"
    if year not in (None, ""):
        raw["year"] = year
    if seed not in (None, ""):
        raw["seed"] = seed
    if sample not in (None, ""):
        raw["simulation"]["sample"] = sample
    # a background run has no terminal to draw a progress bar on
    raw["simulation"]["progress"] = False
    if nev_share_pct not in (None, ""):
        path = dict(raw["stock"].get("nev_share_path") or {})
        try:
            share = float(nev_share_pct) / 100.0
        except (TypeError, ValueError):
            share = nev_share_pct  # left for validation to name
        if not any(y < LEVER_YEAR for y in path):
            path[ANCHOR_YEAR] = round(baseline_private_nev_share(ANCHOR_YEAR), 4)
        path[LEVER_YEAR] = share
        raw["stock"]["nev_share_path"] = path
    if budget_bn not in (None, ""):
        try:
            raw["siting"]["budget_cny"] = float(budget_bn) * 1e9
        except (TypeError, ValueError):
            raw["siting"]["budget_cny"] = budget_bn  # left for validation to name
    raw["description"] = (f"{scenario.name} with levers set on the dashboard: year {raw['year']}, seed "
                          f"{raw['seed']}, sample {raw['simulation']['sample']}"
                          + (f", {LEVER_YEAR} private-car NEV share {nev_share_pct}%"
                             if nev_share_pct not in (None, "") else "")
                          + (f", stations planned with a budget of CNY {budget_bn} bn"
                             if budget_bn not in (None, "") else ""))
    return raw


def build_scenario(base: str, *, name=None, year=None, nev_share_pct=None, sample=None, seed=None,
                   budget_bn=None) -> Scenario:
    """The validated scenario of the Run page's levers; :class:`ScenarioError` says what is wrong."""
    raw = scenario_dict(base, name=name, year=year, nev_share_pct=nev_share_pct, sample=sample, seed=seed,
                        budget_bn=budget_bn)
    return scenario_from_dict(raw, origin=raw["name"])


class _Progress:
    """Maps ``run_scenario``'s ``(stage, fraction)`` calls onto one bar, without flooding it."""

    def __init__(self, report):
        self.report, self.last = report, -1

    def __call__(self, stage: str, fraction: float) -> None:
        share = max(0.0, min(1.0, fraction))
        percent = {"siting": 5 + int(45 * share), "simulation": 50 + int(45 * share)}.get(stage, 3)
        if percent != self.last:
            self.last = percent
            self.report(percent, f"{stage}: {round(100 * fraction)}%")


def run_job(report, scenario: Scenario, runs_root: Path, *, site: bool = False) -> Path:
    """Run ``scenario`` into ``runs_root / scenario.name``, reporting ``report(percent, text)``;
    ``site`` plans stations first.

    Returns the results folder; raises one of :data:`RUN_ERRORS` when the run fails.
    """
    from fleetsim.run import run_scenario

    report(2, "stock model and network…")
    out = Path(runs_root) / scenario.name
    log.info("dashboard run %s into %s", scenario.name, out)
    run = run_scenario(scenario, out_dir=out, progress=_Progress(report), site=site)
    report(100, "done")
    return run.path
