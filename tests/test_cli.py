"""The command line: a light start, options after any subcommand, help, init, validation, output."""
from __future__ import annotations

import subprocess
import sys

import pytest

from szplan.fleetsim.cli import _Progress, build_parser, main, scenario_template
from szplan.fleetsim.runs.run import default_out_dir
from szplan.fleetsim.runs.scenario import load_scenario


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["scenarios"], ["--version"], ["run", "--help"]])
def test_light_commands_load_no_model(argv):
    loaded = _modules_after(
        f"from szplan.fleetsim.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass")
    assert not loaded & {"pandas", "simpy", "ortools", "szplan.fleetsim.sim.engine", "szplan.fleetsim.runs.run",
                         "szplan.demand", "dash"}


def test_packages_import_light():
    assert not _modules_after("import szplan.fleetsim") & {"pandas", "simpy", "ortools", "szplan.fleetsim.runs.run"}
    heavy = {"simpy", "ortools", "szplan.fleetsim.sim.engine", "szplan.fleetsim.runs.run", "szplan.network.siting",
             "dash"}
    assert not _modules_after("import szplan.dashboard.reader") & heavy


def test_version_and_verbosity_after_the_subcommand(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("fleetsim ")
    for flags in (["-v"], ["-q"], ["--lang", "zh"]):
        args = build_parser(["scenarios", *flags]).parse_args(["scenarios", *flags])
        assert args.verbose == (flags == ["-v"]) and args.quiet == (flags == ["-q"])
    args = build_parser().parse_args(["--lang", "zh", "scenarios"])
    assert args.lang == "zh"
    assert main(["scenarios", "-q"]) == 0 and "shenzhen-2030" in capsys.readouterr().out


def test_every_option_has_help_and_says_its_default():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    assert {"run", "site", "sweep", "export", "init", "dashboard", "validate", "stock"} <= set(subparsers)
    for name, sub in subparsers.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.dest} has no help"
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if action.option_strings and action.default not in (None, False) and action.default != "==SUPPRESS==":
                assert f"default: {action.default}" in text, (name, action.dest)


def test_init_writes_a_template_that_validates(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    assert main(["init", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text == scenario_template() and "# " in text and "home_charging_access_share" in text
    assert load_scenario(path).simulation.sample == 1.0
    assert main(["init", str(path)]) == 2  # never overwrites without --force
    assert "--force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text


def test_validate_lists_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nyear: 2030\nsimulation: {sample: 1.5, month: 13}\nfoo: 1\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    for field in ("simulation.sample", "simulation.month", "foo"):
        assert field in err
    assert "more problem" not in err


def test_default_folders_say_what_was_run():
    scenario = load_scenario("shenzhen-2030")
    plain = default_out_dir(scenario, 7)
    plan = default_out_dir(scenario, 7, plan=True)
    stock = default_out_dir(scenario, 7, plan=True, demand_source="stock")
    assert len({plain, plan, stock}) == 3
    assert plain.name == "shenzhen-2030-seed7" and plan.name == "shenzhen-2030-plan-seed7"
    assert stock.name == "shenzhen-2030-plan-stock-seed7"


def test_progress_lines_off_a_terminal(capsys):
    with _Progress("en", bar=False, lines=True) as progress:
        for i in range(101):
            progress.update("siting", i / 100)
        progress.update("simulation", 0.0)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "station siting: 0%" and lines[10] == "station siting: 100%"
    assert lines[-1] == "simulated day: 0%" and len(lines) == 12


def test_run_prints_every_modelled_target_with_its_verdict(tmp_path, capsys):
    assert main(["run", "shenzhen-2025", "--sample", "0.003", "--out", str(tmp_path / "r"), "--lang", "zh",
                 "-q"]) == 0
    out = capsys.readouterr().out
    assert "nev_stock_2025" in out and "超过" in out and "全市新能源汽车保有量达到130万辆左右" in out
    assert "+20." in out  # 1,563,656 against about 1.3 M: +20.3%


def test_stock_answers_in_target_ids(capsys):
    assert main(["stock", "--target", "chargers_2025"]) == 2
    err = capsys.readouterr().err
    assert "nev_stock_2030" in err and "charging_facilities_cumulative" not in err
    assert main(["stock", "--target", "nev_stock_2030"]) == 0
    assert "exceeded" in capsys.readouterr().out
