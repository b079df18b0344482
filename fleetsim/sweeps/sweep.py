"""Scenario sweeps on Dask distributed: many (scenario, seed) runs and their combined tables.

:func:`load_sweep` reads a sweep file (see :mod:`szplan.fleetsim.sweeps.sweep_spec` for its format) and
validates every point before anything runs. :func:`run_sweep` runs each (point, seed) as one Dask
task, on a local cluster of worker processes or on an existing scheduler, and writes::

    <out>/sweep.yaml        the sweep as run (base scenario inlined, seeds listed)
    <out>/runs/<run_id>/    one ordinary results folder per run (written atomically)
    <out>/runs.parquet      one row per run: run_id, point, seed, changes, status, error,
                            seconds, cpu_seconds, path, resumed, worker
    <out>/points.parquet    one row per parameter point: point, label, changes
    <out>/sweep.parquet     long table of every finished run's key figures and modelled targets
    <out>/bands.parquet     per point and figure, the 5th/50th/95th percentile across seeds

Running the same sweep into the same folder again skips the runs already complete (a run folder
with a ``manifest.json`` of the same scenario and seed), so an interrupted sweep resumes. A run
that raises is recorded as failed and the others carry on; a run whose worker dies is
rescheduled on another worker by Dask.

Every worker writes its run folders into ``<out>`` itself, so with a remote scheduler ``<out>``
must be a folder every worker and this machine see at the same path (a shared filesystem).
"""
from __future__ import annotations

import argparse
import logging
import math
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from szplan.data.i18n import text

from ..runs.results import MANIFEST
from .sweep_cluster import (ALLOWED_FAILURES, DEFAULT_WORKERS, check_shared_folder, connect, execute_run,
                            manifest_seconds, one_line_error, run_is_complete)
from .sweep_spec import LhsRange, Point, RunSpec, SweepError, SweepSpec, latin_hypercube, load_sweep
from .sweep_tables import BAND_QUANTILES, RunRecord, write_tables, write_text_atomic

__all__ = [
    "SweepError",
    "SweepSpec",
    "Point",
    "RunSpec",
    "LhsRange",
    "RunRecord",
    "SweepResult",
    "DEFAULT_WORKERS",
    "ALLOWED_FAILURES",
    "BAND_QUANTILES",
    "latin_hypercube",
    "load_sweep",
    "run_sweep",
    "run_is_complete",
    "add_arguments",
    "command",
]

log = logging.getLogger(__name__)

#: ``retries`` of each task: re-runs after an exception escaping the task (the task catches the
#: run's own errors, so this covers the rare failure around it, such as unpickling the result).
#: A worker's death is not an exception; Dask reschedules such tasks by ``ALLOWED_FAILURES``.
TASK_RETRIES = 2


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: where it is and what became of each run.

    Attributes
    ----------
    out_dir
        The sweep folder.
    spec
        The sweep.
    records
        One :class:`RunRecord` per run, ordered by run id.
    n_ran
        Runs executed by this call (tasks sent to Dask).
    n_resumed
        Runs found complete and skipped.
    """

    out_dir: Path
    spec: SweepSpec
    records: tuple[RunRecord, ...]
    n_ran: int
    n_resumed: int

    @property
    def n_failed(self) -> int:
        """Runs that failed."""
        return sum(not r.ok for r in self.records)

    @property
    def ok(self) -> bool:
        """True when every run finished."""
        return self.n_failed == 0

    def table(self, name: str) -> pd.DataFrame:
        """One of the sweep's tables (``sweep``, ``runs``, ``points``, ``bands``) as a DataFrame."""
        return pq.read_table(self.out_dir / f"{name}.parquet").to_pandas()


