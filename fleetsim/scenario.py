"""The scenario: one validated object from YAML, composed of each package's own parameters.

A scenario file holds only what differs from the shipped defaults::

    name: my-policy
    year: 2030
    seed: 7
    stock:
      nev_share_path: {2026: 0.85, 2030: 0.95}
    simulation:
      sample: 0.05

Every default, with its unit and reason, lives in ``data/params/*.csv``. Built-in scenarios
(``shenzhen-2025``, ``shenzhen-2030``) ship in ``fleetsim/scenarios/``.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from demand import StockParams
from network import NetworkParams
from network.siting.params import SitingParams

from .errors import ScenarioError

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "SimulationParams",
    "Scenario",
    "builtin_scenarios",
    "load_scenario",
    "scenario_from_dict",
    "validation_message",
    "parse_yaml",
]

FIRST_YEAR, LAST_YEAR = 2015, 2035


class SimulationParams(BaseModel):
    """How the day is simulated."""

    model_config = ConfigDict(extra="forbid")

    sample: float = Field(0.01, gt=0, le=1, description="fraction of the fleet simulated; each "
                          "agent stands for about 1/sample vehicles (integer weights)")
    month: int = Field(1, ge=1, le=12, description="month whose mean temperature sets EV "
                       "energy use (the shipped weather covers Sep-Feb; other months use the "
                       "nearest covered month)")
    progress: bool = Field(True, description="show a progress bar on long runs")


class Scenario(BaseModel):
    """A whole planning scenario: the year simulated, the seed and each part's parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="calendar year simulated")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    stock: StockParams = Field(default_factory=StockParams)
    network: NetworkParams = Field(default_factory=NetworkParams)
    simulation: SimulationParams = Field(default_factory=SimulationParams)
    siting: SitingParams = Field(default_factory=SitingParams)

    def to_yaml(self) -> str:
        """The scenario as run, every default filled in, as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _scenario_dir():
    return resources.files("fleetsim") / "scenarios"


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names and their one-line descriptions."""
    found = {}
    for entry in sorted(_scenario_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
            found[entry.name[: -len(".yaml")]] = " ".join(str(raw.get("description", "")).split())
    return found


def validation_message(err: ValidationError, origin: str) -> str:
    """A pydantic error as one line naming every field at fault and its value."""
    problems = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        got = item.get("input")
        if item["type"] == "missing":
            problems.append(f"{where}: required field is missing")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown field (value {got!r})")
        else:
            problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')} (got {got!r})")
    return f"{origin}: " + "; ".join(problems)


def scenario_from_dict(raw: Any, *, origin: str = "scenario") -> Scenario:
    """Validate a parsed mapping; any problem raises :class:`ScenarioError` in one line."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(validation_message(err, origin)) from None
    except ValueError as err:  # a parameter model's own consistency check
        raise ScenarioError(f"{origin}: {err}") from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a YAML file by path."""
    text_path = str(name_or_path)
    builtin = _scenario_dir() / f"{text_path}.yaml"
    if not text_path.endswith((".yaml", ".yml")) and builtin.is_file():
        source, origin = builtin.read_text(encoding="utf-8"), text_path
    else:
        path = Path(name_or_path)
        if not path.is_file():
            names = ", ".join(builtin_scenarios())
            raise ScenarioError(f"scenario {text_path}: no such file and not a built-in scenario ({names})")
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ScenarioError(f"scenario {text_path}: cannot read ({err})") from None
        origin = path.name
    return scenario_from_dict(parse_yaml(source, origin=origin), origin=origin)


def parse_yaml(text: str, *, origin: str, error: type[ValueError] = ScenarioError):
    """YAML text to Python data; a syntax error becomes one line with its position."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{origin}: broken YAML{at}: {problem}") from None
