"""The Dask side of a sweep: the cluster to run on and the task each run is.

The task (:func:`execute_run`) runs on a worker process; it is imported there by reference, so
every worker needs the same version of this package installed.
"""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ResultsError
from ..runs.results import MANIFEST, read_manifest
from .sweep_spec import SweepError

__all__ = [
    "DEFAULT_WORKERS",
    "ALLOWED_FAILURES",
    "connect",
    "check_shared_folder",
    "execute_run",
    "run_is_complete",
    "manifest_seconds",
    "one_line_error",
]

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
#: Deaths of workers running the same run before Dask gives up on it (``KilledWorker``). Dask's
#: default is 3; a run of this package does not kill workers by itself, so repeated deaths are
#: more likely preemption or lost machines than the run's fault, and a few more are tolerated.
ALLOWED_FAILURES = 5


def one_line_error(err: BaseException) -> str:
    """``ExceptionType: message`` on one line."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def run_is_complete(run_dir: str | Path, scenario_json: dict[str, Any]) -> bool:
    """True when ``run_dir`` is a finished results folder of exactly this scenario and seed.

    ``scenario_json`` is ``scenario.model_dump(mode="json")`` of the scenario as run (seed
    included). A folder left by an earlier version of the sweep (other parameters) does not
    count, so editing a sweep file and running it into the same folder re-runs what changed.
    """
    if not (Path(run_dir) / MANIFEST).is_file():
        return False
    try:
        manifest = read_manifest(run_dir)
    except ResultsError:
        return False
    # the manifest holds the scenario after a JSON round trip; compare like with like
    return manifest.get("scenario") == json.loads(json.dumps(scenario_json))


def manifest_seconds(run_dir: str | Path) -> float:
    """Sum of the stage timings in a finished run's manifest (NaN when unreadable)."""
    try:
        timings = read_manifest(run_dir).get("timings_s", {})
        return round(float(sum(timings.values())), 3)
    except (ResultsError, AttributeError, TypeError, ValueError):
        return float("nan")


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not on a Dask worker
        return ""


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run one (scenario, seed) into its results folder; never raises for a failing run.

    ``task`` holds ``run_id``, ``scenario`` (the scenario as run, JSON mapping, seed included)
    and ``path`` (the results folder). Returns ``run_id, status, error, seconds, cpu_seconds,
    worker, resumed``. A failure comes back as a record, so the client sees every run's outcome and one
    bad run cannot stop the sweep; only the death of the worker process escapes, and Dask then
    reschedules the task on another worker.
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    record = {"run_id": task["run_id"], "status": "ok", "error": "", "worker": _worker_address(),
              "resumed": False, "cpu_seconds": float("nan")}
    try:
        # the task may be a retry after its worker died between finishing the folder and reporting
        if run_is_complete(task["path"], task["scenario"]):
            return {**record, "seconds": manifest_seconds(task["path"]), "resumed": True}
        from ..runs.run import run_scenario
        from ..runs.scenario import scenario_from_dict

        scenario = scenario_from_dict(task["scenario"], origin=task["run_id"])
        run_scenario(scenario, out_dir=task["path"], seed=scenario.seed)
    except Exception as err:
        log.exception("run %s failed", task["run_id"])
        record.update(status="failed", error=one_line_error(err))
    record["seconds"] = round(time.perf_counter() - start, 3)
    record["cpu_seconds"] = round(time.process_time() - cpu_start, 3)
    return record


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new local cluster.

    The local cluster has ``workers`` processes (default :data:`DEFAULT_WORKERS`) of one thread
    each, because a run is single-threaded Python; it is closed on exit. Its scheduler tolerates
    :data:`ALLOWED_FAILURES` worker deaths per run. A remote scheduler keeps its own setting
    (``distributed.scheduler.allowed-failures`` where it was started).

    Raises
    ------
    SweepError
        ``workers`` below 1, the scheduler cannot be reached, or one of its workers lacks this
        version of the package.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise SweepError.of("sweep.cannot_connect", scheduler=scheduler, reason=one_line_error(err)) from None
        try:
            _check_workers(client, scheduler)
            yield client
        finally:
            client.close()
        return
    n_workers = DEFAULT_WORKERS if workers is None else workers
    if n_workers < 1:
        raise SweepError.of("sweep.no_workers", got=n_workers)
    allowed = max(int(dask.config.get("distributed.scheduler.allowed-failures")), ALLOWED_FAILURES)
    # read by the scheduler when it starts; the local cluster's scheduler lives in this process
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed}):
        # no dashboard (the progress bar is the sweep's view) and no fixed HTTP port, so two
        # sweeps on one machine do not compete for port 8787
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0", scheduler_kwargs={"dashboard": False}) as cluster, \
                Client(cluster) as client:
            yield client


def _check_workers(client: Any, address: str) -> None:
    """Refuse workers that do not have the same version of this package as the client."""
    from importlib import metadata

    local = metadata.version("shenzhen-fleetsim")
    found = client.run(metadata.version, "shenzhen-fleetsim", on_error="return")
    if not found:
        log.warning("scheduler %s has no workers yet; the runs wait until workers join", address)
    wrong = {w: v for w, v in found.items() if v != local}
    if wrong:
        worker, version = sorted(wrong.items(), key=lambda item: item[0])[0]
        what = "no fleetsim installed" if isinstance(version, BaseException) else f"fleetsim {version}"
        more = f" (+{len(wrong) - 1} more worker(s))" if len(wrong) > 1 else ""
        raise SweepError(f"--scheduler {address}: worker {worker} has {what}, this machine has "
                         f"fleetsim {local}; install the same version on every worker{more}")


def check_shared_folder(client: Any, folder: str | Path, wait_s: float = 30.0) -> None:
    """Make sure every worker sees ``folder`` at the same path, before any run is sent.

    A marker file is written into ``folder`` here and looked for on each worker (network
    filesystems may take a few seconds to show it, hence the wait).

    Raises
    ------
    SweepError
        Naming a worker that does not see the folder.
    """
    marker = Path(folder) / f".shared-check-{uuid.uuid4().hex[:12]}"
    marker.write_text("this folder is shared with the sweep's workers\n")
    try:
        deadline = time.monotonic() + wait_s
        while True:
            seen = client.run(os.path.exists, str(marker))
            blind = sorted(w for w, ok in seen.items() if not ok)
            if not blind or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    finally:
        marker.unlink(missing_ok=True)
    if blind:
        raise SweepError(f"--out {Path(folder).parent}: worker {blind[0]} cannot see this folder; with "
                         "--scheduler the sweep folder must be on storage every worker mounts at the "
                         "same path" + (f" (+{len(blind) - 1} more worker(s))" if len(blind) > 1 else ""))