def run_sweep(spec: SweepSpec, *, out_dir: str | Path, workers: int | None = None,
              scheduler: str | None = None,
              progress: bool | Callable[[RunRecord, int, int], None] = True) -> SweepResult:
    """Run every (point, seed) of ``spec`` on Dask and write the sweep's tables into ``out_dir``.

    Parameters
    ----------
    spec
        The sweep (:func:`load_sweep`).
    out_dir
        The sweep folder; runs already complete in it are not run again.
    workers
        Worker processes of the local cluster started for the sweep (default 2, one thread
        each). Not with ``scheduler``.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``) to use instead; ``out_dir``
        must then be on storage every worker sees at the same path.
    progress
        ``True`` shows a progress bar on stderr; a callable is called as
        ``progress(record, done, total)`` after each run instead.

    Returns
    -------
    SweepResult
        Every run's record; a failed run does not raise.

    Raises
    ------
    SweepError
        Bad ``workers``/``scheduler``, the scheduler cannot be reached, or its workers lack this
        version of the package or cannot see ``out_dir``.
    """
    if workers is not None and scheduler is not None:
        raise SweepError.of("sweep.workers_and_scheduler")
    if workers is not None and workers < 1:
        raise SweepError.of("sweep.no_workers", got=workers)
    out = Path(out_dir).resolve()
    (out / "runs").mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "sweep.yaml", "# the sweep as run: base scenario inlined, seeds listed\n"
                       + spec.to_yaml())
    previous = _previous_records(out)

    records: dict[str, RunRecord] = {}
    todo: list[tuple[RunSpec, dict[str, Any]]] = []
    for run in spec.runs:
        scenario_json = run.scenario().model_dump(mode="json")
        path = out / "runs" / run.run_id
        if run_is_complete(path, scenario_json):
            before = previous.get(run.run_id, {})
            seconds = before.get("seconds")
            if seconds is None or math.isnan(seconds):
                seconds = manifest_seconds(path)
            records[run.run_id] = _record(run, "ok", "", seconds, resumed=True, worker=before.get("worker", ""),
                                          cpu_seconds=before.get("cpu_seconds"))
        else:
            todo.append((run, {"run_id": run.run_id, "scenario": scenario_json, "path": str(path)}))
    n_resumed = len(records)
    log.info("sweep %s: %d runs, %d already complete", spec.name, len(spec.runs), n_resumed)

    if todo:
        with _progress(progress, total=len(spec.runs), initial=n_resumed, name=spec.name) as report:
            with connect(workers, scheduler) as client:
                if scheduler is not None:
                    check_shared_folder(client, out / "runs")
                for record in _submit_all(client, todo):
                    records[record.run_id] = record
                    report(record, len(records), len(spec.runs))
        _remove_leftovers(out / "runs")
        _confirm_visible(records, out)

    ordered = tuple(records[run.run_id] for run in spec.runs)
    write_tables(spec, out, ordered)
    return SweepResult(out, spec, ordered, n_ran=len(todo), n_resumed=n_resumed)


def _submit_all(client: Any, todo: list[tuple[RunSpec, dict[str, Any]]]) -> Iterator[RunRecord]:
    from distributed import as_completed

    # unique per call: keys of a long-lived scheduler must not collide with another sweep's
    token = uuid.uuid4().hex[:8]
    submitted, futures = {}, []
    for run, task in todo:
        future = client.submit(execute_run, task, key=f"fleetsim-sweep-{run.run_id}-{token}",
                               pure=False, retries=TASK_RETRIES)
        submitted[future.key] = (run, task)
        futures.append(future)
    for future in as_completed(futures):
        run, task = submitted[future.key]
        try:
            raw = future.result()
        except Exception as err:  # KilledWorker after too many deaths, a lost connection, ...
            if run_is_complete(task["path"], task["scenario"]):
                # the run finished and only its report was lost: the folder is the evidence
                record = _record(run, "ok", "", manifest_seconds(task["path"]), resumed=False, worker="")
            else:
                record = _record(run, "failed", one_line_error(err), float("nan"), resumed=False, worker="")
        else:
            record = _record(run, raw["status"], raw["error"], raw["seconds"], resumed=False,
                             worker=raw["worker"], cpu_seconds=raw.get("cpu_seconds"))
        future.release()
        log.info("run %s %s in %.1f s%s", run.run_id, record.status, record.seconds,
                 f": {record.error}" if record.error else "")
        yield record


def _confirm_visible(records: dict[str, RunRecord], out: Path, wait_s: float = 30.0) -> None:
    """Mark failed the runs a worker reported finished but whose folder this machine cannot see.

    Network filesystems may show a new folder to other machines only after a while, so the
    check waits up to ``wait_s`` in all before giving up.
    """
    deadline = time.monotonic() + wait_s
    for run_id, record in sorted(records.items()):
        if record.resumed or not record.ok:
            continue
        while not (out / record.path / MANIFEST).is_file():
            if time.monotonic() > deadline:
                records[run_id] = replace(record, status="failed", error=(
                    f"the worker wrote {record.path} but it is not visible here; the sweep folder "
                    "must be on storage shared by every worker"))
                break
            time.sleep(0.5)


