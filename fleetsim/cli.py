"""The ``fleetsim`` command: run scenarios, plan stations, export results, query the stock model.

Each command imports what it uses when it runs, so that ``fleetsim --help`` and ``fleetsim
scenarios`` start without loading pandas, the simulation or the solver. Messages come from the
catalogue of :mod:`data.i18n` in the language of ``--lang`` (default: the locale).
"""
from __future__ import annotations

import argparse
import functools
import logging
import os
import re
import sys
from pathlib import Path

from szplan.data import i18n

__all__ = ["main", "build_parser", "TEMPLATE_SECTIONS"]

_DEFAULT = {"run": "shenzhen-2025", "site": "shenzhen-2030", "stock": "shenzhen-2030"}
#: sections of the scenario template and the parameter model documenting each
TEMPLATE_SECTIONS = ("stock", "network", "simulation", "siting")


def _user_errors() -> tuple[type[BaseException], ...]:
    from szplan.data.tables import ParamsError
    from szplan.demand import DemandError
    from szplan.network import NetworkError

    from .errors import FleetsimError

    # one base class a package family: fleetsim, demand, network (the plan's errors too), data
    return FleetsimError, DemandError, NetworkError, ParamsError, FileNotFoundError


def _say(args, key: str, **fields) -> None:
    print(i18n.text(key, args.lang, **fields))


def _cmd_scenarios(args) -> int:
    # the built-in files read directly: loading szplan.fleetsim.runs.scenario imports every parameter model
    from importlib import resources

    import yaml

    for entry in sorted((resources.files("szplan.fleetsim") / "scenarios").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            name = entry.name[:-len(".yaml")]
            key = f"scenario.{name}"  # the catalogue says a built-in scenario in either language
            description = i18n.text(key, args.lang) if key in i18n.catalogue() else \
                " ".join(str(yaml.safe_load(entry.read_text(encoding="utf-8")).get("description", "")).split())
            print(f"{name:<20} {description}")
    return 0


def _cmd_tables(args) -> int:
    from .runs.schemas import markdown

    print(markdown())
    return 0


def _cmd_validate(args) -> int:
    from .runs.scenario import load_scenario

    scenario = load_scenario(args.file)
    _say(args, "cli.valid", file=args.file, name=scenario.name, year=scenario.year, seed=scenario.seed)
    return 0


def _cmd_run(args, *, site: bool = False) -> int:
    from .runs.run import default_out_dir, run_scenario
    from .runs.scenario import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(args.scenario), seed=args.seed, sample=args.sample, out=args.out)
    seed = scenario.seed
    demand_source = getattr(args, "demand", "simulation")
    out = args.out or default_out_dir(scenario, seed, plan=site, demand_source=demand_source)
    show = scenario.simulation.progress and not args.quiet
    with _Progress(args.lang, bar=show and sys.stderr.isatty(), lines=show and not sys.stderr.isatty()) as bar:
        run = run_scenario(scenario, out_dir=out, seed=seed, progress=bar.update, site=site,
                           demand_source=demand_source)
    _say(args, "cli.key_figures")
    print(figure_table(run.tables["figures"], args.lang).to_string(index=False))
    if scenario.simulation.sample < 1:
        _say(args, "cli.sampled", sample=scenario.simulation.sample)
    print()
    _print_targets(args, run.tables["targets"])
    if site:
        _print_plan(args, run)
    print()
    _say(args, "cli.results", path=run.path)
    return 0


def figure_value(value: float, unit: str) -> tuple[str, str]:
    """A key figure as people read it, with its unit: shares in %, an hour as a clock time,
    counts and large amounts with thousands separators."""
    if unit == "fraction":
        return f"{100 * value:.1f}", "%"
    if unit == "h":
        return f"{int(value) % 24:02d}:00", ""
    whole = abs(value) >= 100 or unit in ("vehicles", "agents", "sessions")
    return (f"{value:,.0f}" if whole else f"{value:,.2f}"), unit


