"""Sweep files: a base scenario, parameter changes on a grid or a Latin hypercube, and seeds.

A sweep file names what changes, by dotted path into the scenario::

    name: nev-share
    base: shenzhen-2030            # built-in name, path relative to this file, or a mapping
    set:                           # applied to every point
      simulation.sample: 0.005
    grid:                          # every combination; the first key varies slowest
      stock.nev_share_path.2030: [0.8, 0.9, 1.0]
      stock.hydrogen_production_route: [grey, green]
    lhs:                           # Latin-hypercube sample of continuous parameters
      samples: 8
      seed: 1
      parameters:
        stock.home_charging_access_share: {low: 0.3, high: 0.6}
    seeds: 5                       # seeds base.seed, base.seed+1, ...; or a list of seeds

The points are the grid's combinations times the Latin-hypercube samples (a sweep with
neither has one point: the base with ``set`` applied). Each point runs once per seed; the seeds
are the same at every point, so differences between points are not seed noise.

Every point's scenario is validated like any scenario file when the sweep is loaded, so a
mistake shows up before anything runs, as one line naming the field.
"""
from __future__ import annotations

import copy
import itertools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from szplan.data import i18n
from szplan.data.limits import limit

from ..errors import ScenarioError
from ..runs.scenario import (NAME_PATTERN, Scenario, builtin_scenarios, load_scenario, scenario_from_dict,
                             validation_error)
from ..runs.yaml_loader import load_yaml_file, one_line, show

__all__ = [
    "MAX_RUNS",
    "SweepError",
    "LhsRange",
    "Point",
    "RunSpec",
    "SweepSpec",
    "latin_hypercube",
    "apply_change",
    "load_sweep",
    "sweep_from_dict",
]

# The seed is what the sweep's ``seeds`` vary and the name labels the base, so neither may be
# swept as a parameter: a swept seed would silently collide with the seed replicates.
_RESERVED_PATHS = ("name", "seed")
_MAX_SEED = 2**32 - 1
#: largest number of runs (points x seeds) a sweep may have; the reason is in data/params/limits.csv
MAX_RUNS = int(limit("sweep_max_runs"))
# sweep files are input like scenario files: no booleans for numbers, no nan or inf
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class SweepError(ScenarioError):
    """A sweep file or value is wrong: the message names the field and the value.

    A :class:`~fleetsim.errors.ScenarioError`, so the command line reports it in one line and
    exits with status 2, like a bad scenario file.
    """

    def __init__(self, message: str, *, zh: str | None = None):
        # paths and values come from the file: keep the line bounded whatever they hold
        super().__init__(one_line(message), zh=one_line(zh) if zh else None)

    @classmethod
    def of(cls, key: str, **fields) -> SweepError:
        err = super().of(key, **fields)
        err.zh = one_line(err.zh or "")
        return err


