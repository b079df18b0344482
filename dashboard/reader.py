"""The one place where the dashboard reads results folders.

Results are found in the folders named on the command line and under the runs root (where the
Run page writes new runs). A folder is one of:

* a **run**: it holds ``manifest.json`` and the Parquet tables of :mod:`szplan.fleetsim.runs.schemas`;
* a **sweep**: it holds ``bands.parquet`` or ``sweep.parquet`` (and ``runs.parquet``), with the
  individual runs' folders under ``<sweep>/runs/<run_id>/``;
* a **collection**: any other folder, whose direct sub-folders are runs or sweeps.

Tables are cached per folder and manifest modification time, so a run replaced in place (the
writer renames a complete folder over the old one) is read afresh, and a switch back to a run
already seen costs no disk read. Nothing here ever runs the model.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from szplan.data import i18n
from szplan.fleetsim.errors import ResultsError
from szplan.fleetsim.runs.results import MANIFEST, read_manifest, read_table

__all__ = ["RunInfo", "SweepInfo", "ResultsReader", "SWEEP_TABLES"]

log = logging.getLogger(__name__)

#: tables whose presence marks a sweep folder
SWEEP_TABLES = ("bands", "sweep", "runs")
_BANDS_COLUMNS = ("point", "figure", "year", "unit", "p05", "p50", "p95", "n_seeds")
_CACHE_SIZE = 96


@dataclass(frozen=True)
class RunInfo:
    """A results folder as listed in the run pickers.

    Attributes
    ----------
    run_id : str
        The folder's resolved path; the value the pickers carry.
    label : str
        Short human label in English: folder name, scenario year, whether it has a station plan,
        sample and seed (the pages say it in the visitor's language from the fields below, see
        :func:`dashboard.ui.run_label`).
    name : str
        Folder name (for a run inside a sweep: ``<sweep>/<run_id>``).
    scenario : str
        Scenario name from the manifest ("" when the manifest is unreadable).
    year : int or None
        Scenario year.
    problem : str
        Why the run cannot be shown ("" when it can).
    sample, seed : str
        The simulated fraction of the fleet and the seed, as short text for the label.
    planned : bool
        Whether the run has a station plan.
    problem_zh : str
        ``problem`` in Chinese ("" when it can be shown, or when the problem has no Chinese text).
    """

    run_id: str
    label: str
    name: str
    scenario: str = ""
    year: int | None = None
    problem: str = ""
    sample: str = ""
    seed: str = ""
    planned: bool = False
    problem_zh: str = ""

    def problem_in(self, lang: str = "en") -> str:
        """``problem`` in ``lang`` (English when it has no Chinese text)."""
        return (self.problem_zh if lang == "zh" else "") or self.problem

    def error(self) -> ResultsError:
        """``problem`` as the error to raise, in both languages."""
        err = ResultsError(self.problem)
        err.zh = self.problem_zh or None
        return err


@dataclass(frozen=True)
class SweepInfo:
    """A sweep folder: bands over seeds for every parameter point."""

    sweep_id: str
    label: str
    run_ids: tuple[str, ...] = field(default_factory=tuple)
    #: the sweep folder's name (the label says it in English with the number of runs)
    name: str = ""


def _is_run(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def _is_sweep(path: Path) -> bool:
    return any((path / f"{name}.parquet").is_file() for name in SWEEP_TABLES)


def _visible_dirs(path: Path) -> list[Path]:
    # hidden folders are the writer's half-written temporaries and caches: never results
    try:
        return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _run_info(run_id: str, folder: Path, name: str) -> RunInfo:
    """The listing entry of a run folder; :class:`ResultsError` says what is wrong with it.

    A manifest is read defensively: any JSON may sit in a folder, so every field used is
    checked for its type. A table missing on disk is reported by the pages that need it.
    """
    manifest = read_manifest(folder)
    scenario = manifest.get("scenario")
    if not isinstance(scenario, dict):
        raise ResultsError.of("results.no_scenario", path=folder, manifest=MANIFEST)
    simulation = scenario.get("simulation")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ResultsError.of("results.no_tables", path=folder, manifest=MANIFEST)
    year = scenario.get("year")
    year = year if isinstance(year, int) and not isinstance(year, bool) else None
    sample = simulation.get("sample") if isinstance(simulation, dict) else None
    seed = manifest.get("seed", scenario.get("seed"))
    plan = ", station plan" if manifest.get("siting") else ""
    label = f"{name} ({year}{plan}, sample {_plain(sample)}, seed {_plain(seed)})"
    return RunInfo(run_id, label, name, _plain(scenario.get("name", "")), year, sample=_plain(sample),
                   seed=_plain(seed), planned=bool(manifest.get("siting")))


def _plain(value) -> str:
    """A manifest value for a label: short text whatever the JSON holds."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


