"""Scenario loading and validation: every bad input gives exit code 2 and one line naming it."""
from __future__ import annotations

import pytest

from fleetsim.cli import main
from fleetsim.errors import ScenarioError
from fleetsim.scenario import builtin_scenarios, load_scenario


def test_builtin_scenarios_load_and_list(capsys):
    names = builtin_scenarios()
    assert {"shenzhen-2025", "shenzhen-2030"} <= set(names)
    for name in names:
        assert load_scenario(name).name == name
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "shenzhen-2025" in out and "shenzhen-2030" in out


def _validate(tmp_path, capsys, text: str) -> tuple[int, str, str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


@pytest.mark.parametrize(
    "text, field, value",
    [
        ("name: x\nyear: 2030\ncolour: blue\n", "colour", "blue"),
        ("name: x\nyear: twenty\n", "year", "twenty"),
        ("name: x\nyear: 2030\nseed: -4\n", "seed", "-4"),
        ("name: x\nyear: 2030\nsimulation: {sample: 1.5}\n", "simulation.sample", "1.5"),
        ("name: x\nyear: 2030\nstock: {home_charging_access_share: -0.2}\n", "stock.home_charging_access_share", "-0.2"),
        ("name: x\nyear: 2051\n", "year", "2051"),
        ("name: x\nyear: 2030\nnetwork: {speed_core_kmh: -5}\n", "network.speed_core_kmh", "-5"),
    ],
)
def test_bad_values_name_field_and_value(tmp_path, capsys, text, field, value):
    code, err, _ = _validate(tmp_path, capsys, text)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert field in err and value in err
    assert "Traceback" not in err


def test_broken_yaml_gives_line(tmp_path, capsys):
    code, err, _ = _validate(tmp_path, capsys, "name: x\nyear: [2030\n")
    assert code == 2 and "broken YAML" in err and "line" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_not_a_mapping(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    code, err, _ = _validate(tmp_path, capsys, "- just\n- a list\n")
    assert code == 2 and "mapping" in err


def test_missing_required_field(tmp_path, capsys):
    code, err, _ = _validate(tmp_path, capsys, "name: x\n")
    assert code == 2 and "year" in err and "missing" in err


def test_good_file_validates(tmp_path, capsys):
    code, _, out = _validate(tmp_path, capsys, "name: my-policy\nyear: 2030\nsimulation: {sample: 0.02}\n")
    assert code == 0 and "my-policy" in out


def test_run_with_bad_scenario_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nyear: 2030\nsimulation: {sample: 0}\n")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert not out.exists()


def test_scenario_error_is_a_value_error():
    with pytest.raises(ValueError):
        load_scenario("not-a-scenario")
    with pytest.raises(ScenarioError, match="not a built-in"):
        load_scenario("not-a-scenario")