class LhsRange(BaseModel):
    """The range ``[low, high]`` a continuous parameter is sampled from."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> LhsRange:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class _LhsFile(BaseModel):
    model_config = _STRICT

    samples: int = Field(ge=1, le=MAX_RUNS)
    seed: int = Field(0, ge=0, le=_MAX_SEED)
    parameters: dict[str, LhsRange] = Field(min_length=1)


class _SweepFile(BaseModel):
    """The sweep file as written, before its points are built."""

    model_config = _STRICT

    name: str | None = Field(None, min_length=1, max_length=80, pattern=NAME_PATTERN)
    description: str = Field("", max_length=2000)
    base: str | dict[str, Any]
    set: dict[str, Any] = {}
    grid: dict[str, list[Any]] = {}
    lhs: _LhsFile | None = None
    seeds: int | list[int] = 1

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for path, values in grid.items():
            if not values:
                raise ValueError(f"{show(path)}: needs at least one value")
        return grid

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, seeds: int | list[int]) -> int | list[int]:
        if isinstance(seeds, int):
            if not 1 <= seeds <= MAX_RUNS:
                raise ValueError(f"number of seeds must be 1-{MAX_RUNS} (got {seeds})")
            return seeds
        if not seeds:
            raise ValueError("the list of seeds is empty")
        if len(seeds) > MAX_RUNS:
            raise ValueError(f"at most {MAX_RUNS} seeds (got {len(seeds):,})")
        bad = [s for s in seeds if not 0 <= s <= _MAX_SEED]
        if bad:
            raise ValueError(f"seeds must be 0-{_MAX_SEED} (got {bad[0]})")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds repeat ({show(seeds)})")
        return seeds

    def n_runs(self) -> int:
        """Points x seeds, counted without building any point."""
        points = math.prod(len(values) for values in self.grid.values()) * (self.lhs.samples if self.lhs else 1)
        return points * (self.seeds if isinstance(self.seeds, int) else len(self.seeds))


@dataclass(frozen=True)
class Point:
    """One parameter point of a sweep.

    Attributes
    ----------
    index
        0-based position in the sweep (grid order, then Latin-hypercube sample).
    changes
        The swept parameters of this point, dotted path → value (``set`` is not repeated here).
    scenario
        The validated scenario of this point, with the base's seed.
    """

    index: int
    changes: dict[str, Any]
    scenario: Scenario

    def changes_json(self) -> str:
        """``changes`` as compact JSON text with sorted keys (mapping keys become strings)."""
        return json.dumps(_jsonable(self.changes), sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        """``path=value, ...`` for tables and plots; ``base`` for a point without changes."""
        return _label(self.changes)


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a point and a seed.

    Attributes
    ----------
    run_id
        Readable stable id, ``p<point>-s<seed index>`` (for example ``p003-s02``).
    point
        The :class:`Point`.
    seed_index
        Position of ``seed`` in the sweep's seeds.
    seed
        The random seed of the run.
    """

    run_id: str
    point: Point
    seed_index: int
    seed: int

    def scenario(self) -> Scenario:
        """The scenario as run: the point's scenario with this run's seed."""
        return self.point.scenario.model_copy(update={"seed": self.seed})


