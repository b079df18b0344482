"""The one reader of the parameter tables in ``params/``.

Every CSV file of ``params/`` is registered in :data:`TABLES` with its required columns, the
columns that must hold numbers, the columns whose values identify a row (no two rows alike)
and its unit column, if it has one (else the unit is in the column names: ``lon``, ``start_h``,
``price_cny_per_kwh``...). Every table also has ``basis`` (``sourced`` or ``assumption``) and
``source_or_reason`` (never empty). A table is checked the first time it is read, the check
failing with a :class:`ParamsError` of one line that names the file, the line and the field.

:func:`read_params` gives the table as a new ``pandas.DataFrame`` on every call (changing it
changes nothing else); :func:`scalar_params` a new ``parameter -> value`` dict of a
``parameter, value, unit`` table, :func:`grouped_params` ``group -> {parameter: value}`` of a
table keyed by a group column and ``parameter``, and :func:`param` one value asked for in its
unit, so that a value read in the wrong unit is refused. The dict readers need only the
standard library (pandas is imported when a frame is asked for), so that the command line's
light start stays light.
"""
from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import data_path
from .i18n import Translatable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ParamsError", "TableSpec", "TABLES", "BASES", "read_params", "scalar_params", "grouped_params",
           "param", "check_table", "table_names"]

#: the only values of a ``basis`` column
BASES = ("sourced", "assumption")
#: the provenance columns every parameter table carries
PROVENANCE = ("basis", "source_or_reason")


class ParamsError(Translatable, ValueError):
    """A parameter table that does not pass its check, or a parameter asked for that it lacks."""


@dataclass(frozen=True)
class TableSpec:
    """What a parameter table must hold besides ``basis`` and ``source_or_reason``.

    ``columns``: required columns; ``numeric``: columns whose every value is a finite number;
    ``optional``: numeric columns that may also be empty; ``key``: columns that identify a row;
    ``unit``: the unit column (every row names its unit), ``None`` where the unit is in the
    column names; ``dtype``: ``pandas.read_csv`` types where the inferred ones would not do.
    """

    columns: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    unit: str | None = "unit"
    optional: tuple[str, ...] = ()
    dtype: Mapping[str, str] = field(default_factory=dict)

    @property
    def required(self) -> tuple[str, ...]:
        return self.columns + tuple(c for c in PROVENANCE if c not in self.columns)


_SCALAR = TableSpec(("parameter", "value", "unit"), numeric=("value",), key=("parameter",))
_BY_SEGMENT = TableSpec(("segment", "parameter", "value", "unit"), numeric=("value",), key=("segment", "parameter"))

#: every table of ``params/``: file name -> what it must hold
TABLES: dict[str, TableSpec] = {
    "activity.csv": _BY_SEGMENT,
    "assumed_stations.csv": TableSpec(
        ("station_id", "name", "lon", "lat", "lng_dispenser", "h2_dispenser", "swap_bay", "dc_480kw"),
        numeric=("lon", "lat", "lng_dispenser", "h2_dispenser", "swap_bay", "dc_480kw"), key=("station_id",),
        unit=None),
    "charging_behaviour.csv": _BY_SEGMENT,
    "day_types.csv": TableSpec(("day_type", "months", "weekday", "days_per_year"),
                               numeric=("weekday", "days_per_year"), key=("day_type",), unit=None),
    "duty_cycles.csv": _BY_SEGMENT,
    "equipment.csv": TableSpec(("equipment", "supply", "carrier", "rate", "rate_unit", "capex_cny"),
                               numeric=("rate", "capex_cny"), key=("equipment",), unit="rate_unit"),
    "expressway_service_areas.csv": TableSpec(("name", "lon", "lat"), numeric=("lon", "lat"), key=("name",),
                                              unit=None),
    "freight_sites.csv": TableSpec(("site", "kind", "lon", "lat", "weight"), numeric=("lon", "lat", "weight"),
                                   key=("site",), unit=None),
    "fuels.csv": TableSpec(("carrier", "parameter", "value", "unit"), numeric=("value",),
                           key=("carrier", "parameter")),
    "general.csv": _SCALAR,
    "grid_factor.csv": TableSpec(("year", "value", "unit", "scope"), numeric=("year", "value"), key=("year",)),
    # the path by year, and the growth rule's scalars with the year left empty
    "infrastructure_growth.csv": TableSpec(("year", "metric", "value", "unit"), numeric=("value",),
                                           optional=("year",), key=("year", "metric"), dtype={"year": "Int64"}),
    "limits.csv": _SCALAR,
    "network.csv": _SCALAR,
    "powertrain_shares.csv": TableSpec(("segment", "year", "powertrain", "share", "unit"), numeric=("year", "share"),
                                       key=("segment", "year", "powertrain")),
    "segments.csv": _BY_SEGMENT,
    "simulation.csv": _SCALAR,
    "siting.csv": _SCALAR,
    "tariffs.csv": TableSpec(("tariff", "period", "start_h", "end_h", "months", "price_cny_per_kwh"),
                             numeric=("start_h", "end_h", "price_cny_per_kwh"), key=("tariff", "months", "start_h"),
                             unit=None),
    "vehicles.csv": TableSpec(("segment", "powertrain", "parameter", "value", "unit"), numeric=("value",),
                              key=("segment", "powertrain", "parameter")),
    "vpp.csv": _SCALAR,
}


