"""The Shenzhen plan model on real simulated demand: validity, budget, grid, service level."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from szplan import demand as stock_model
from szplan.data import data_path
from szplan.fleetsim.sim.infrastructure import station_inventory
from szplan.fleetsim.runs.scenario import load_scenario
from szplan.fleetsim.sim.simulate import simulate_day
from szplan.fleetsim.runs.site import demand_from_day, existing_capacity
from szplan.network import new_station_table, travel_matrices
from szplan.network.queueing import erlang_c_wait_quantile, servers_for_service_level
from szplan.network.siting.errors import SitingError
from szplan.network.plan.params import SitingParams
from szplan.network.plan.phase import FAMILY_EQUIPMENT, plan_capex, plan_phase, validate_plan


@pytest.fixture(scope="module")
def instance():
    scenario = load_scenario("shenzhen-2025")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": 0.005})})
    day = simulate_day(scenario, stock_model.project_stock(scenario.stock))
    zone_ids, time_min, _ = travel_matrices()
    return (demand_from_day(day.tables), existing_capacity(station_inventory(new_station_table([]))),
            zone_ids, time_min)


def _plan(instance, **changes):
    demand, existing, zone_ids, time_min = instance
    params = SitingParams(**changes)
    return params, plan_phase(2025, demand, existing, zone_ids=zone_ids, time_min=time_min, params=params)


def test_demand_comes_from_sessions(instance):
    demand = instance[0]
    assert set(demand["family"]) <= set(FAMILY_EQUIPMENT)
    assert (demand["arrivals_per_day"] > 0).all() and (demand["service_min"] > 0).all()
    assert demand["peak_share"].between(1 / 24, 1).all()


def test_plan_is_valid_and_meets_the_service_level(instance):
    params, plan = _plan(instance)
    validate_plan(plan, instance[0], instance[1], params)
    assert plan.status in ("optimal", "feasible") and plan.gap <= params.relative_gap + 1e-9
    assert plan.unserved_sessions_per_day == pytest.approx(0.0, abs=1e-6)
    assert not plan.units["grid_capped"].any()
    for row in plan.units[plan.units["peak_erlangs"] > 0].itertuples(index=False):
        servers = math.floor(row.existing_units) + row.new_units
        arrivals_h = row.peak_erlangs * 60 / row.service_min
        assert erlang_c_wait_quantile(arrivals_h, row.service_min, servers, 0.95) <= 10.0 + 1e-9
    assert plan.capex_cny == pytest.approx(plan_capex(plan.units, params))


def _cap_in_data() -> float:
    table = pd.read_csv(data_path("params", "siting.csv")).set_index("parameter")
    return float(table.at["peak_utilisation", "value"])


def test_utilisation_cap_sizes_a_site_by_hand():
    """One zone, 720 public DC sessions a day of 30 min with 1/16 in the busiest hour: 720 / 16 x
    30 / 60 = 22.5 erlangs. Erlang C alone needs 28 piles for 95% waiting <= 10 min; the cap of
    data/params/siting.csv (75%) needs 22.5 / 0.75 = 30, which is what the plan builds (capex 30 x
    CNY 110,000 a DC 120 kW pile in equipment.csv + the CNY 2 M site of siting.csv); with 6 piles
    standing, 24 new ones and no site cost."""
    cap = _cap_in_data()
    assert cap == 0.75
    params = SitingParams(min_integrated_sites=0)
    demand = pd.DataFrame({"family": ["dc_public"], "zone_id": [102], "arrivals_per_day": [720.0],
                           "service_min": [30.0], "peak_share": [1 / 16]})
    assert servers_for_service_level(22.5 * 60 / 30, 30.0, max_wait_min=10.0, share=0.95) == 28
    for standing, new, capex in ((0.0, 30, 30 * 110_000 + 2_000_000), (6.0, 24, 24 * 110_000)):
        existing = pd.DataFrame({"family": ["dc_public"], "zone_id": [102], "units": [standing]})
        plan = plan_phase(2025, demand, existing, zone_ids=np.array([102]), time_min=np.zeros((1, 1)),
                          params=params)
        row = plan.units.iloc[0]
        assert len(plan.units) == 1 and row["peak_erlangs"] == pytest.approx(22.5)
        assert row["new_units"] == new and plan.capex_cny == pytest.approx(capex)
        assert row["expected_utilisation"] == pytest.approx(cap)
        validate_plan(plan, demand, existing, params)


def test_every_planned_site_stays_under_the_utilisation_cap(instance):
    """Every planned site of the real plan: its busiest-hour load is at most the cap of
    data/params/siting.csv times its units (standing ones in new-unit equivalents, e.g. a 60 kW pile
    is half a 120 kW one), and the reported ``expected_utilisation``, which counts whole piles (the
    Erlang C servers), stays under the cap too."""
    params, plan = _plan(instance)
    cap = _cap_in_data()
    assert params.peak_utilisation == cap
    busy = plan.units[plan.units["peak_erlangs"] > 0]
    assert len(busy) > 50 and not busy["grid_capped"].any()
    load = busy["peak_erlangs"] / (busy["existing_units"] + busy["new_units"])
    assert load.max() <= cap + 1e-9
    assert busy["expected_utilisation"].max() <= cap + 1e-9


def test_plan_reaches_the_integrated_sites(instance):
    _, plan = _plan(instance, min_integrated_sites=60)
    built = plan.units[plan.units["new_units"] > 0]
    supplies = built.assign(s=built["family"].map({"dc_public": "c", "truck_dc": "c", "lng": "l", "h2": "h",
                                                   "swap": "s"})).groupby("zone_id")["s"].nunique()
    assert (supplies >= 2).sum() >= 60


@pytest.mark.slow
def test_tight_budget_leaves_demand_unserved_and_says_so(instance):
    _, full = _plan(instance)
    params, tight = _plan(instance, budget_cny=full.capex_cny * 0.3, min_integrated_sites=0)
    assert tight.unserved_sessions_per_day > 0
    assert any("cannot be served" in note for note in tight.notes)


def test_grid_headroom_limits_electric_units(instance):
    params, plan = _plan(instance, grid_headroom_kw_per_zone=500.0, min_integrated_sites=0)
    electric = plan.units[plan.units["family"].isin(["dc_public", "truck_dc"])]
    rate = electric["family"].map({"dc_public": 120.0, "truck_dc": 480.0})
    per_zone = (electric["new_units"] * rate).groupby(electric["zone_id"]).sum()
    assert plan.unserved_sessions_per_day > 0
    assert per_zone.max() <= 500.0
    validate_plan(plan, instance[0], instance[1], params)
    capped = plan.units["grid_capped"]
    assert capped.any() and any("grid headroom" in note for note in plan.notes)


def test_forced_sites_beyond_budget_name_the_shortfall(instance):
    demand, existing, zone_ids, time_min = instance
    forced = pd.DataFrame({"family": ["truck_dc"] * 3, "zone_id": [int(z) for z in zone_ids[:3]], "min_units": 2})
    with pytest.raises(SitingError, match="short by CNY"):
        plan_phase(2025, demand, existing, zone_ids=zone_ids, time_min=time_min,
                   params=SitingParams(budget_cny=1_000_000), forced=forced)


def test_bad_demand_is_named(instance):
    demand, existing, zone_ids, time_min = instance
    bad = demand.assign(peak_share=0.0)
    with pytest.raises(SitingError, match="peak_share"):
        plan_phase(2025, bad, existing, zone_ids=zone_ids, time_min=time_min, params=SitingParams())
    with pytest.raises(SitingError, match="family"):
        plan_phase(2025, demand.assign(family="diesel"), existing, zone_ids=zone_ids, time_min=time_min,
                   params=SitingParams())


def test_validator_catches_a_broken_plan(instance):
    params, plan = _plan(instance)
    busy = plan.units["peak_erlangs"].idxmax()
    plan.units.loc[busy, "new_units"] = 0
    plan.units.loc[busy, "existing_units"] = 0.0
    with pytest.raises(SitingError):
        validate_plan(plan, instance[0], instance[1], params)
