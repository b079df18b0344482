"""Real Shenzhen data shipped with the planner (installed as ``szplan.data``).

Every file's source and licence are in ``SOURCES.md`` beside this module; every assumed number
carries its reason in the file that holds it.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "data_path"]

DATA_DIR = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("facts", "targets.csv")``.

    Raises FileNotFoundError naming the file when it is not part of the installation.
    """
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"data file {'/'.join(parts)} is missing from {DATA_DIR}")
    return path
