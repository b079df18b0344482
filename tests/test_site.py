"""``fleetsim site`` end to end: the plan, its targets and its check by re-simulation."""
from __future__ import annotations

import pytest

from szplan.fleetsim.cli import main
from szplan.fleetsim.runs.results import read_manifest, read_table


@pytest.fixture(scope="module")
def site_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "plan"
    assert main(["site", "shenzhen-2030", "--sample", "0.004", "--out", str(out)]) == 0
    return out


def test_plan_meets_the_station_targets(site_run):
    targets = read_table(site_run, "targets").set_index("target_id")
    for target in ("chargers_2025", "fast_chargers_2025", "highway_fast_coverage_2025", "integrated_stations_2025"):
        assert targets.at[target, "modelled_value"] == targets.at[target, "modelled_value"]  # computed, not NaN
    assert targets.at["highway_fast_coverage_2025", "modelled_value"] == 1.0
    assert targets.at["integrated_stations_2025", "modelled_value"] >= 60
    siting = read_table(site_run, "siting")
    assert set(siting["year_built"]) == {2025, 2030}
    assert (siting["capex_cny"] > 0).all()
    manifest = read_manifest(site_run)
    assert all(p["gap"] <= 0.01 for p in manifest["siting"]["phases"])


def test_planned_sites_hold_the_service_level_in_simulation(site_run):
    sessions = read_table(site_run, "sessions")
    planned = sessions[sessions["station_id"].str.startswith("plan-")]
    assert len(planned) > 0
    late = planned.loc[planned["wait_min"] > 10.0, "weight"].sum() / planned["weight"].sum()
    assert late <= 0.05


def test_charging_points_are_counted_whole(site_run):
    targets = read_table(site_run, "targets").set_index("target_id")
    stations = read_table(site_run, "stations")
    public_dc = stations[["dc_60kw", "dc_120kw", "dc_480kw"]].to_numpy().sum()
    # fast chargers include the public DC piles standing in 2030 at least as far as 2025's count
    assert targets.at["fast_chargers_2025", "modelled_value"] >= 2693
    assert targets.at["chargers_2025", "modelled_value"] > targets.at["fast_chargers_2025", "modelled_value"]
    assert public_dc > 2693


def test_budget_too_small_is_a_clear_error(tmp_path, capsys):
    scenario = tmp_path / "poor.yaml"
    scenario.write_text("name: poor\nyear: 2025\nsimulation: {sample: 0.003}\nsiting: {budget_cny: 1000000}\n")
    assert main(["site", str(scenario), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "budget_cny" in err and "short by CNY" in err
    assert not (tmp_path / "out").exists()


def test_demand_from_the_stock_agrees_with_the_simulation():
    from szplan import demand as stock_model
    from szplan.fleetsim.runs.scenario import load_scenario, with_overrides
    from szplan.fleetsim.sim.simulate import simulate_day
    from szplan.fleetsim.runs.site import demand_from_day, demand_from_stock

    # a tenth of the fleet, each agent standing for its weight: arrivals agree with the full
    # fleet's within a few per cent, far inside the tolerance below
    scenario = with_overrides(load_scenario("shenzhen-2025"), sample=0.1)
    stock = stock_model.project_stock(scenario.stock)
    simulated = demand_from_day(simulate_day(scenario, stock).tables).groupby("family")["arrivals_per_day"].sum()
    estimated = demand_from_stock(stock, 2025, scenario).groupby("family")["arrivals_per_day"].sum()
    # the two are independent routes to the same public charging demand
    assert estimated["dc_public"] == pytest.approx(simulated["dc_public"], rel=0.25)
    assert estimated["lng"] == pytest.approx(simulated["lng"], rel=0.25)


@pytest.mark.slow
def test_site_plans_from_the_stock_without_a_prior_simulation(tmp_path, capsys):
    out = tmp_path / "from-stock"
    assert main(["site", "shenzhen-2025", "--demand", "stock", "--sample", "0.003", "--out", str(out),
                 "--lang", "zh"]) == 0
    printed = capsys.readouterr()
    # the plan tables and the plan's notes in the command's language
    assert "各区场站规划（2025 年）" in printed.out and "合计" in printed.out and "投资（元）" in printed.out
    assert "警告：货运走廊：" in printed.err and "WARNING" not in printed.err
    targets = read_table(out, "targets").set_index("target_id")
    assert targets.at["integrated_stations_2025", "modelled_value"] >= 60
    assert len(read_table(out, "siting")) > 0
