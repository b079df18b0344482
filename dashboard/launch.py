"""Building a scenario from the Run page's levers and running it in a background process.

Everything here takes values straight from a web request, so nothing is trusted: the base
scenario must be a built-in name or a file directly inside the configured scenarios folder (no
path from the request reaches :func:`szplan.fleetsim.runs.scenario.load_scenario`), each lever is checked for
its type and range before it reaches the scenario, and one run at a time is allowed per runs
root (an exclusive lock on a file there, which the system releases if the run's process dies).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import re
from pathlib import Path

import numpy as np

from szplan.data import i18n
from szplan.data.i18n import Translatable
from szplan.demand import DemandError, StockParams
from szplan.fleetsim.errors import ResultsError, ScenarioError
from szplan.fleetsim.runs.scenario import (
    FIRST_YEAR,
    LAST_YEAR,
    Scenario,
    builtin_scenarios,
    load_scenario,
    scenario_from_dict,
)
from szplan.fleetsim.runs.yaml_loader import show
from szplan.network import NetworkError
from szplan.data.limits import limit

__all__ = ["LEVER_YEAR", "ANCHOR_YEAR", "baseline_private_nev_share", "scenario_dict", "build_scenario",
           "run_job", "RUN_ERRORS", "RunBusy", "run_lock", "scenario_choices", "resolve_base", "check_levers"]

log = logging.getLogger(__name__)

#: the year whose private-car NEV share of new registrations the Run page sets
LEVER_YEAR = 2030
#: the last year of reported shares: the lever ramps linearly from the baseline there
ANCHOR_YEAR = 2025
RUN_ERRORS = (ScenarioError, DemandError, NetworkError, ResultsError, OSError)  # NetworkError covers siting
#: largest sample a dashboard run may use (reason in data/params/limits.csv)
SAMPLE_MAX = limit("dashboard_sample_max")
_BUDGET_MAX_BN = limit("budget_max_cny") / 1e9
_SCENARIO_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}\.ya?ml")
_LOCK_FILE = ".dashboard-run.lock"


class RunBusy(Translatable, RuntimeError):
    """Another run launched from this dashboard (or another one on the same runs root) is running
    (made with :meth:`of`, so that it carries its Chinese message too)."""


def scenario_choices(scenarios_dir: Path | None = None) -> list[str]:
    """What the Run page may start from: the built-in names, then the YAML files directly inside
    ``scenarios_dir`` (by file name)."""
    names = list(builtin_scenarios())
    if scenarios_dir is not None and Path(scenarios_dir).is_dir():
        names += sorted(p.name for p in Path(scenarios_dir).iterdir()
                        if p.is_file() and _SCENARIO_FILE.fullmatch(p.name))
    return names


def resolve_base(base, scenarios_dir: Path | None = None) -> Scenario:
    """The scenario a Run-page choice names; :class:`ScenarioError` for anything else.

    Only :func:`scenario_choices` are accepted, compared as plain strings, so a crafted request
    cannot make the server read any other file; the error does not echo the file's content.
    """
    if isinstance(base, str) and base in builtin_scenarios():
        return load_scenario(base)
    if isinstance(base, str) and scenarios_dir is not None and base in scenario_choices(scenarios_dir):
        path = Path(scenarios_dir) / base
        if path.resolve().parent == Path(scenarios_dir).resolve():  # not a link to elsewhere
            return load_scenario(path)
    raise ScenarioError.of("lever.not_a_scenario" if scenarios_dir is None else "lever.not_a_scenario_or_file",
                           got=show(base, 40))


def _number(value, field: str, low: float, high: float, *, integer: bool = False):
    """A lever's value checked for type and range: None when empty, else an int or a float."""
    if value is None or value == "":
        return None
    bounds = {"field": field, "low": f"{low:g}", "high": f"{high:g}", "got": show(value, 40)}
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError.of("lever.whole_in_range" if integer else "lever.number_in_range", **bounds)
    if integer and value != int(value):
        raise ScenarioError.of("lever.whole", field=field, got=bounds["got"])
    if not low <= value <= high:
        raise ScenarioError.of("lever.range", **bounds)
    return int(value) if integer else float(value)


def check_levers(*, name=None, year=None, nev_share_pct=None, sample=None, seed=None, budget_bn=None) -> dict:
    """The Run page's levers checked on the server (the browser's limits are only a help).

    Returns the levers as clean Python values; :class:`ScenarioError` names the first bad one.
    """
    if name is not None and not isinstance(name, str):
        raise ScenarioError.of("lever.name_not_text", kind=type(name).__name__)
    if isinstance(name, str) and len(name) > 80:
        raise ScenarioError.of("lever.name_too_long", n=f"{len(name):,}")
    return {
        "name": name,
        "year": _number(year, "year", FIRST_YEAR, LAST_YEAR, integer=True),
        "nev_share_pct": _number(nev_share_pct, f"stock.nev_share_path.{LEVER_YEAR} (%)", 0, 100),
        "sample": _number(sample, "simulation.sample", limit("sample_min"), SAMPLE_MAX),
        "seed": _number(seed, "seed", 0, 2**32 - 1, integer=True),
        "budget_bn": _number(budget_bn, "siting.budget_cny (CNY bn)", 0, _BUDGET_MAX_BN),
    }