def table_names() -> tuple[str, ...]:
    """The registered tables, in name order."""
    return tuple(sorted(TABLES))


def _spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise ParamsError.of("table.unknown", file=name) from None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_table(name: str, text: str) -> tuple[dict[str, str], ...]:
    """The rows of ``text``, a CSV file checked against the spec of table ``name``.

    Raises :class:`ParamsError` at the first column missing, row of the wrong width, basis not
    ``sourced`` or ``assumption``, empty source or reason, empty unit, value that must be a
    number and is not, or row that repeats another's key.
    """
    spec = _spec(name)
    reader = csv.DictReader(io.StringIO(text))
    header = [c.strip() for c in reader.fieldnames or []]
    for column in spec.required:
        if column not in header:
            raise ParamsError.of("table.missing_column", file=name, column=column)
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, raw in enumerate(reader, start=2):
        if None in raw or any(v is None for v in raw.values()):
            raise ParamsError.of("table.row_width", file=name, line=line, n=len(header))
        row = {k.strip(): v.strip() for k, v in raw.items()}
        if row["basis"] not in BASES:
            raise ParamsError.of("table.bad_basis", file=name, line=line, got=repr(row["basis"]))
        if not row["source_or_reason"]:
            raise ParamsError.of("table.no_source", file=name, line=line)
        if spec.unit is not None and not row[spec.unit]:
            raise ParamsError.of("table.no_unit", file=name, line=line, column=spec.unit)
        for column in spec.numeric + spec.optional:
            if column in spec.optional and not row[column]:
                continue
            if _number(row[column]) is None:
                raise ParamsError.of("table.not_numeric", file=name, line=line, column=column, got=repr(row[column]))
        key = tuple(row[c] for c in spec.key)
        if spec.key and key in seen:
            raise ParamsError.of("table.duplicate", file=name, line=line, row=", ".join(key), first=seen[key])
        seen[key] = line
        rows.append(row)
    return tuple(rows)


@functools.cache
def _load(name: str) -> tuple[str, tuple[dict[str, str], ...]]:
    """The text and the checked rows of a shipped table (read and checked once)."""
    _spec(name)
    text = Path(data_path("params", name)).read_text(encoding="utf-8")
    return text, check_table(name, text)


@functools.cache
def _frame(name: str) -> pd.DataFrame:
    import pandas as pd

    text, _rows = _load(name)
    return pd.read_csv(io.StringIO(text), dtype=dict(_spec(name).dtype) or None)


def read_params(name: str) -> pd.DataFrame:
    """The checked table ``name`` of ``params/`` (e.g. ``"tariffs.csv"``), a new frame each call."""
    return _frame(name).copy()


def _scalar_rows(name: str) -> tuple[dict[str, str], ...]:
    if _spec(name).key != ("parameter",):
        raise ParamsError.of("table.not_scalar", file=name)
    return _load(name)[1]


def scalar_params(name: str, units: Mapping[str, str] | None = None) -> dict[str, float]:
    """``parameter -> value`` of a ``parameter, value, unit`` table, a new dict each call.

    ``units`` (parameter -> unit), when given, names parameters that must be there in that unit.
    """
    values = {row["parameter"]: float(row["value"]) for row in _scalar_rows(name)}
    for parameter, unit in (units or {}).items():
        param(name, parameter, unit)
    return values


def param(name: str, parameter: str, unit: str) -> float:
    """One value of a ``parameter, value, unit`` table, asked for in its unit: a parameter that
    is missing or given in another unit is refused."""
    for row in _scalar_rows(name):
        if row["parameter"] == parameter:
            if row["unit"] != unit:
                raise ParamsError.of("table.wrong_unit", file=name, parameter=parameter, unit=row["unit"],
                                     expected=unit)
            return float(row["value"])
    raise ParamsError.of("table.no_parameter", file=name, parameter=parameter)


def grouped_params(name: str, by: str = "segment") -> dict[str, dict[str, float]]:
    """``group -> {parameter: value}`` of a table keyed by ``by`` and ``parameter``, new dicts each call."""
    spec = _spec(name)
    if spec.key != (by, "parameter"):
        raise ParamsError.of("table.not_grouped", file=name, by=by)
    out: dict[str, dict[str, float]] = {}
    for row in _load(name)[1]:
        out.setdefault(row[by], {})[row["parameter"]] = float(row["value"])
    return out
