"""The ``fleetsim`` command: run scenarios, plan stations, export results, query the stock model.

Each command imports what it uses when it runs, so that ``fleetsim --help`` and ``fleetsim
scenarios`` start without loading pandas, the simulation or the solver. Messages come from the
catalogue of :mod:`fleetsim.i18n` in the language of ``--lang`` (default: the locale).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import i18n

__all__ = ["main", "build_parser", "TEMPLATE_SECTIONS"]

_DEFAULT = {"run": "shenzhen-2025", "site": "shenzhen-2030", "stock": "shenzhen-2030"}
#: sections of the scenario template and the parameter model documenting each
TEMPLATE_SECTIONS = ("stock", "network", "simulation", "siting")


def _user_errors() -> tuple[type[BaseException], ...]:
    from szplan.demand import DemandError
    from szplan.network import NetworkError

    from .errors import ResultsError, ScenarioError

    return ScenarioError, DemandError, NetworkError, ResultsError, FileNotFoundError


def _say(args, key: str, **fields) -> None:
    print(i18n.text(key, args.lang, **fields))


def _cmd_scenarios(args) -> int:
    # the built-in files read directly: loading szplan.fleetsim.runs.scenario imports every parameter model
    from importlib import resources

    import yaml

    for entry in sorted((resources.files("szplan.fleetsim") / "scenarios").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
            print(f"{entry.name[:-len('.yaml')]:<20} {' '.join(str(raw.get('description', '')).split())}")
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
    from .runs.run import default_out_dir, run_scenario, summary_table
    from .runs.scenario import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(args.scenario), seed=args.seed, sample=args.sample, out=args.out)
    seed = scenario.seed
    demand_source = getattr(args, "demand", "simulation")
    out = args.out or default_out_dir(scenario, seed, plan=site, demand_source=demand_source)
    show = scenario.simulation.progress and not args.quiet
    with _Progress(args.lang, bar=show and sys.stderr.isatty(), lines=show and not sys.stderr.isatty()) as bar:
        run = run_scenario(scenario, out_dir=out, seed=seed, progress=bar.update, site=site,
                           demand_source=demand_source)
    figures = summary_table(run)
    figures = figures[figures["figure"] != "targets met"]  # the targets block below says it in full
    figures["figure"] = [i18n.figure_name(f.replace(" ", "_"), args.lang) for f in figures["figure"]]
    figures["unit"] = [i18n.unit_name(u, args.lang) for u in figures["unit"]]
    _say(args, "cli.key_figures")
    print(figures.rename(columns=lambda c: i18n.text(f"col.{c}", args.lang)).to_string(index=False))
    print()
    _print_targets(args, run.tables["targets"])
    if site:
        _print_plan(args, run)
    print()
    _say(args, "cli.results", path=run.path)
    return 0


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
    counts = ", ".join(f"{int((modelled['verdict'] == v).sum())} {i18n.verdict_text(v, args.lang)}"
                       for v in ("within", "exceeded", "short"))
    _say(args, "cli.targets", met=int(modelled["met"].sum()), modelled=len(modelled), total=len(targets),
         counts=counts)
    print(target_table(modelled, args.lang).to_string(index=False))


def _print_plan(args, run) -> None:
    from .runs.export import district_summary

    siting = run.tables["siting"]
    counts = ["dc_120kw", "dc_480kw", "lng_dispenser", "h2_dispenser", "swap_bay"]
    by_year = siting.groupby("year_built").agg(sites=("site", "nunique"), capex_cny=("capex_cny", "sum"),
                                               **{c: (c, "sum") for c in counts})
    print()
    _say(args, "cli.plan")
    print(by_year.to_string(float_format="{:,.0f}".format))
    print()
    _say(args, "cli.districts", year=run.scenario.year)
    table = district_summary(siting, run.tables["zones"], run.tables["station_use"], year=run.scenario.year)
    print(table.to_string(index=False, float_format="{:,.0f}".format))
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
    print(result.describe())
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(result.path.to_string(index=False))
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
        raise ScenarioError(f"FILE: {path} exists; choose another name or pass --force")
    path.write_text(scenario_template(), encoding="utf-8")
    _say(args, "cli.init_written", path=path)
    return 0


class _Formatter(argparse.HelpFormatter):
    """Shows each option's default unless its help already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" not in text and action.default not in (None, argparse.SUPPRESS, False) and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _common(lang_default: str | None) -> argparse.ArgumentParser:
    """-v, -q and --lang, accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    keep = {} if lang_default else {"default": argparse.SUPPRESS}
    common.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO) to stderr", **keep)
    common.add_argument("-q", "--quiet", action="store_true", help="only errors: no progress, no warnings",
                        **keep)
    common.add_argument("--lang", choices=i18n.LANGUAGES, help="language of messages: zh or en (default: "
                        "the locale's)", **({"default": lang_default} if lang_default else keep))
    return common


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``argv`` (when known) lets the parser skip loading the sweep module
    for every other command."""
    top = _common(i18n.language(None))
    parser = argparse.ArgumentParser(prog="fleetsim", description=i18n.text("cli.description"),
                                     parents=[top], formatter_class=_Formatter)
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("shenzhen-fleetsim")
    except PackageNotFoundError:
        installed = "unknown"
    parser.add_argument("--version", action="version", version=f"fleetsim {installed}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_common(None)]

    def add(name: str, help_text: str, func, **kw):
        p = sub.add_parser(name, help=help_text, description=help_text, parents=common, formatter_class=_Formatter,
                           **kw)
        p.set_defaults(func=func)
        return p

    def runlike(p, name: str):
        p.add_argument("scenario", nargs="?", default=_DEFAULT[name],
                       help=f"built-in name or YAML file (default: {_DEFAULT[name]})")
        p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
        p.add_argument("--sample", type=float, help="fraction of the fleet simulated, in (0, 1] "
                       "(default: the scenario's)")

    p = add("run", "run a scenario: stock, the simulated day, targets; writes a results folder", _cmd_run)
    runlike(p, "run")
    p.add_argument("--out", help="results folder (default: results/<scenario>-seed<N>)")

    p = add("site", "plan new stations for the scenario's phase years, check them by re-simulation, and run "
            "the scenario year with the plan", lambda args: _cmd_run(args, site=True))
    runlike(p, "site")
    p.add_argument("--out", help="results folder (default: results/<scenario>-plan-seed<N>)")
    p.add_argument("--demand", choices=["simulation", "stock"], default="simulation",
                   help="where the plan's demand comes from: the simulated phase years or the stock model "
                   "alone (default: simulation)")

    p = add("sweep", "many scenarios x seeds on Dask (a local cluster, or a scheduler)", None)
    if argv is None or "sweep" in argv:
        from .sweeps.sweep import add_arguments

        add_arguments(p)

    p = add("export", "write a results folder as CSV (zip), Excel, GeoJSON or GeoPackage, coordinates in "
            "WGS-84", _cmd_export)
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="a results folder (fleetsim run or site)")
    p.add_argument("--to", choices=["csv", "xlsx", "geojson", "gpkg"], required=True, help="file format")
    p.add_argument("--out", metavar="PATH", help="file to write (default: exports/<folder name>.<zip|xlsx|"
                   "geojson|gpkg>)")

    p = add("dashboard", "serve the dashboard over results folders", _cmd_dashboard)
    p.add_argument("results", nargs="*", help="results or sweep folders (default: those under --runs-root)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 for every interface")
    p.add_argument("--port", type=int, default=8050, help="port to listen on")
    p.add_argument("--runs-root", default="results", help="where runs launched from the dashboard go")

    add("scenarios", "list the built-in scenarios", _cmd_scenarios)
    add("tables", "print the schema of every results table (Markdown)", _cmd_tables)

    p = add("validate", "check a scenario file; every problem is listed", _cmd_validate)
    p.add_argument("file", help="scenario file (YAML)")

    p = add("init", "write a commented scenario template", _cmd_init)
    p.add_argument("file", nargs="?", default="scenario.yaml", help="file to write (default: scenario.yaml)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")

    p = add("stock", "smallest NEV share path of new vehicles that reaches a target", _cmd_stock)
    p.add_argument("scenario", nargs="?", default=_DEFAULT["stock"],
                   help=f"built-in name or YAML file (default: {_DEFAULT['stock']})")
    p.add_argument("--target", default="nev_stock_2030", help="target id from targets.csv, e.g. "
                   "nev_stock_2025, new_clean_share_2030 (default: nev_stock_2030)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    try:
        return args.func(args)
    except Exception as err:
        # the error classes are imported only when something failed: they pull in the model
        if not isinstance(err, _user_errors()):
            raise
        print(i18n.text("cli.error", args.lang, message=err), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(i18n.text("cli.interrupted", args.lang), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