def figure_table(figures, lang: str = "en"):
    """The run's key figures (``figures.parquet``) as printed: figure, value, unit in ``lang``."""
    import pandas as pd

    rows = []
    for name, value, unit in zip(figures["figure"], figures["value"], figures["unit"], strict=True):
        shown, shown_unit = figure_value(float(value), unit)
        rows.append((i18n.figure_name(name, lang), shown, i18n.unit_name(shown_unit, lang) if shown_unit else ""))
    names = [i18n.text(f"col.{c}", lang) for c in ("figure", "value", "unit")]
    return pd.DataFrame(rows, columns=names)


def plan_table(table, lang: str = "en"):
    """A station-plan table as printed: unit columns no site uses left out, districts, headers
    and equipment named in ``lang``, amounts with thousands separators."""
    out = table.loc[:, [c for c in table.columns if c not in _PLAN_UNITS or table[c].sum() > 0]].copy()
    if "district" in out.columns:
        out["district"] = [i18n.district_name(d, lang) for d in out["district"]]
    for c in out.columns:
        if c not in ("district", "year"):
            out[c] = [f"{v:,.0f}" for v in out[c]]

    def header(c: str) -> str:
        key = f"equipment.{c}" if c in _PLAN_UNITS else f"col.{c}"
        return i18n.text(key, lang) if key in i18n.catalogue() else c
    return out.rename(columns=header)


#: unit columns of a station plan
_PLAN_UNITS = ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw", "lng_dispenser", "h2_dispenser",
               "swap_bay")


def target_table(targets, lang: str = "en"):
    """The targets table as people read it: every target, its verdict and gap, in ``lang``."""
    import pandas as pd

    def number(value, unit) -> str:
        if pd.isna(value):
            return ""
        return f"{value:.3f}" if "fraction" in str(unit) else f"{value:,.0f}"

    rows = []
    for t in targets.itertuples(index=False):
        modelled = pd.notna(t.modelled_value)
        rows.append({
            "target": t.target_id, "year": int(t.year),
            "bound": i18n.text(f"bound.{t.bound}", lang),
            "target_value": number(t.target_value, t.unit),
            "modelled": number(t.modelled_value, t.unit),
            "gap": (("+" if t.gap > 0 else "") + number(t.gap, t.unit)) if modelled else "",
            "gap_pct": f"{t.gap_pct:+.1f}%" if modelled and pd.notna(t.gap_pct) else "",
            "unit": i18n.unit_name(t.unit, lang),
            "verdict": i18n.verdict_text(t.verdict if modelled else None, lang),
        })
        if lang == "zh":
            rows[-1]["wording"] = t.seed_wording
    frame = pd.DataFrame(rows)
    return frame.rename(columns=lambda c: i18n.text(f"col.{c}", lang))


def _print_targets(args, targets) -> None:
    modelled = targets[targets["modelled_value"].notna()]
    counts = ("、" if args.lang == "zh" else ", ").join(
        f"{int((modelled['verdict'] == v).sum())}{' 项' if args.lang == 'zh' else ' '}{i18n.verdict_text(v, args.lang)}"
        for v in ("within", "exceeded", "short"))
    _say(args, "cli.targets", modelled=len(modelled), total=len(targets), counts=counts)
    print(target_table(modelled, args.lang).to_string(index=False))


def _print_plan(args, run) -> None:
    from .runs.export import district_summary

    siting = run.tables["siting"]
    counts = ["dc_120kw", "dc_480kw", "lng_dispenser", "h2_dispenser", "swap_bay"]
    by_year = siting.groupby("year_built").agg(sites=("site", "nunique"), capex_cny=("capex_cny", "sum"),
                                               **{c: (c, "sum") for c in counts}).reset_index()
    print()
    _say(args, "cli.plan")
    print(plan_table(by_year.rename(columns={"year_built": "year"}), args.lang).to_string(index=False))
    print()
    _say(args, "cli.districts", year=run.scenario.year)
    table = district_summary(siting, run.tables["zones"], run.tables["station_use"], year=run.scenario.year)
    print(plan_table(table, args.lang).to_string(index=False))
    # the plan's notes (e.g. the truck corridors) are logged once by the run as warnings


