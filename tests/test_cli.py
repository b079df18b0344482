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
    parameters = [line for line in text.splitlines() if line.startswith(("#   ", "  "))]
    assert len(parameters) > 30 and all("    # " in line for line in parameters)  # each says what it is
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
    sampled = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": 0.01})})
    assert default_out_dir(sampled, 7, plan=True).name == "shenzhen-2030-plan-sample0.01-seed7"


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
    assert "nev_stock_2025" in out and "全市新能源汽车保有量达到130万辆左右" in out
    assert "方案目标共 24 项，模型计算 9 项：2 项符合、5 项超出、2 项未达到" in out
    assert "+20." in out  # 1,563,656 against about 1.3 M: +20.3%


def test_stock_answers_in_target_ids(capsys):
    assert main(["stock", "--target", "chargers_2025"]) == 2
    err = capsys.readouterr().err
    assert "nev_stock_2030" in err and "charging_facilities_cumulative" not in err
    assert main(["stock", "--target", "nev_stock_2030"]) == 0
    assert "exceeded" in capsys.readouterr().out


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_speaks_chinese_with_defaults(capsys):
    text = _help(["--lang", "zh", "run", "--help"], capsys)
    assert text.startswith("用法：fleetsim run") and "位置参数：" in text and "选项：" in text and "选项:" not in text
    assert "仿真车队的比例，取值 (0, 1]（默认：情景文件中的值）" in text and "显示本帮助并退出" in text
    assert "default" not in text and "fraction" not in text
    text = _help(["dashboard", "--help", "--lang=zh"], capsys)
    assert "监听端口（默认：8050）" in text and "show this help" not in text
    assert _help(["run", "--help", "--lang", "en"], capsys).startswith("usage: fleetsim run")
    # every sweep option is catalogued (building the parser would raise KeyError otherwise)
    for lang in ("en", "zh"):
        build_parser(["sweep", "--lang", lang])


@pytest.mark.parametrize("argv, needle", [
    (["run", "--sample", "x"], "参数 --sample：'x' 不是有效的 float 值"),
    (["export", "somewhere"], "缺少必需的参数：--to"),
    (["export", "r", "--to", "pdf"], "参数 --to：无效的选项 'pdf'（可选："),
    (["scenarios", "--bogus"], "无法识别的参数：--bogus"),
    (["run", "--seed"], "参数 --seed：需要一个值"),
])
def test_command_line_mistakes_in_chinese(capsys, argv, needle):
    with pytest.raises(SystemExit) as stop:
        main(["--lang", "zh", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "用法：" in err and "error:" not in err


def test_scenario_problems_in_chinese(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nyear: 2025\nseed: many\nsimulation:\n  sample: 1.7\n  bogus: 3\n", encoding="utf-8")
    assert main(["validate", str(bad), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("fleetsim：错误：bad.yaml：seed：应为整数（实际为 'many'）；simulation.sample：应不大于 1"
                   "（实际为 1.7）；simulation.bogus：未知字段（值为 3）")
    assert main(["validate", str(bad), "--lang", "en"]) == 2
    assert "simulation.bogus: unknown field (value 3)" in capsys.readouterr().err
    # the models' own checks, in the stock and the siting parameters, speak Chinese too
    bad.write_text("name: x\nyear: 2025\nstock:\n  start_year: 2030\n  end_year: 2020\nsiting:\n"
                   "  phase_years: [2030, 2025]\n", encoding="utf-8")
    assert main(["validate", str(bad), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "start_year 2030 晚于 end_year 2020" in err and "阶段年份必须递增（实际为 2030 之后是 2025）" in err
    # a choice list and the name rule said in words, not as Python or a regular expression
    bad.write_text("name: 'bad name!'\nyear: 2025\nstock:\n  hydrogen_production_route: blue\n", encoding="utf-8")
    assert main(["validate", str(bad), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "name：只能包含字母、数字及 . _ -，且须以字母或数字开头（实际为 'bad name!'）" in err
    assert "应为 'grey'、'coal' 或 'green' 之一（实际为 'blue'）" in err
    assert main(["validate", str(bad), "--lang", "en"]) == 2
    assert "name: letters, digits, '.', '_' and '-' only" in capsys.readouterr().err
    bad.write_text("a: &x 1\nb: *x\n", encoding="utf-8")
    assert main(["validate", str(bad), "--lang", "zh"]) == 2
    assert "不允许使用锚点（&name）；请直接写出值（第 1 行第 4 列）" in capsys.readouterr().err
    assert main(["run", "--sample", "3", "--lang", "zh"]) == 2
    assert "命令行：--sample：应不大于 1（实际为 3.0）" in capsys.readouterr().err


def test_stock_answer_in_chinese(capsys):
    assert main(["stock", "--target", "nev_stock_2025", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nev_stock 2025 年：目标 左右（±5%） 1,300,000\n超出：") and "全部车辆新能源占比" in out


def test_a_reader_that_stops_early_gets_no_traceback():
    """``fleetsim tables | head -1``: the pipe closes before the output (12 kB, more than the
    8 kB buffer) is written; the command ends quietly with 141, as shell tools do."""
    proc = subprocess.Popen([sys.executable, "-m", "szplan.fleetsim", "tables"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 141 and "Traceback" not in err, err


def test_key_figures_read_as_people_read_them():
    from szplan.fleetsim.cli import figure_table, figure_value

    assert figure_value(0.04334, "fraction") == ("4.3", "%")
    assert figure_value(16.0, "h") == ("16:00", "") and figure_value(0.0, "h") == ("00:00", "")
    assert figure_value(1563656.0, "vehicles") == ("1,563,656", "vehicles")
    assert figure_value(0.0, "vehicles") == ("0", "vehicles")
    assert figure_value(20.0056, "GWh") == ("20.01", "GWh")
    import pandas as pd

    zh = figure_table(pd.DataFrame({"figure": ["public_dc_utilisation"], "value": [0.043], "unit": ["fraction"]}), "zh")
    assert zh.iloc[0].tolist() == ["公共直流快充桩利用率", "4.3", "%"]


def test_built_in_scenarios_described_in_the_command_language(capsys):
    assert main(["scenarios", "--lang", "zh"]) == 0
    assert "shenzhen-2025        基准情景（保有量路径经历史数据校准）" in capsys.readouterr().out
    assert main(["scenarios", "--lang", "en"]) == 0
    assert "shenzhen-2030        Calibrated baseline stock path" in capsys.readouterr().out