class ResultsReader:
    """Finds results folders and reads their tables through a small cache.

    Parameters
    ----------
    results_dirs : list of Path
        Folders given explicitly (runs, sweeps or collections), listed first, in order.
    runs_root : Path
        Folder holding runs made from the dashboard; scanned on every listing, newest first.
        It need not exist.
    """

    def __init__(self, results_dirs: list[Path], runs_root: Path):
        self.results_dirs = [Path(p) for p in results_dirs]
        self.runs_root = Path(runs_root)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._runs: dict[str, RunInfo] = {}
        self._sweeps: dict[str, SweepInfo] = {}
        self._infos: dict[tuple[str, str, int], RunInfo] = {}
        self.problems: list[str] = []
        #: the same problems in Chinese, in the same order
        self.problems_zh: list[str] = []
        self.refresh()
        for problem in self.problems:  # said once at start-up as well as on every page
            log.warning("%s", problem)

    # ---- discovery -------------------------------------------------------------------------

    def refresh(self) -> list[RunInfo]:
        """Scan the folders again; returns the runs in display order."""
        runs: dict[str, RunInfo] = {}
        sweeps: dict[str, SweepInfo] = {}
        problems: list[tuple[str, str]] = []  # (English, Chinese)

        def cannot_read(path, err) -> tuple[str, str]:
            return (i18n.text("results.cannot_read", "en", path=path, reason=err),
                    i18n.text("results.cannot_read", "zh", path=path, reason=err))

        for folder in self.results_dirs:
            try:
                problem = self._scan_given(runs, sweeps, folder)
            except (OSError, ValueError) as err:  # a folder that changes or breaks while listed
                problem = cannot_read(folder, err)
            if problem:
                problems.append(problem)
        if self.runs_root.is_dir():
            children = sorted(_visible_dirs(self.runs_root), key=_mtime, reverse=True)
            for child in children:
                try:
                    if _is_run(child):
                        self._add_run(runs, child, child.name)
                    elif _is_sweep(child):
                        self._add_sweep(runs, sweeps, child)
                except (OSError, ValueError) as err:
                    problems.append(cannot_read(child, err))
        problems += [(info.problem, info.problem_in("zh")) for info in runs.values() if info.problem]
        with self._lock:
            self._runs, self._sweeps = runs, sweeps
            self.problems, self.problems_zh = [en for en, _ in problems], [zh for _, zh in problems]
        return list(runs.values())

    def _scan_given(self, runs, sweeps, folder: Path) -> tuple[str, str] | None:
        """List one folder given on the command line; the problem with it (English, Chinese), or None."""
        def say(key: str, **fields) -> tuple[str, str]:
            return i18n.text(key, "en", path=folder, **fields), i18n.text(key, "zh", path=folder, **fields)

        if not folder.exists():
            return say("results.no_folder")
        if _is_run(folder):
            self._add_run(runs, folder, folder.name)
        elif _is_sweep(folder):
            self._add_sweep(runs, sweeps, folder)
        elif folder.is_dir():
            if not self._scan_collection(runs, sweeps, folder):
                return say("results.no_results_in", manifest=MANIFEST)
        else:
            return say("results.not_a_folder")
        return None

    def _scan_collection(self, runs, sweeps, folder: Path) -> int:
        count = 0
        for child in _visible_dirs(folder):
            if _is_run(child):
                self._add_run(runs, child, child.name)
                count += 1
            elif _is_sweep(child):
                self._add_sweep(runs, sweeps, child)
                count += 1
        return count

    def _add_sweep(self, runs, sweeps, folder: Path) -> None:
        sweep_id = str(folder.resolve())
        members = []
        for child in _visible_dirs(folder / "runs"):
            if _is_run(child):
                members.append(self._add_run(runs, child, f"{folder.name}/{child.name}"))
        sweeps.setdefault(sweep_id, SweepInfo(sweep_id, f"{folder.name} ({len(members)} runs)",
                                              tuple(members), folder.name))

    def _add_run(self, runs, folder: Path, name: str) -> str:
        run_id = str(folder.resolve())
        if run_id in runs:
            return run_id
        # listings happen on every page load: read a manifest again only when it changed
        key = (run_id, name, _mtime_ns(folder / MANIFEST))
        cached = self._infos.get(key)
        if cached is not None:
            runs[run_id] = cached
            return run_id
        try:
            runs[run_id] = _run_info(run_id, folder, name)
        except ResultsError as err:
            runs[run_id] = RunInfo(run_id, f"{name} (unreadable)", name, problem=str(err),
                                   problem_zh=i18n.error_text(err, "zh"))
        self._infos[key] = runs[run_id]
        return run_id

    def runs(self, *, refresh: bool = True) -> list[RunInfo]:
        """Every run found, the explicitly given ones first, then the runs root's newest first."""
        if refresh:
            return self.refresh()
        with self._lock:
            return list(self._runs.values())

    def sweeps(self, *, refresh: bool = False) -> list[SweepInfo]:
        """Every sweep folder found."""
        if refresh:
            self.refresh()
        with self._lock:
            return list(self._sweeps.values())

    def run_info(self, run_id: str) -> RunInfo:
        """The listing entry of ``run_id``; :class:`ResultsError` when it is not a known run."""
        if not isinstance(run_id, str):  # a request may post anything
            raise ResultsError.of("results.not_a_run_id", kind=type(run_id).__name__)
        with self._lock:
            info = self._runs.get(run_id)
        if info is None:
            # a run launched since the last scan: look again once
            self.refresh()
            with self._lock:
                info = self._runs.get(run_id)
        if info is None:
            raise ResultsError.of("results.unknown_run", run=run_id)
        return info

    def default_run(self) -> str | None:
        """The run a page shows first: the first readable one listed."""
        for info in self.runs(refresh=False) or self.runs():
            if not info.problem:
                return info.run_id
        return None

    # ---- tables ----------------------------------------------------------------------------

    def _cached(self, key: tuple, load):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        frame = load()
        with self._lock:
            self._cache[key] = frame
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return frame

    def _stamp(self, run_id: str) -> int:
        try:
            return Path(run_id, MANIFEST).stat().st_mtime_ns
        except OSError:
            raise ResultsError.of("results.gone", run=run_id, manifest=MANIFEST) from None

    def memo(self, key: tuple, run_ids, compute):
        """``compute()`` cached under ``key`` and the current version of each run in ``run_ids``.

        Pages cache their finished figures this way: switching back to a run already shown
        costs only sending them again. A run replaced on disk gets a new manifest time and so
        a new entry.
        """
        for run_id in run_ids:
            info = self.run_info(run_id)  # only runs this reader lists
            if info.problem:
                raise info.error()
        stamps = tuple((r, self._stamp(r)) for r in run_ids)
        return self._cached(("memo", *key, stamps), compute)

    def manifest(self, run_id: str) -> dict:
        """The manifest of a known run."""
        info = self.run_info(run_id)
        if info.problem:
            raise info.error()
        return read_manifest(run_id)

    def table(self, run_id: str, name: str) -> pd.DataFrame:
        """Table ``name`` of a known run (cached; do not modify the frame returned)."""
        info = self.run_info(run_id)
        if info.problem:
            raise info.error()
        return self._cached((run_id, self._stamp(run_id), name), lambda: read_table(run_id, name))

    def optional_table(self, run_id: str, name: str) -> pd.DataFrame | None:
        """Table ``name`` when the run has it, else None (for tables later runs add)."""
        if not Path(run_id, f"{name}.parquet").is_file():
            return None
        return self.table(run_id, name)

    @staticmethod
    def bands_stamp(sweep_id: str) -> int:
        """Modification time of a sweep's ``bands.parquet`` (its cache version)."""
        try:
            return Path(sweep_id, "bands.parquet").stat().st_mtime_ns
        except OSError:
            raise ResultsError.of("results.no_bands", sweep=sweep_id) from None

    def bands(self, sweep_id: str) -> pd.DataFrame:
        """The sweep's ``bands.parquet``: ``point, figure, year, unit, p05, p50, p95, n_seeds``."""
        if not isinstance(sweep_id, str):
            raise ResultsError.of("results.not_a_sweep_id", kind=type(sweep_id).__name__)
        with self._lock:
            known = sweep_id in self._sweeps
        if not known:
            self.refresh()
            with self._lock:
                known = sweep_id in self._sweeps
        if not known:
            raise ResultsError.of("results.unknown_sweep", sweep=sweep_id)
        frame = self._cached((sweep_id, self.bands_stamp(sweep_id), "bands"), lambda: read_table(sweep_id, "bands"))
        missing = [c for c in _BANDS_COLUMNS if c not in frame.columns]
        if missing:
            raise ResultsError.of("results.bands_columns", sweep=sweep_id, missing=missing)
        return frame
