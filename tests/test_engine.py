"""The city simulation: conservation of vehicles and energy, capacity, monotonicity, stranding."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from szplan import demand
from szplan.fleetsim.sim.agents import integer_weights
from szplan.fleetsim.sim.daytypes import design_day
from szplan.fleetsim.sim.simulate import year_stations
from szplan.fleetsim.sim.metrics import SLOT_MIN
from szplan.fleetsim.runs.scenario import load_scenario
from szplan.fleetsim.sim.simulate import fleet_of_year, simulate_day


def _scenario(sample: float, year: int = 2030):
    scenario = load_scenario(f"shenzhen-{year}")
    return scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"sample": sample})})


@pytest.fixture(scope="module")
def day():
    scenario = _scenario(0.005)
    stock = demand.project_stock(scenario.stock)
    return scenario, stock, simulate_day(scenario, stock)


def test_integer_weights_conserve_vehicles():
    for sample in (0.001, 0.01, 0.3, 1.0):
        assert len(integer_weights(0, sample)) == 0
        for vehicles in (1, 7, 99, 1000, 123_457):
            w = integer_weights(vehicles, sample)
            assert w.sum() == vehicles
            assert (w >= 1).all() and w.max() - w.min() <= 1


def test_agents_stand_for_the_whole_fleet(day):
    scenario, stock, result = day
    fleet = fleet_of_year(stock, scenario.year)
    fleet = fleet[fleet["powertrain"].isin(["BEV", "PHEV", "LNG", "FCEV"])]
    simulated = result.tables["vehicles"].groupby(["segment", "powertrain"])["weight"].sum()
    expected = fleet.set_index(["segment", "powertrain"])["vehicles"]
    expected = expected[expected > 0]
    pd.testing.assert_series_equal(simulated.sort_index(), expected.sort_index(), check_names=False)


def test_energy_is_conserved_per_vehicle(day):
    v = day[2].tables["vehicles"]
    balance = v["start_level"] + v["energy_charged"] - v["energy_used"] - v["end_level"]
    assert np.abs(balance).max() < 1e-6 * max(1.0, v["start_level"].max())
    sessions = day[2].tables["sessions"].groupby("vehicle")["energy"].sum()
    charged = v.set_index("vehicle")["energy_charged"]
    assert np.allclose(sessions.reindex(charged.index, fill_value=0.0), charged, atol=1e-6)


def test_no_state_of_charge_below_zero(day):
    model = day[2].model
    assert model.min_level.min() >= -1e-9
    assert (model.level <= model.a.capacity + 1e-6).all()


def test_resources_never_serve_beyond_capacity(day):
    model = day[2].model
    assert all(r.max_in_service <= r.capacity for r in model.resources)
    # an independent check from the session table: concurrent sessions per resource
    sessions = day[2].tables["sessions"]
    sessions = sessions[sessions["station_id"] != "home"]
    use = day[2].tables["station_use"].set_index(["station_id", "equipment"])["sim_units"]
    for key, group in sessions.groupby(["station_id", "equipment"]):
        events = np.concatenate([np.c_[group["start_min"], np.ones(len(group))],
                                 np.c_[group["end_min"], -np.ones(len(group))]])
        events = events[np.lexsort((events[:, 1], events[:, 0]))]  # ends before starts at a tie
        assert np.cumsum(events[:, 1]).max() <= use[key]


def test_load_holds_all_session_energy(day):
    tables = day[2].tables
    sessions, load = tables["sessions"], tables["load"]
    carrier_of = sessions["equipment"].map({"lng_dispenser": "lng", "h2_dispenser": "h2"}).fillna("electricity")
    for carrier in ("electricity", "lng", "h2"):
        mine = sessions[carrier_of == carrier]
        delivered = (mine["energy"] * mine["weight"]).sum()
        in_load = load.loc[load["carrier"] == carrier, "value"].sum() * SLOT_MIN / 60
        assert delivered > 0 and in_load == pytest.approx(delivered, rel=1e-6)
    flex = tables["flexibility"]
    assert (flex["flexible_kw"] <= flex["charging_kw"] + 1e-6).all()
    assert flex["charging_kw"].sum() * SLOT_MIN / 60 == pytest.approx(
        load.loc[load["carrier"] == "electricity", "value"].sum() * SLOT_MIN / 60, rel=1e-6)


def test_daily_energy_agrees_with_the_stock_model(day):
    """BEV private cars: simulated kWh per vehicle-day against the stock model's annual
    electricity per vehicle over 365 days, times the design day's weather factor and its
    weekday activity."""
    scenario, stock, result = day
    v = result.tables["vehicles"]
    bev = v[(v["segment"] == "private_car") & (v["powertrain"] == "BEV")]
    per_day = (bev["energy_used"] * bev["weight"]).sum() / bev["weight"].sum()
    energy = demand.energy_by_year(stock, scenario.stock)
    row = energy[(energy["year"] == scenario.year) & (energy["segment"] == "private_car")
                 & (energy["powertrain"] == "BEV")]
    vehicles = stock[(stock["year"] == scenario.year) & (stock["segment"] == "private_car")
                     & (stock["powertrain"] == "BEV")]["vehicles"].sum()
    annual_kwh_per_vehicle = row["final_energy_gwh"].sum() * 1e6 / vehicles
    expected_per_day = annual_kwh_per_vehicle / 365 * design_day().energy_factor()
    # a weekday: the share of private cars driving on a weekday over the year's mean share
    from szplan.fleetsim.sim.daytypes import activity_share, annual_active_days
    expected_per_day *= activity_share("private_car", True) / (annual_active_days("private_car") / 365)
    assert per_day == pytest.approx(expected_per_day, rel=0.06)


def test_more_chargers_never_longer_waits():
    scenario = _scenario(0.005)
    stock = demand.project_stock(scenario.stock)

    def mean_public_wait(factor: int) -> float:
        inventory = year_stations(scenario, stock).copy()
        for column in ("dc_60kw", "dc_120kw", "dc_480kw"):
            inventory[column] *= factor
        s = simulate_day(scenario, stock, stations=inventory).tables["sessions"]
        public = s[(s["station_id"] != "home") & ~s["station_id"].str.startswith("depot-")]
        return float((public["wait_min"] * public["weight"]).sum() / public["weight"].sum())

    base, doubled, quadrupled = mean_public_wait(1), mean_public_wait(2), mean_public_wait(4)
    assert doubled <= base and quadrupled <= doubled


def test_vehicles_without_a_station_are_stranded_and_counted():
    scenario = _scenario(0.005, 2025)
    stock = demand.project_stock(scenario.stock)
    no_gas = year_stations(scenario, stock).copy()
    no_gas[["lng_dispenser", "h2_dispenser"]] = 0
    result = simulate_day(scenario, stock, stations=no_gas)
    v = result.tables["vehicles"]
    gas = v[v["powertrain"].isin(["LNG", "FCEV"])]
    assert gas["stranded"].sum() > 0
    assert (gas.loc[gas["stranded"], "energy_charged"] == 0).all()
    assert result.model.min_level.min() >= -1e-9
    with_gas = simulate_day(scenario, stock).tables["vehicles"]
    assert with_gas.loc[with_gas["powertrain"].isin(["LNG", "FCEV"]), "stranded"].sum() < gas["stranded"].sum()


def test_same_seed_same_day_other_seed_other_day():
    scenario = _scenario(0.002)
    stock = demand.project_stock(scenario.stock)
    a = simulate_day(scenario, stock).tables["sessions"]
    b = simulate_day(scenario, stock).tables["sessions"]
    pd.testing.assert_frame_equal(a, b)
    c = simulate_day(scenario.model_copy(update={"seed": scenario.seed + 1}), stock).tables["sessions"]
    assert not a.equals(c)


def test_nearest_stations_are_the_first_of_a_stable_sort():
    """The candidate table takes each zone's k nearest without sorting whole rows; with many ties
    (equal travel times and pile counts) it must pick and order exactly as a stable sort does."""
    from szplan.fleetsim.sim.infrastructure import _first_k_stable

    rng = np.random.default_rng(0)
    for _ in range(300):
        zones, members, k = rng.integers(1, 20), rng.integers(1, 60), int(rng.integers(1, 12))
        key = rng.integers(0, 6, (zones, members)).astype(float)
        assert (_first_k_stable(key, k) == np.argsort(key, axis=1, kind="stable")[:, :k]).all()