class _Progress:
    """Progress of a long run: a tqdm bar per stage on a terminal, else a line per stage and per
    tenth of it (a log file or a pipe then shows the run is alive)."""

    def __init__(self, lang: str, *, bar: bool, lines: bool):
        self.lang, self.use_bar, self.lines = lang, bar, lines
        self.bar, self.stage, self.last = None, None, -1

    def _name(self, stage: str) -> str:
        key = f"stage.{stage}"
        return i18n.text(key, self.lang) if key in i18n.catalogue() else stage

    def update(self, stage: str, fraction: float) -> None:
        percent = max(0, min(100, round(100 * fraction)))
        if self.use_bar:
            from tqdm import tqdm

            if stage != self.stage:
                self.close()
                self.stage, self.bar = stage, tqdm(total=100, desc=self._name(stage), unit="%", leave=False)
            self.bar.n = percent
            self.bar.refresh()
        elif self.lines:
            step = percent // 10 * 10
            if stage != self.stage or step != self.last:
                self.stage, self.last = stage, step
                print(i18n.text("cli.stage", self.lang, stage=self._name(stage), percent=step),
                      file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _cmd_dashboard(args) -> int:
    from szplan.dashboard.app import serve

    _say(args, "cli.dashboard_url", host=args.host, port=args.port)
    serve([Path(p) for p in args.results], host=args.host, port=args.port, runs_root=Path(args.runs_root))
    return 0


def _cmd_stock(args) -> int:
    import pandas as pd

    from szplan.demand import required_share_path

    from .runs.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    result = required_share_path(scenario.stock, args.target)
    print(result.describe(args.lang))
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(result.path.rename(columns=lambda c: i18n.text(f"col.{c}", args.lang)).to_string(index=False))
    return 0 if result.reachable else 1


def _cmd_export(args) -> int:
    from .runs.export import export_results

    path = export_results(args.results_dir, args.to, args.out)
    _say(args, "cli.exported", path=path)
    return 0


def scenario_template() -> str:
    """A scenario file with every parameter at its default and its description, commented out
    but for ``simulation.sample``; it validates as written."""
    import yaml

    from .runs.scenario import Scenario

    lines = ["# A fleetsim scenario. Only what differs from the shipped defaults needs to be set:",
             "# uncomment a section and a line to change it. Every default, with its unit and source,",
             "# lives in data/params/*.csv. Check the file with: fleetsim validate FILE",
             "name: my-scenario          # letters, digits, '.', '_' and '-'",
             "description: ''",
             "year: 2030                 # calendar year simulated (2015-2035)",
             "seed: 0                    # random seed; same scenario and seed, same results"]
    base = Scenario(name="template", year=2030)
    active = {("simulation", "sample")}
    for section in TEMPLATE_SECTIONS:
        model = getattr(base, section)
        fields = type(model).model_fields
        on = any((section, name) in active for name in fields)
        lines += ["", f"{section}:" if on else f"# {section}:"]
        for name, field in fields.items():
            value = model.model_dump()[name]
            text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
            text = text.strip().removesuffix("...").strip()
            about = " ".join((field.description or "").split())
            mark = "" if (section, name) in active else "# "
            lines.append(f"{mark}  {name}: {text}" + (f"    # {about}" if about else ""))
    return "\n".join(lines) + "\n"


def _cmd_init(args) -> int:
    from .errors import ScenarioError

    path = Path(args.file)
    if path.exists() and not args.force:
        raise ScenarioError.of("error.init_exists", path=path)
    path.write_text(scenario_template(), encoding="utf-8")
    _say(args, "cli.init_written", path=path)
    return 0


class _Formatter(argparse.HelpFormatter):
    """Shows each option's default unless its help already says it, in the parser's language."""

    def __init__(self, prog, lang: str = "en", **kw):
        super().__init__(prog, **kw)
        self.lang = lang

    def _get_help_string(self, action):
        text = action.help or ""
        says_default = "default" in text or "默认" in text
        if not says_default and action.default not in (None, argparse.SUPPRESS, False) and action.option_strings:
            text += i18n.text("help.default_suffix", self.lang)
        return text

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, i18n.text("argparse.usage", self.lang) if prefix is None else prefix)

    def format_help(self) -> str:
        text = super().format_help()
        # argparse ends a section title with an ASCII colon; Chinese punctuation is full-width
        return re.sub(r"(?m)^(\S[^\n]*?):$", "\\1：", text) if self.lang == "zh" else text


