"""The tables of a sweep folder: one row per run, per point, per run and figure, per band.

Written with fixed Arrow schemas, rows sorted, through a temporary file renamed into place, so a
reader never sees a half-written table and the same results give the same bytes (except
``runs.parquet``, whose ``seconds`` and ``worker`` record how the runs went).

``runs.parquet``
    run_id, point, seed, changes (JSON text of the point's swept parameters), status
    (``ok``/``failed``), error, seconds, cpu_seconds, path (the run's folder, relative to the sweep folder),
    resumed (complete before this call), worker (Dask worker address).
``points.parquet``
    point, label (``path=value, ...``), changes (JSON text).
``sweep.parquet``
    run_id, point, seed, source, figure, year, value, unit, met: every finished run's key
    figures (``source`` = ``figure``, from its ``figures.parquet``; ``met`` empty) and every
    target it computes (``source`` = ``target``, ``figure`` = target id, ``value`` = modelled
    value, ``unit`` from targets.csv, ``met`` whether the target is met). Targets the model does
    not compute are left out.
``bands.parquet``
    point, figure, year, unit, p05, p50, p95, n_seeds: for each point and each figure of
    ``sweep.parquet`` (key figures and targets), the 5th, 50th and 95th percentile across the
    point's finished seeds (linear interpolation between order statistics, NumPy's default).
"""
from __future__ import annotations

import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..runs.results import read_table
from .sweep_spec import SweepSpec

__all__ = [
    "BAND_QUANTILES",
    "RUNS_SCHEMA",
    "POINTS_SCHEMA",
    "SWEEP_SCHEMA",
    "BANDS_SCHEMA",
    "RunRecord",
    "band_rows",
    "run_rows",
    "write_parquet",
    "write_text_atomic",
    "write_tables",
]

#: Percentiles (in %) written to ``bands.parquet`` as ``p05, p50, p95``.
BAND_QUANTILES = (5.0, 50.0, 95.0)

RUNS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("point", pa.int64()), ("seed", pa.int64()), ("changes", pa.string()),
    ("status", pa.string()), ("error", pa.string()), ("seconds", pa.float64()), ("cpu_seconds", pa.float64()),
    ("path", pa.string()), ("resumed", pa.bool_()), ("worker", pa.string()),
])
POINTS_SCHEMA = pa.schema([("point", pa.int64()), ("label", pa.string()), ("changes", pa.string())])
SWEEP_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("point", pa.int64()), ("seed", pa.int64()), ("source", pa.string()),
    ("figure", pa.string()), ("year", pa.int64()), ("value", pa.float64()), ("unit", pa.string()),
    ("met", pa.bool_()),
])
BANDS_SCHEMA = pa.schema([
    ("point", pa.int64()), ("figure", pa.string()), ("year", pa.int64()), ("unit", pa.string()),
    ("p05", pa.float64()), ("p50", pa.float64()), ("p95", pa.float64()), ("n_seeds", pa.int64()),
])


@dataclass(frozen=True)
class RunRecord:
    """What became of one run; a row of ``runs.parquet``.

    Attributes
    ----------
    run_id, point, seed
        Which run (see :class:`szplan.fleetsim.sweeps.sweep_spec.RunSpec`).
    changes
        The point's swept parameters as JSON text.
    status
        ``ok`` or ``failed``.
    error
        ``ExceptionType: message`` of a failed run, else empty.
    seconds
        Wall time of the run (for a resumed run, the time it took when it ran).
    cpu_seconds
        CPU time of the worker process during the run; well below ``seconds`` when the machine
        had more work than cores (NaN when unknown, as for a resumed run).
    path
        The run's results folder, relative to the sweep folder.
    resumed
        True when the run was already complete and was not run again.
    worker
        Address of the Dask worker that ran it (empty when unknown).
    """

    run_id: str
    point: int
    seed: int
    changes: str
    status: str
    error: str
    seconds: float
    cpu_seconds: float
    path: str
    resumed: bool
    worker: str

    @property
    def ok(self) -> bool:
        """True when the run finished and its results folder is complete."""
        return self.status == "ok"


