"""Results folders: Parquet tables with fixed schemas and a manifest, written atomically.

A run writes into a hidden temporary folder beside the target and moves it into place only when
every table and the manifest are complete, so an interrupted run never leaves a folder that looks
finished. An existing result is replaced in one step on Linux: ``renameat2(RENAME_EXCHANGE)``
swaps the two folders atomically, so at every instant the target is the old result or the new
one, whatever kills the process. Where the exchange is not available (another system, a
filesystem without it) the old folder is renamed aside and the new one renamed in; a kill
between those two renames leaves the old result as ``.<name>.old-*``, and the next write to the
same target puts it back before anything else. Leftover temporary folders of dead writers are
removed then too.

The Parquet files depend only on the scenario and seed: same inputs, same bytes
(``manifest.json`` also records timings, so it differs between runs).
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import logging
import os
import platform
import shutil
import socket
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ResultsError
from .schemas import TABLES, arrow_schema

__all__ = ["MANIFEST", "write_results", "read_table", "read_manifest", "package_versions", "recover"]

log = logging.getLogger(__name__)

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
    """Write ``tables`` (name → DataFrame, names from :data:`szplan.fleetsim.runs.schemas.TABLES`) and the
    manifest into ``out_dir``, atomically. Returns the final path.

    Each table is checked against its schema before anything is renamed into place; a wrong
    table raises :class:`ResultsError` and leaves any existing ``out_dir`` untouched.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ResultsError(f"tables {unknown} have no schema in szplan.fleetsim.runs.schemas")
    arrow = {name: _to_arrow(name, frame) for name, frame in sorted(tables.items())}
    recover(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{_owner()}-", dir=out.parent))
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
            _checkpoint(f"table {name}")
        full = {**manifest, "tables": files, "versions": package_versions()}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True, default=str) + "\n")
        _checkpoint("written")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _checkpoint(step: str) -> None:
    """A named step of writing and swapping; the fault tests stop the process here."""


# ---- the swap --------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _owner() -> str:
    # who writes a temporary folder: a leftover is removed only when its writer is gone
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:32] or "host"
    return f"{host}.{os.getpid()}"


def _load_renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):  # a C library without it (glibc < 2.28, musl < 1.2)
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` atomically; False when this system or filesystem cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_into_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.rename(tmp, out)
        _checkpoint("renamed")
        return
    if not out.is_dir():
        raise ResultsError.of("results.not_results", path=out)
    if _exchange(tmp, out):
        # ``tmp`` now holds the old result; if the process dies here, it is a leftover
        _checkpoint("exchanged")
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{_owner()}-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    _checkpoint("old moved aside")
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)
        raise
    _checkpoint("new moved in")
    shutil.rmtree(old, ignore_errors=True)


def _writer_alive(name: str) -> bool:
    """Whether the writer named in a temporary folder's name (``...-<host>.<pid>-...``) runs."""
    try:
        host, pid = name.split("-")[-2].rsplit(".", 1)
        pid_number = int(pid)
    except ValueError:
        return False
    if host != _owner().rsplit(".", 1)[0]:
        return True  # another machine's writer (a shared folder): not ours to judge
    if pid_number == os.getpid():
        return False  # this process is not writing it now: a leftover of an earlier call
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out_dir: str | Path) -> list[str]:
    """Restore or remove what interrupted writes to ``out_dir`` left beside it.

    A missing ``out_dir`` with a complete ``.<name>.old-*`` beside it (a kill between the two
    renames of the fallback swap) gets that old result back. Temporary and old folders of
    writers no longer running are removed. Returns what was done, one line each (also logged).
    """
    out = Path(out_dir).resolve()
    done: list[str] = []
    if not out.parent.is_dir():
        return done
    leftovers = sorted(p for p in out.parent.iterdir()
                       if p.name.startswith((f".{out.name}.tmp-", f".{out.name}.old-")) and p.is_dir())
    for path in leftovers:
        if _writer_alive(path.name):
            continue
        if ".old-" in path.name and not out.exists() and (path / MANIFEST).is_file():
            os.rename(path, out)
            done.append(f"restored {out.name} from the interrupted replacement {path.name}")
        else:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed the leftover {path.name}")
    for line in done:
        log.warning("%s: %s", out.parent, line)
    return done


def read_manifest(run_dir: str | Path) -> dict:
    """The manifest of a finished run; :class:`ResultsError` when the folder is not one."""
    path = Path(run_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ResultsError.of("results.not_finished", path=run_dir, manifest=MANIFEST) from None
    except UnicodeDecodeError as err:
        raise ResultsError.of("results.manifest_not_utf8", path=run_dir, manifest=MANIFEST, byte=err.start) from None
    except (OSError, ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError
        raise ResultsError.of("results.manifest_unreadable", path=run_dir, manifest=MANIFEST,
                              reason=_short(err)) from None
    if not isinstance(manifest, dict):
        raise ResultsError.of("results.manifest_not_object", path=run_dir, manifest=MANIFEST,
                              kind=type(manifest).__name__)
    return manifest


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 160 else text[:157] + "..."


def read_table(run_dir: str | Path, name: str) -> pd.DataFrame:
    """One table of a results folder as a DataFrame."""
    path = Path(run_dir) / f"{name}.parquet"
    if not path.exists():
        raise ResultsError.of("results.no_table", path=run_dir, table=repr(name))
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException, ValueError) as err:
        raise ResultsError.of("results.table_unreadable", path=run_dir, table=repr(name), reason=_short(err)) from None