#: argparse's own error messages and their catalogue keys (the named groups are the fields)
_ARGPARSE_ERRORS = (
    (r"the following arguments are required: (?P<args>.+)", "argparse.required"),
    (r"unrecognized arguments: (?P<args>.+)", "argparse.unrecognized"),
    (r"one of the arguments (?P<args>.+) is required", "argparse.one_required"),
    (r"argument (?P<arg>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
     "argparse.invalid_choice"),
    (r"argument (?P<arg>[^:]+): invalid (?P<type>\w+) value: (?P<value>.+)", "argparse.invalid_value"),
    (r"argument (?P<arg>[^:]+): expected one argument", "argparse.expected_one"),
    (r"argument (?P<arg>[^:]+): not allowed with argument (?P<other>.+)", "argparse.not_allowed_with"),
)


def argparse_message(message: str, lang: str) -> str:
    """One of argparse's error messages in ``lang`` (as argparse wrote it when not catalogued)."""
    import re

    if lang == "en":
        return message
    for pattern, key in _ARGPARSE_ERRORS:
        found = re.fullmatch(pattern, message)
        if found:
            return i18n.text(key, lang, **found.groupdict())
    return message


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and errors speak ``lang``."""

    def __init__(self, *args, lang: str = "en", **kw):
        kw.setdefault("formatter_class", functools.partial(_Formatter, lang=lang))
        super().__init__(*args, add_help=False, **kw)
        self.lang = lang
        self._positionals.title = i18n.text("argparse.positionals", lang)
        self._optionals.title = i18n.text("argparse.options", lang)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=i18n.text("help.help", lang))

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, i18n.text("cli.parse_error", self.lang, prog=self.prog,
                               message=argparse_message(message, self.lang)) + "\n")


def _argv_lang(argv: list[str] | None) -> str:
    """The language ``--lang`` asks for in ``argv`` (before parsing: help is written in it), else
    the locale's; a wrong value is left for the parser to refuse."""
    choice, argv = None, argv or []
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            choice = argv[i + 1]
        elif arg.startswith("--lang="):
            choice = arg.split("=", 1)[1]
    try:
        return i18n.language(choice)
    except ValueError:
        return i18n.language(None)