def _record(run: RunSpec, status: str, error: str, seconds: float | None, *, resumed: bool,
            worker: str, cpu_seconds: float | None = None) -> RunRecord:
    return RunRecord(run_id=run.run_id, point=run.point.index, seed=run.seed,
                     changes=run.point.changes_json(), status=status, error=error,
                     seconds=float("nan") if seconds is None else float(seconds),
                     cpu_seconds=float("nan") if cpu_seconds is None else float(cpu_seconds),
                     path=f"runs/{run.run_id}", resumed=resumed, worker=worker or "")


def _previous_records(out: Path) -> dict[str, dict[str, Any]]:
    """Rows of the runs an earlier call finished, to carry their timings over on resume."""
    path = out / "runs.parquet"
    if not path.is_file():
        return {}
    try:
        rows = pq.read_table(path).to_pylist()
    except (OSError, pa.ArrowInvalid, KeyError):
        return {}
    return {row["run_id"]: row for row in rows if row.get("status") == "ok" and "run_id" in row}


@contextmanager
def _progress(progress: bool | Callable[[RunRecord, int, int], None], *, total: int, initial: int,
              name: str) -> Iterator[Callable[[RunRecord, int, int], None]]:
    if callable(progress):
        yield progress
        return
    if not progress:
        yield lambda record, done, total: None
        return
    from tqdm import tqdm

    failed = 0
    with tqdm(total=total, initial=initial, desc=name, unit="run", file=sys.stderr) as bar:
        def report(record: RunRecord, done: int, total: int) -> None:
            nonlocal failed
            failed += not record.ok
            if failed:
                bar.set_postfix(failed=failed, refresh=False)
            bar.update(1)

        yield report


def _remove_leftovers(runs_dir: Path) -> None:
    """Remove temporary folders of runs whose worker died while writing them."""
    for entry in runs_dir.iterdir():
        if entry.name.startswith(".") and (".tmp-" in entry.name or ".old-" in entry.name) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


# --------------------------------------------------------------------------- the command


def add_arguments(parser: argparse.ArgumentParser, lang: str = "en") -> None:
    """Add the ``sweep`` subcommand's arguments (help in ``lang``) to ``parser`` and make
    :func:`command` its action."""
    parser.add_argument("file", help=text("help.sweep_file", lang))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help=text("help.workers", lang, default=DEFAULT_WORKERS))
    where.add_argument("--scheduler", metavar="tcp://HOST:8786", help=text("help.scheduler", lang))
    parser.add_argument("--out", metavar="DIR", help=text("help.sweep_out", lang))
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``fleetsim sweep``; 0 when every run finished, 1 when some failed."""
    spec = load_sweep(args.file)
    out = Path(args.out) if args.out else Path("results") / f"sweep-{spec.name}"
    lang = getattr(args, "lang", "en")
    print(text("sweep.start", lang, name=spec.name, points=len(spec.points), seeds=len(spec.seeds),
               runs=len(spec.runs), out=out), flush=True)
    # the in-process scheduler logs every worker start and stop at INFO; that is noise on a
    # terminal unless the user asked for INFO logs (fleetsim -v). Importing distributed sets its
    # loggers up, so it comes first or it would undo the change.
    import distributed  # noqa: F401

    dask_log = logging.getLogger("distributed")
    level = dask_log.level
    if not logging.getLogger().isEnabledFor(logging.INFO):
        dask_log.setLevel(logging.WARNING)
    try:
        result = run_sweep(spec, out_dir=out, workers=args.workers, scheduler=args.scheduler,
                           progress=sys.stderr.isatty())
    finally:
        dask_log.setLevel(level)
    print(text("sweep.done", lang, ran=result.n_ran, resumed=result.n_resumed, failed=result.n_failed))
    for record in [r for r in result.records if not r.ok][:10]:
        print(text("sweep.run_failed", lang, run=record.run_id, error=record.error))
    if result.n_failed > 10:
        print(text("sweep.more_failed", lang, more=result.n_failed - 10))
    print(text("sweep.tables", lang, out=result.out_dir))
    return 0 if result.ok else 1