def _temp_beside(path: Path) -> Path:
    return path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write ``table`` to ``path`` so that a reader never sees a half-written file."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        # fixed writer options: no timestamps in the file, so bytes depend on content only
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN; False for ordinary values
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def _target_units() -> dict[str, str]:
    from szplan.demand import load_targets

    targets = load_targets()
    return {str(t): str(u) for t, u in zip(targets["target_id"], targets["unit"], strict=True)}


def run_rows(record: RunRecord, run_dir: str | Path, units: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The ``sweep.parquet`` rows of one finished run: its key figures, then its computed targets.

    ``units`` maps target id to unit (default: from ``data/facts/targets.csv``).
    """
    units = _target_units() if units is None else units
    base = {"run_id": record.run_id, "point": record.point, "seed": record.seed}
    figures = read_table(run_dir, "figures")[["figure", "year", "value", "unit"]]
    rows = [{**base, "source": "figure", "figure": str(f), "year": int(y), "value": float(v),
             "unit": str(u), "met": None}
            for f, y, v, u in figures.itertuples(index=False)]
    targets = read_table(run_dir, "targets")[["target_id", "year", "modelled_value", "met"]]
    for t, y, v, met in targets.itertuples(index=False):
        # targets the model does not compute have no value; they would only add empty rows
        if _missing(v):
            continue
        rows.append({**base, "source": "target", "figure": str(t), "year": int(y), "value": float(v),
                     "unit": units.get(str(t), ""), "met": None if _missing(met) else bool(met)})
    return rows


def band_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Percentiles across seeds of each (point, figure, year, unit) of ``sweep.parquet`` rows.

    Returns one ``bands.parquet`` row per group, sorted; missing values are left out of the
    percentiles and of ``n_seeds``.
    """
    groups: dict[tuple[int, str, int, str], list[float]] = {}
    for row in rows:
        if not _missing(row["value"]):
            key = (row["point"], row["figure"], row["year"], row["unit"])
            groups.setdefault(key, []).append(row["value"])
    bands = []
    for (point, figure, year, unit), values in sorted(groups.items()):
        p05, p50, p95 = (float(q) for q in np.percentile(np.asarray(values, float), BAND_QUANTILES))
        bands.append({"point": point, "figure": figure, "year": year, "unit": unit,
                      "p05": p05, "p50": p50, "p95": p95, "n_seeds": len(values)})
    return bands


def write_tables(spec: SweepSpec, out_dir: str | Path, records: list[RunRecord] | tuple[RunRecord, ...]) -> None:
    """Write ``runs``, ``points``, ``sweep`` and ``bands`` ``.parquet`` into ``out_dir``.

    ``sweep`` and ``bands`` hold the runs whose status is ``ok``; their figures are read from
    the run folders, so the tables always match the folders.
    """
    out = Path(out_dir)
    ordered = sorted(records, key=lambda r: r.run_id)
    write_parquet(pa.Table.from_pylist([asdict(r) for r in ordered], schema=RUNS_SCHEMA), out / "runs.parquet")
    points = [{"point": p.index, "label": p.label(), "changes": p.changes_json()} for p in spec.points]
    write_parquet(pa.Table.from_pylist(points, schema=POINTS_SCHEMA), out / "points.parquet")
    units = _target_units()
    rows = [row for r in ordered if r.ok for row in run_rows(r, out / r.path, units)]
    rows.sort(key=lambda row: (row["run_id"], row["source"] != "figure", row["figure"], row["year"]))
    write_parquet(pa.Table.from_pylist(rows, schema=SWEEP_SCHEMA), out / "sweep.parquet")
    write_parquet(pa.Table.from_pylist(band_rows(rows), schema=BANDS_SCHEMA), out / "bands.parquet")
