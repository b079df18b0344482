"""Scenario loading and validation: every bad input gives exit code 2 and one line naming it."""
from __future__ import annotations

import pytest

from szplan.fleetsim.cli import main
from szplan.fleetsim.errors import ScenarioError
from szplan.fleetsim.runs.scenario import builtin_scenarios, load_scenario


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
        ("name: x\nyear: 2030\nstock: {home_charging_access_share: -0.2}\n", "stock.home_charging_access_share",
         "-0.2"),
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


# ---- the malformed inputs found by hand and by fuzzing, each a one-line refusal --------------

def _one_line_refusal(tmp_path, capsys, text: str | bytes, *needles: str) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and len(err) < 500, err[:2000]
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


_HEAD = "name: x\nyear: 2030\n"


@pytest.mark.parametrize("text, needles", [
    # an alias bomb: refused before anything expands
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "name: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nyear: 2030\n", ("anchors",)),
    (_HEAD + "stock: " + "[" * 1000 + "]" * 1000 + "\n", ("nest",)),
    (_HEAD + "seed: 1\nseed: 2\n", ("seed", "twice")),
    (_HEAD + "simulation: {sample: true}\n", ("simulation.sample", "valid number", "True")),
    (_HEAD + "simulation: {sample: '0.5'}\n", ("simulation.sample", "valid number")),
    (_HEAD + "siting: {grid_headroom_kw: {99999999: 100}}\n", ("siting.grid_headroom_kw", "99999999")),
    (_HEAD + "siting: {grid_headroom_kw: {-5: 100}}\n", ("siting.grid_headroom_kw", "-5")),
    (_HEAD + "siting: {grid_headroom_kw: {590: .nan}}\n", ("siting.grid_headroom_kw.590", "finite")),
    (_HEAD + "siting: {grid_headroom_kw: {590: -.inf}}\n", ("siting.grid_headroom_kw.590",)),
    (_HEAD + "siting: {grid_headroom_kw: {590: -1.0e+30}}\n", ("siting.grid_headroom_kw.590", "-1e+30")),
    (_HEAD + "siting: {phase_years: [1900]}\n", ("siting.phase_years.0", "1900")),
    (_HEAD + "siting: {phase_years: [2030, 2025]}\n", ("siting.phase_years", "increase")),
    (_HEAD + "siting: {phase_years: ['2030']}\n", ("siting.phase_years.0", "valid integer")),
    ("name: x\nyear: 2030\nstock: {end_year: 2028}\n", ("year", "2030", "outside the stock projection")),
    (_HEAD + "stock: {start_year: 2027}\nsiting: {phase_years: [2025, 2030]}\n", ("phase_years", "2025")),
    (_HEAD + "stock: {segment_overrides: {bus: {stock_anchors: {2025: 1.0e15}}}}\n", ("stock_anchors",)),
    (_HEAD + f"stock: {{segment_overrides: {{bus: {{stock_anchors: {{2025: {2**62}}}}}}}}}\n",
     ("stock_anchors", "10000000")),
    (_HEAD + "stock: {segment_overrides: {taxi: {stock_anchors: {2025: 9000000}}}, "
     "annual_growth: {taxi: 0.5}}\n", ("fleet could reach",)),
    (_HEAD + "network: {speed_outer_kmh: 1.0e-9}\n", ("network.speed_outer_kmh", "1e-09")),
    (_HEAD + "stock: {segment_overrides: {taxi: {annual_km: 1.0e+308}}}\n", ("annual_km", "200000")),
    ("name: " + "x" * 1_000_000 + "\nyear: 2030\n", ("too large",)),
    ("name: " + "x" * 500_000 + "\nyear: 2030\n", ("name", "...")),
    ("name: x\nyear: 2030\n" + "\n".join(f"k{i}: {i}" for i in range(10_000)) + "\n", ("unknown field",)),
    (b"name: x\nyear: 2030\ndescription: \xff\xfe\n", ("not UTF-8",)),
    (_HEAD + "description: !!python/object/apply:os.system [echo hi]\n", ("broken YAML",)),
    (_HEAD + "seed: 2030-02-30\n", ("unreadable value",)),
    (_HEAD + "? [a, b]\n: 1\n", ("plain value",)),
])
def test_found_cases_are_one_line_refusals(tmp_path, capsys, text, needles):
    _one_line_refusal(tmp_path, capsys, text, *needles)


def test_run_refuses_before_any_work(tmp_path, capsys):
    """Values that once validated and then crashed or hung ``fleetsim run`` stop at validation."""
    out = tmp_path / "out"
    for text in ("name: x\nyear: 2030\nstock: {end_year: 2028}\n",
                 _HEAD + "network: {speed_outer_kmh: 1.0e-9}\n",
                 _HEAD + "stock: {segment_overrides: {taxi: {annual_km: 1.0e+308}}}\n"):
        path = tmp_path / "s.yaml"
        path.write_text(text)
        assert main(["run", str(path), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("argv, needle", [
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2**40)], "--seed"),
    (["--sample", "0"], "--sample"),
    (["--sample", "1.5"], "--sample"),
    (["--sample", "nan"], "--sample"),
])
def test_command_line_overrides_are_validated(tmp_path, capsys, argv, needle):
    out = tmp_path / "out"
    assert main(["run", "shenzhen-2025", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and argv[1] in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["run", "shenzhen-2025", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err and target.read_text() == "keep me"


def test_with_overrides_keeps_the_scenario_otherwise():
    from szplan.fleetsim.runs.scenario import with_overrides

    base = load_scenario("shenzhen-2030")
    changed = with_overrides(base, seed=5, sample=0.02)
    assert (changed.seed, changed.simulation.sample) == (5, 0.02)
    assert changed.model_dump(exclude={"seed", "simulation"}) == base.model_dump(exclude={"seed", "simulation"})
    with pytest.raises(ScenarioError, match="--sample"):
        with_overrides(base, sample=True)


def test_builtin_name_never_reaches_outside_the_package(tmp_path, monkeypatch):
    (tmp_path / "evil.yaml").write_text("name: evil\nyear: 2030\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario("../../../../" + str(tmp_path / "evil"))
    assert load_scenario("evil.yaml").name == "evil"  # an explicit file still loads


def test_strict_scenarios_still_round_trip_through_json():
    """Scenarios dumped to JSON (manifests, sweeps) give year and zone keys as strings."""
    from szplan.fleetsim.runs.scenario import scenario_from_dict

    raw = load_scenario("shenzhen-2030").model_dump(mode="json")
    raw["siting"]["grid_headroom_kw"] = {"590": 15000.0}
    again = scenario_from_dict(raw)
    assert again.siting.grid_headroom_kw == {590: 15000.0}
    assert again.stock.nev_share_path == load_scenario("shenzhen-2030").stock.nev_share_path