@dataclass(frozen=True)
class SweepSpec:
    """A loaded, fully validated sweep.

    Attributes
    ----------
    name
        Sweep name (from the file, else the file's stem).
    description
        Free text.
    base
        The base scenario, before ``fixed`` and the swept changes.
    fixed
        ``set``: changes applied to every point (dotted path → value).
    grid
        Swept values per dotted path, in the file's order.
    lhs
        Latin-hypercube ranges per dotted path (``None`` when the sweep has no ``lhs``).
    lhs_samples, lhs_seed
        Number of Latin-hypercube samples and the seed of the draw.
    seeds
        Seeds every point runs with.
    points
        Every parameter point.
    source
        The sweep file, when loaded from one.
    """

    name: str
    description: str
    base: Scenario
    fixed: dict[str, Any]
    grid: dict[str, list[Any]]
    lhs: dict[str, LhsRange] | None
    lhs_samples: int
    lhs_seed: int
    seeds: tuple[int, ...]
    points: tuple[Point, ...]
    source: Path | None = None

    @property
    def runs(self) -> tuple[RunSpec, ...]:
        """Every (point, seed) run, ordered by run id."""
        pw = max(3, len(str(len(self.points) - 1)))
        sw = max(2, len(str(len(self.seeds) - 1)))
        return tuple(RunSpec(f"p{point.index:0{pw}d}-s{k:0{sw}d}", point, k, seed)
                     for point in self.points for k, seed in enumerate(self.seeds))

    def as_dict(self) -> dict[str, Any]:
        """The sweep as run: the base scenario inlined and the seeds listed, so the file
        reproduces the sweep even if the base scenario file changes later."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["base"] = self.base.model_dump(mode="json")
        if self.fixed:
            out["set"] = _jsonable(self.fixed)
        if self.grid:
            out["grid"] = _jsonable(self.grid)
        if self.lhs is not None:
            out["lhs"] = {"samples": self.lhs_samples, "seed": self.lhs_seed,
                          "parameters": {p: r.model_dump() for p, r in self.lhs.items()}}
        out["seeds"] = list(self.seeds)
        return out

    def to_yaml(self) -> str:
        """:meth:`as_dict` as YAML; loading it with :func:`load_sweep` gives the same runs."""
        return yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True)


def _label(changes: dict[str, Any]) -> str:
    if not changes:
        return "base"
    return ", ".join(f"{path}={json.dumps(_jsonable(value), sort_keys=True)}" for path, value in changes.items())


def _jsonable(value: Any) -> Any:
    # YAML gives year keys as ints and dumped scenarios give them as strings; JSON needs one kind.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def latin_hypercube(n_samples: int, n_dims: int, seed: int) -> np.ndarray:
    """A Latin-hypercube sample of the unit cube, shape ``(n_samples, n_dims)``.

    Each dimension is cut into ``n_samples`` equal strata and every stratum holds exactly one
    sample, placed uniformly inside it; the strata are paired across dimensions at random.
    The same arguments always give the same sample.
    """
    rng = np.random.default_rng(seed)
    sample = np.empty((n_samples, n_dims))
    for j in range(n_dims):
        sample[:, j] = (rng.permutation(n_samples) + rng.random(n_samples)) / n_samples
    return sample


def _split(path: str, where: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p.strip() for p in parts):
        raise SweepError.of("sweep.not_a_path", where=where, path=show(path))
    if parts[0] in _RESERVED_PATHS and len(parts) == 1:
        raise SweepError.of("sweep.reserved_seed" if parts[0] == "seed" else "sweep.reserved_name", where=where,
                            path=path)
    return parts


def apply_change(raw: dict[str, Any], path: str, value: Any, *, where: str = "sweep") -> None:
    """Set ``value`` at the dotted ``path`` of the scenario mapping ``raw``, in place.

    Missing (or empty, ``None``) mappings on the way are created, so ``stock.mandate_year.bus``
    works while the baseline has no mandate for buses; whether the result is a valid scenario is
    for :func:`szplan.fleetsim.runs.scenario.scenario_from_dict` to say. A path through a plain value (for
    example ``year.x``) raises :class:`SweepError`.
    """
    parts = _split(path, where)
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        nxt = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            prefix = ".".join(parts[: depth + 1])
            raise SweepError.of("sweep.not_a_mapping", where=where, path=path, prefix=prefix, value=show(nxt))
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


def _check_overlaps(sections: list[tuple[str, list[str]]], origin: str) -> None:
    # Changes apply section by section (set, grid, lhs) and within a section in sorted order, so a
    # general path before a more specific one composes; the reverse would silently undo a change.
    seen: list[tuple[str, str]] = []
    for section, paths in sections:
        for path in paths:
            for other_section, other in seen:
                if path == other:
                    raise SweepError.of("sweep.given_twice", origin=origin, path=f"{section}.{path}",
                                        other=other_section)
                if other.startswith(path + ".") and other_section != section:
                    raise SweepError.of("sweep.overwrites", origin=origin, path=f"{section}.{path}",
                                        other=f"{other_section}.{other}")
            seen.append((section, path))


def sweep_from_dict(raw: Any, *, origin: str = "sweep", base_dir: str | Path | None = None) -> SweepSpec:
    """Validate a parsed sweep mapping and build every point's scenario.

    Parameters
    ----------
    raw
        The parsed sweep file.
    origin
        Prefix of error messages (the file name).
    base_dir
        Folder a relative ``base`` path is resolved against (the sweep file's folder).

    Raises
    ------
    SweepError
        One line naming the field and value at fault: the sweep file's own fields, a dotted
        path that leads nowhere, or a point whose scenario is invalid.
    """
    if not isinstance(raw, dict):
        raise SweepError.of("error.not_a_mapping", origin=origin, got=type(raw).__name__)
    try:
        spec = _SweepFile.model_validate(raw)
    except ValidationError as err:
        raise validation_error(err, origin, SweepError) from None
    # the size first: a typo in a grid must not build millions of scenarios before it is refused
    n_runs = spec.n_runs()
    if n_runs > MAX_RUNS:
        raise SweepError.of("sweep.too_many_runs", origin=origin, runs=f"{n_runs:,}", most=f"{MAX_RUNS:,}")

    base = _load_base(spec.base, origin, base_dir)
    lhs_paths = sorted(spec.lhs.parameters) if spec.lhs else []
    for section, paths in (("set", spec.set), ("grid", spec.grid), ("lhs.parameters", lhs_paths)):
        for path in paths:
            _split(path, f"{origin}: {section}")
    _check_overlaps([("set", sorted(spec.set)), ("grid", sorted(spec.grid)),
                     ("lhs.parameters", lhs_paths)], origin)

    fixed_raw = base.model_dump(mode="json")
    for path in sorted(spec.set):
        apply_change(fixed_raw, path, spec.set[path], where=f"{origin}: set")

    grid_points = [dict(zip(spec.grid, combo, strict=True)) for combo in itertools.product(*spec.grid.values())]
    lhs_points: list[dict[str, Any]] = [{}]
    if spec.lhs is not None:
        unit = latin_hypercube(spec.lhs.samples, len(lhs_paths), spec.lhs.seed)
        ranges = [spec.lhs.parameters[p] for p in lhs_paths]
        lhs_points = [{p: float(r.low + u * (r.high - r.low)) for p, r, u in zip(lhs_paths, ranges, row, strict=True)}
                      for row in unit]

    points = []
    for index, (g, s) in enumerate(itertools.product(grid_points, lhs_points)):
        changes = {**g, **s}
        scenario_raw = copy.deepcopy(fixed_raw)
        for path in sorted(g):
            apply_change(scenario_raw, path, g[path], where=f"{origin}: grid")
        for path in sorted(s):
            apply_change(scenario_raw, path, s[path], where=f"{origin}: lhs")
        try:
            scenario = scenario_from_dict(scenario_raw, origin=f"{origin}: point {index} ({_label(changes)})")
        except ScenarioError as err:
            raise SweepError(str(err), zh=err.zh) from None
        points.append(Point(index, changes, scenario))

    if isinstance(spec.seeds, int):
        seeds = tuple((base.seed + k) % (_MAX_SEED + 1) for k in range(spec.seeds))
    else:
        seeds = tuple(spec.seeds)
    return SweepSpec(
        name=spec.name or _default_name(origin),
        description=spec.description,
        base=base,
        fixed=dict(spec.set),
        grid=dict(spec.grid),
        lhs=dict(spec.lhs.parameters) if spec.lhs else None,
        lhs_samples=spec.lhs.samples if spec.lhs else 0,
        lhs_seed=spec.lhs.seed if spec.lhs else 0,
        seeds=seeds,
        points=tuple(points),
    )


def _default_name(origin: str) -> str:
    stem = Path(origin).stem
    return stem if stem and stem[0].isalnum() and all(c.isalnum() or c in "._-" for c in stem) else "sweep"


def _load_base(base: str | dict[str, Any], origin: str, base_dir: str | Path | None) -> Scenario:
    if isinstance(base, dict):
        try:
            return scenario_from_dict(base, origin=f"{origin}: base")
        except ScenarioError as err:
            raise SweepError(str(err), zh=err.zh) from None
    target: str | Path = base
    if base not in builtin_scenarios():
        target = Path(base).expanduser()
        if base_dir is not None and not target.is_absolute():
            target = Path(base_dir) / target
    try:
        return load_scenario(target)
    except ScenarioError as err:
        raise SweepError(f"{origin}: base: {err}", zh=f"{origin}：base：{i18n.error_text(err, 'zh')}") from None


def load_sweep(path: str | Path) -> SweepSpec:
    """Load and validate a sweep file; a relative ``base`` path is taken from the file's folder.

    Raises
    ------
    SweepError
        The file is missing, unreadable, not YAML, or any field or point is invalid; the
        message is one line naming the field and value.
    """
    path = Path(path)
    raw = load_yaml_file(path, origin=path.name, error=SweepError)
    spec = sweep_from_dict(raw, origin=path.name, base_dir=path.resolve().parent)
    return replace(spec, source=path.resolve())