@contextlib.contextmanager
def run_lock(runs_root: Path):
    """Hold the runs root's run lock for the duration of a run; :class:`RunBusy` when taken.

    An advisory ``flock`` on ``runs_root/.dashboard-run.lock``: it works across the background
    processes Dash starts for its jobs, and the system drops it when the holder dies.
    """
    root = Path(runs_root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunBusy.of("run.busy") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def baseline_private_nev_share(year: int) -> float:
    """Private-car NEV share of new registrations in ``year`` in the calibrated baseline."""
    shares = StockParams().segment_params("private_car").new_shares
    years = sorted(shares)
    nev = [sum(shares[y].get(pt, 0.0) for pt in ("BEV", "PHEV", "FCEV")) for y in years]
    return float(np.interp(year, years, nev))


def scenario_dict(base: str, *, name: str | None, year, nev_share_pct, sample, seed, budget_bn=None,
                  scenarios_dir: Path | None = None) -> dict:
    """The scenario ``base`` (built-in name) with the Run page's levers applied, as a mapping.

    Parameters
    ----------
    base : str
        Built-in scenario name, or a file name in ``scenarios_dir`` (see :func:`resolve_base`).
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

    scenarios_dir : Path or None
        The one folder whose scenario files the Run page may start from.

    Raises
    ------
    ScenarioError
        When ``base`` is not a scenario or a lever is out of its range.
    """
    scenario = resolve_base(base, scenarios_dir)
    levers = check_levers(name=name, year=year, nev_share_pct=nev_share_pct, sample=sample, seed=seed,
                          budget_bn=budget_bn)
    year, nev_share_pct, sample, seed, budget_bn = (levers[k] for k in ("year", "nev_share_pct", "sample", "seed",
                                                                        "budget_bn"))
    raw = scenario.model_dump()  # python mode keeps the integer year keys of the paths
    raw["name"] = name.strip() if isinstance(name, str) and name.strip() else f"{scenario.name}-custom"
    for key, value in (("year", year), ("seed", seed)):
        if value is not None:
            raw[key] = value
    if sample is not None:
        raw["simulation"]["sample"] = sample
    # a background run has no terminal to draw a progress bar on
    raw["simulation"]["progress"] = False
    if nev_share_pct is not None:
        path = dict(raw["stock"].get("nev_share_path") or {})
        if not any(y < LEVER_YEAR for y in path):
            path[ANCHOR_YEAR] = round(baseline_private_nev_share(ANCHOR_YEAR), 4)
        path[LEVER_YEAR] = nev_share_pct / 100.0
        raw["stock"]["nev_share_path"] = path
    if budget_bn is not None:
        raw["siting"]["budget_cny"] = budget_bn * 1e9
    raw["description"] = (f"{scenario.name} with levers set on the dashboard: year {raw['year']}, seed "
                          f"{raw['seed']}, sample {raw['simulation']['sample']}"
                          + (f", {LEVER_YEAR} private-car NEV share {nev_share_pct:g}%"
                             if nev_share_pct is not None else "")
                          + (f", stations planned with a budget of CNY {budget_bn:g} bn"
                             if budget_bn is not None else ""))
    return raw


def build_scenario(base: str, *, name=None, year=None, nev_share_pct=None, sample=None, seed=None,
                   budget_bn=None, scenarios_dir: Path | None = None) -> Scenario:
    """The validated scenario of the Run page's levers; :class:`ScenarioError` says what is wrong."""
    raw = scenario_dict(base, name=name, year=year, nev_share_pct=nev_share_pct, sample=sample, seed=seed,
                        budget_bn=budget_bn, scenarios_dir=scenarios_dir)
    return scenario_from_dict(raw, origin=raw["name"])


class _Progress:
    """Maps ``run_scenario``'s ``(stage, fraction)`` calls onto one bar, without flooding it."""

    def __init__(self, report, lang: str = "en"):
        self.report, self.last, self.lang = report, -1, lang

    def __call__(self, stage: str, fraction: float) -> None:
        share = max(0.0, min(1.0, fraction))
        # the design day, then the other day types of the year ("year"); unknown stages hold the bar
        percent = {"siting": 5 + int(45 * share), "simulation": 50 + int(30 * share),
                   "year": 80 + int(18 * share)}.get(stage, self.last)
        if percent > self.last:
            self.last = percent
            name = f"stage.{stage}"
            shown = i18n.text(name, self.lang) if name in i18n.catalogue() else stage
            self.report(percent, i18n.text("cli.stage", self.lang, stage=shown, percent=round(100 * fraction)))


def run_job(report, scenario: Scenario, runs_root: Path, *, site: bool = False, lang: str = "en") -> Path:
    """Run ``scenario`` into ``runs_root / scenario.name``, reporting ``report(percent, text)``
    (the text in ``lang``); ``site`` plans stations first.

    Returns the results folder; raises one of :data:`RUN_ERRORS` when the run fails.
    """
    from szplan.fleetsim.runs.run import run_scenario

    report(2, i18n.text("run.progress_start", lang))
    out = Path(runs_root) / scenario.name
    log.info("dashboard run %s into %s", scenario.name, out)
    run = run_scenario(scenario, out_dir=out, progress=_Progress(report, lang), site=site)
    report(100, i18n.text("run.progress_done", lang))
    return run.path