def _common(lang_default: str | None, lang: str) -> argparse.ArgumentParser:
    """-v, -q and --lang, accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    keep = {} if lang_default else {"default": argparse.SUPPRESS}
    common.add_argument("-v", "--verbose", action="store_true", help=i18n.text("help.verbose", lang), **keep)
    common.add_argument("-q", "--quiet", action="store_true", help=i18n.text("help.quiet", lang), **keep)
    common.add_argument("--lang", choices=i18n.LANGUAGES, help=i18n.text("help.lang", lang),
                        **({"default": lang_default} if lang_default else keep))
    return common


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, its help in the language of ``argv``'s ``--lang`` (else the locale's);
    ``argv`` (when known) also lets the parser skip loading the sweep module for other commands."""
    lang = _argv_lang(argv)

    def h(key: str, **fields) -> str:
        return i18n.text(f"help.{key}", lang, **fields)

    parser = _Parser(prog="fleetsim", description=i18n.text("cli.description", lang),
                     parents=[_common(i18n.language(None), lang)], lang=lang)
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("shenzhen-fleetsim")
    except PackageNotFoundError:
        installed = "unknown"
    parser.add_argument("--version", action="version", version=f"fleetsim {installed}", help=h("version"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title=h("commands"))
    common = [_common(None, lang)]

    def add(name: str, func):
        text = h(f"{name}")
        p = sub.add_parser(name, help=text, description=text, parents=common, lang=lang)
        p.set_defaults(func=func)
        return p

    def runlike(p, name: str):
        p.add_argument("scenario", nargs="?", default=_DEFAULT[name], help=h("scenario", default=_DEFAULT[name]))
        p.add_argument("--seed", type=int, help=h("seed"))
        p.add_argument("--sample", type=float, help=h("sample"))

    p = add("run", _cmd_run)
    runlike(p, "run")
    p.add_argument("--out", help=h("run_out"))

    p = add("site", lambda args: _cmd_run(args, site=True))
    runlike(p, "site")
    p.add_argument("--out", help=h("site_out"))
    p.add_argument("--demand", choices=["simulation", "stock"], default="simulation", help=h("demand"))

    p = add("sweep", None)
    if argv is None or "sweep" in argv:
        from .sweeps.sweep import add_arguments

        add_arguments(p, lang)

    p = add("export", _cmd_export)
    p.add_argument("results_dir", metavar="RESULTS_DIR", help=h("results_dir"))
    p.add_argument("--to", choices=["csv", "xlsx", "geojson", "gpkg"], required=True, help=h("to"))
    p.add_argument("--out", metavar="PATH", help=h("export_out"))

    p = add("dashboard", _cmd_dashboard)
    p.add_argument("results", nargs="*", help=h("results"))
    p.add_argument("--host", default="127.0.0.1", help=h("host"))
    p.add_argument("--port", type=int, default=8050, help=h("port"))
    p.add_argument("--runs-root", default="results", help=h("runs_root"))

    add("scenarios", _cmd_scenarios)
    add("tables", _cmd_tables)

    p = add("validate", _cmd_validate)
    p.add_argument("file", help=h("validate_file"))

    p = add("init", _cmd_init)
    p.add_argument("file", nargs="?", default="scenario.yaml", help=h("init_file"))
    p.add_argument("--force", action="store_true", help=h("force"))

    p = add("stock", _cmd_stock)
    p.add_argument("scenario", nargs="?", default=_DEFAULT["stock"], help=h("scenario", default=_DEFAULT["stock"]))
    p.add_argument("--target", default="nev_stock_2030", help=h("target"))
    return parser


class _LogFormatter(logging.Formatter):
    """Log lines in the command's language: a model's :class:`~szplan.data.i18n.Note` is said in
    Chinese under ``--lang zh``, with the level named in Chinese (other log text stays English)."""

    def __init__(self, lang: str):
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.lang = lang

    def format(self, record: logging.LogRecord) -> str:
        if self.lang != "zh":
            return super().format(record)
        args = record.args if isinstance(record.args, tuple) else ()
        message = record.msg % tuple(a.zh if getattr(a, "zh", None) else a for a in args) if args \
            else record.getMessage()
        level = f"log.{record.levelname}"
        return f"{i18n.text(level, 'zh') if level in i18n.catalogue() else record.levelname}：{message}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(_LogFormatter(args.lang))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader stopped early (``fleetsim tables | head``): not an error of ours; send the
        # rest, and Python's own flush at exit, to nowhere instead of a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:
        # the error classes are imported only when something failed: they pull in the model
        if not isinstance(err, _user_errors()):
            raise
        print(i18n.text("cli.error", args.lang, message=i18n.error_text(err, args.lang)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(i18n.text("cli.interrupted", args.lang), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
