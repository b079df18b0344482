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

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from szplan.demand import StockParams
from szplan.data.limits import limit
from szplan.network import NetworkParams
from szplan.network.plan.params import SitingParams

from szplan.data import i18n
from szplan.data.i18n import Problem
from ..errors import ScenarioError
from ..sim.tariff import TariffParams
from .yaml_loader import load_yaml_file, one_line, parse_yaml, show

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "SimulationParams",
    "Scenario",
    "builtin_scenarios",
    "load_scenario",
    "scenario_from_dict",
    "validation_error",
    "validation_messages",
    "parse_yaml",
    "with_overrides",
]

FIRST_YEAR, LAST_YEAR = 2015, 2035
_BUILTIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: what a scenario's (and a sweep's) name may hold
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class SimulationParams(BaseModel):
    """How the day is simulated."""

    # strict: a boolean or a quoted number is a mistake, not 1.0 (``sample: true`` would run the
    # whole fleet); not finite numbers have no meaning anywhere in a scenario
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    sample: float = Field(1.0, ge=limit("sample_min"), le=1, description="fraction of the fleet simulated; "
                          "each agent stands for about 1/sample vehicles (integer weights); 1 = every vehicle")
    design_day: str = Field("summer_weekday", pattern=r"^(summer|winter)_(weekday|weekend)$",
                            description="day type the stations are sized on (data/params/day_types.csv)")
    month: int | None = Field(None, ge=1, le=12, description="month whose weather the design day "
                              "takes (default: the day type's hottest or coldest month)")
    energy_sample: float | None = Field(None, ge=limit("sample_min"), le=1, description="fraction of the "
                                        "fleet simulated on the day types of the year, for the year's energy "
                                        "only (default: the design day's sample, at most energy_sample_max of "
                                        "data/params/simulation.csv)")
    tariff: TariffParams = Field(default_factory=TariffParams,
                                 description="charging price levers; null keeps Shenzhen's (data/params/tariffs.csv)")
    progress: bool = Field(True, description="show a progress bar on long runs")


