"""Results folders: Parquet tables with fixed schemas and a manifest, written atomically.

A run writes into a hidden temporary folder beside the target and renames it into place only when
every table and the manifest are complete, so an interrupted run never leaves a folder that looks
finished, and an existing result is replaced whole or not at all. The Parquet files depend only on
the scenario and seed: same inputs, same bytes (``manifest.json`` also records timings, so it
differs between runs).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ResultsError
from .schemas import TABLES, arrow_schema

__all__ = ["MANIFEST", "write_results", "read_table", "read_manifest", "package_versions"]

MANIFEST = "manifest.json"
_VERSIONED = ("shenzhen-fleetsim", "simpy", "networkx", "ortools", "numpy", "pandas", "pyarrow",
              "pydantic", "shapely", "dash", "distributed")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the results."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    schema = arrow_schema(name)
    missing = [c for c in schema.names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in schema.names]
    if missing or extra:
        raise ResultsError(f"table {name}: columns missing {missing}, unexpected {extra}")
    try:
        return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise ResultsError(f"table {name}: {err}") from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_results(out_dir: str | Path, tables: dict[str, pd.DataFrame], manifest: dict) -> Path:
    """Write ``tables`` (name → DataFrame, names from :data:`fleetsim.schemas.TABLES`) and the
    manifest into ``out_dir``, atomically. Returns the final path.

    Each table is checked against its schema before anything is renamed into place; a wrong
    table raises :class:`ResultsError` and leaves any existing ``out_dir`` untouched.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ResultsError(f"tables {unknown} have no schema in fleetsim.schemas")
    arrow = {name: _to_arrow(name, frame) for name, frame in sorted(tables.items())}
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        # mkdtemp makes the folder private; a results folder is meant to be shared like any other
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        files = {}
        for name, table in arrow.items():
            path = tmp / f"{name}.parquet"
            # fixed writer options: no timestamps in the file, so bytes depend on content only
            pq.write_table(table, path, compression="zstd", write_statistics=True)
            files[name] = {"rows": table.num_rows, "sha256": _sha256(path)}
        full = {**manifest, "tables": files, "versions": package_versions()}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True, default=str) + "\n")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _swap_into_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    if not out.is_dir():
        raise ResultsError(f"{out} exists and is not a results folder")
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(run_dir: str | Path) -> dict:
    """The manifest of a finished run; :class:`ResultsError` when the folder is not one."""
    path = Path(run_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{run_dir}: not a finished results folder (no {MANIFEST})") from None
    except (OSError, json.JSONDecodeError) as err:
        raise ResultsError(f"{run_dir}: unreadable {MANIFEST} ({err})") from None


def read_table(run_dir: str | Path, name: str) -> pd.DataFrame:
    """One table of a results folder as a DataFrame."""
    path = Path(run_dir) / f"{name}.parquet"
    if not path.exists():
        raise ResultsError(f"{run_dir}: no table {name!r}")
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as err:
        raise ResultsError(f"{run_dir}: table {name!r} is unreadable ({err})") from None