class Scenario(BaseModel):
    """A whole planning scenario: the year simulated, the seed and each part's parameters."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=80, pattern=NAME_PATTERN)
    description: str = Field("", max_length=2000)
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="calendar year simulated")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    stock: StockParams = Field(default_factory=StockParams)
    network: NetworkParams = Field(default_factory=NetworkParams)
    simulation: SimulationParams = Field(default_factory=SimulationParams)
    siting: SitingParams = Field(default_factory=SitingParams)

    @model_validator(mode="after")
    def _years_inside_projection(self) -> Scenario:
        # the simulated day and the siting phases read the stock projection of their year
        first, last = self.stock.start_year, self.stock.end_year
        if not first <= self.year <= last:
            raise Problem("error.year_outside", field="year", year=self.year, first=first, last=last)
        outside = [y for y in self.siting.phase_years if not first <= y <= last]
        if outside:
            raise Problem("error.year_outside", field="siting.phase_years", year=outside[0], first=first, last=last)
        return self

    def to_yaml(self) -> str:
        """The scenario as run, every default filled in, as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _scenario_dir():
    return resources.files("szplan.fleetsim") / "scenarios"


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names and their one-line descriptions."""
    found = {}
    for entry in sorted(_scenario_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            raw = parse_yaml(entry.read_text(encoding="utf-8"), origin=entry.name)
            found[entry.name[: -len(".yaml")]] = " ".join(str(raw.get("description", "")).split())
    return found


def _problem(item: dict, lang: str) -> str:
    """One pydantic error item as ``field: what is wrong`` in ``lang``."""
    where = one_line(".".join(str(part) for part in item["loc"]), 120) or i18n.text("validation.top_level", lang)
    got = show(item.get("input"))
    kind = item["type"]
    if kind == "value_error":
        # the models' own checks name the field and the value themselves
        cause = (item.get("ctx") or {}).get("error")
        if lang == "zh" and getattr(cause, "zh", None):
            return f"{where}：{cause.zh}"
        return f"{where}: {item['msg'].removeprefix('Value error, ')}"
    key = f"validation.{kind}"
    ctx = item.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NAME_PATTERN:
        # a planner reads what a name may hold, not the regular expression
        return i18n.text("validation.name_pattern", lang, where=where, got=got)
    if kind in ("missing", "extra_forbidden") or (lang == "zh" and key in i18n.catalogue()):
        fields = {name: show(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else value
                  for name, value in ctx.items()}
        if kind == "literal_error" and lang == "zh":  # 'a', 'b' or 'c' -> 'a'、'b' 或 'c'
            fields["expected"] = str(ctx["expected"]).replace(" or ", " 或 ").replace(", ", "、")
        return i18n.text(key, lang, where=where, got=got, **fields)
    return i18n.text("validation.other", lang, where=where, message=item["msg"], got=got)


def validation_messages(err: ValidationError, origin: str) -> dict[str, str]:
    """A pydantic error as one line per language naming every field at fault and its value
    (bounded length): ``{"en": ..., "zh": ...}``."""
    items = err.errors(include_url=False)
    join = {"en": "; ", "zh": "；"}
    sep = {"en": ": ", "zh": "："}
    return {lang: one_line(origin + sep[lang] + join[lang].join(_problem(item, lang) for item in items))
            for lang in i18n.LANGUAGES}


def validation_error(err: ValidationError, origin: str, kind: type[ScenarioError] = ScenarioError) -> ScenarioError:
    """``kind`` (a :class:`ScenarioError`) saying every problem of ``err`` in both languages."""
    messages = validation_messages(err, origin)
    return kind(messages["en"], zh=messages["zh"])


def scenario_from_dict(raw: Any, *, origin: str = "scenario") -> Scenario:
    """Validate a parsed mapping; any problem raises :class:`ScenarioError` in one line."""
    if not isinstance(raw, dict):
        raise ScenarioError.of("error.not_a_mapping", origin=origin, got=type(raw).__name__)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise validation_error(err, origin) from None
    except ValueError as err:  # a parameter model's own consistency check
        zh = getattr(err, "zh", None)
        raise ScenarioError(one_line(f"{origin}: {err}"), zh=one_line(f"{origin}：{zh}") if zh else None) from None
    except RecursionError:
        raise ScenarioError.of("error.too_deep", origin=origin) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a YAML file by path."""
    text_path = str(name_or_path)
    builtin = _scenario_dir() / f"{text_path}.yaml"
    # a built-in name is a bare name: nothing with a folder in it reaches the package's folder
    if _BUILTIN_NAME.fullmatch(text_path) and builtin.is_file():
        source, origin = builtin.read_text(encoding="utf-8"), text_path
    else:
        path = Path(name_or_path)
        if not path.is_file():
            names = ", ".join(builtin_scenarios())
            raise ScenarioError.of("error.no_scenario", scenario=show(text_path), names=names)
        origin = show(path.name).strip("'\"")
        return scenario_from_dict(load_yaml_file(path, origin=origin), origin=origin)
    return scenario_from_dict(parse_yaml(source, origin=origin), origin=origin)


def with_overrides(scenario: Scenario, *, seed: Any = None, sample: Any = None, out: Any = None,
                   origin: str = "command line") -> Scenario:
    """``scenario`` with command-line overrides applied and validated like the file's own fields.

    Parameters
    ----------
    scenario
        The loaded scenario.
    seed, sample
        ``--seed`` and ``--sample``; ``None`` keeps the scenario's value.
    out
        ``--out``; checked only (it must name a folder that can be created, not a file).
    origin
        Prefix of error messages.

    Raises
    ------
    ScenarioError
        One line naming the option and the value (for example ``--seed: ... (got -1)``).
    """
    raw = scenario.model_dump()
    for option, path, value in (("--seed", ("seed",), seed), ("--sample", ("simulation", "sample"), sample)):
        if value is None:
            continue
        node = raw
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        try:
            Scenario.model_validate(raw)
        except ValidationError as err:
            first = dict(err.errors(include_url=False)[0], loc=(option,), input=value)
            raise ScenarioError(one_line(f"{origin}: {_problem(first, 'en')}"),
                                zh=one_line(f"{_origin_zh(origin)}：{_problem(first, 'zh')}")) from None
    if out is not None:
        _check_out(out, origin)
    return Scenario.model_validate(raw)


def _origin_zh(origin: str) -> str:
    return i18n.text("error.command_line", "zh") if origin == "command line" else origin


def _check_out(out: Any, origin: str) -> None:
    text = str(out)

    def refuse(key: str, **fields) -> ScenarioError:
        return ScenarioError(f"{origin}: --out: " + i18n.text(key, "en", **fields),
                             zh=f"{_origin_zh(origin)}：--out：" + i18n.text(key, "zh", **fields))

    if not text.strip() or "\0" in text:
        raise refuse("error.out_not_folder_name", got=show(out))
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise refuse("error.out_is_file", path=show(text))
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise refuse("error.out_parent_is_file", path=show(str(parent)))
            break
