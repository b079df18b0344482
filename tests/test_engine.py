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
from szplan.fleetsim.sim.params import sim_constants
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
    assert model.min_store.min() >= -1e-9
    assert (model.store <= model.a.store_capacity + 1e-6).all()


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
    assert result.model.min_store.min() >= -1e-9
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


# ---------------------------------------------------------------- sessions worked by hand
def _hand_model(capacity, level, max_kw, home_charger):
    """A model of one zone, two DC 120 kW piles (resource 0) and one AC 7 kW pile (resource 1)
    for the given cars; every car drives one block 05:00-18:00 and answers no prices."""
    from szplan.fleetsim.sim.agents import MAX_BLOCKS, Agents
    from szplan.fleetsim.sim.engine import FleetModel
    from szplan.fleetsim.sim.infrastructure import Infrastructure
    from szplan.fleetsim.sim.rules import Rules

    n = len(capacity)
    ones, no = np.ones(n), np.zeros(n, dtype=bool)
    blocks = np.full((n, MAX_BLOCKS, 2), np.nan)
    blocks[:, 0] = (300.0, 1080.0)
    agents = Agents(segment=np.array(["private_car"] * n), powertrain=np.array(["BEV"] * n),
                    weight=np.ones(n, dtype=np.int64), base_zone=np.zeros(n, dtype=np.int64),
                    work_zone=np.zeros(n, dtype=np.int64), depot=np.full(n, -1, dtype=np.int64),
                    daily_km=40 * ones, store_capacity=np.asarray(capacity, float), store_per_km=0.15 * ones,
                    petrol_l_per_km=0 * ones, start_store=np.asarray(level, float),
                    home_charger=np.asarray(home_charger, bool), blocks=blocks, active=~no, responsive=no.copy(),
                    ac_user=~np.asarray(home_charger, bool), roam_zone=np.zeros((n, MAX_BLOCKS), dtype=np.int64),
                    timer_u=0 * ones)
    infra = Infrastructure(stations=pd.DataFrame({"station_id": ["dc", "ac"]}), res_station=np.array([0, 1]),
                           res_equipment=np.array(["dc_120kw", "ac_7kw"]), res_zone=np.array([0, 0]),
                           res_count=np.array([2, 1]), res_capacity=np.array([2, 1]),
                           res_rate=np.array([120.0, 7.0]), res_service_min=np.array([30.0, 30.0]),
                           nearest={"dc_public": np.array([[0]]), "ac_public": np.array([[1]])},
                           depot_resource=np.zeros(0, dtype=np.int64))
    cap = np.asarray(capacity, float)
    rules = Rules(reserve=0.1 * cap, charge_to_soc=0.8 * ones, break_below=0 * ones, base_below=0.9 * cap,
                  end_below=0 * ones, end_at_ac=no, max_kw=np.asarray(max_kw, float), hybrid=no, slowdown=ones,
                  commuter=no, family=["dc_public"] * n, plugs_at_base=np.asarray(home_charger, bool))
    return FleetModel(agents, infra, rules, time_min=np.zeros((1, 1)), dist_km=np.zeros((1, 1)),
                      valley_public=(0.0, 480.0), valley_home=(0.0, 480.0))


def test_sessions_by_hand_power_cap_and_plug_handling():
    """Four sessions worked by hand: energy = min(pile kW, car kW) x minutes after the 2 plug-handling
    minutes / 60, below the taper (80%) so the power is constant.

    * DC: a 60 kWh car at 20% that accepts 100 kW on a 120 kW pile, to 80%: 36 kWh at 100 kW,
      21.6 min, from minute 2 to 23.6 (at 120 kW it would take 18 min);
    * DC, dwell-limited: the same car leaving at minute 12: 10 x 100 / 60 = 16.667 kWh (not 20 kWh
      at the pile's 120 kW, not 20 kWh over 12 minutes);
    * public AC, dwell-limited: a 60 kWh car at 20% plugged in at minute 0, leaving at minute 60:
      7 kW over minutes 2 to 60, 58 x 7 / 60 = 6.7667 kWh (not 7 kWh over the whole hour);
    * home: a 100 kWh car at 10% that accepts 3.3 kW AC, home at 20:00 and leaving at 05:00:
      3.3 kW from 20:02 to 29:00, 538 x 3.3 / 60 = 29.59 kWh (not 7 kW, not from 20:00)."""
    handling = 2.0
    assert sim_constants()["plug_handling_min"] == handling
    model = _hand_model(capacity=[60.0, 60.0, 100.0, 60.0], level=[12.0, 12.0, 10.0, 12.0],
                        max_kw=[100.0, 100.0, 3.3, 100.0], home_charger=[False, False, True, False])

    # the public sessions all from minute 0, on their own piles
    model.env.process(model._serve(0, 0, target_soc=0.8, dwell_end=None))
    model.env.process(model._serve(3, 0, target_soc=0.8, dwell_end=12.0))
    model.env.process(model._plug_ac(1, 0, dwell_end=60.0, defer=False))
    model.env.run()
    model.home_at[2] = 1200.0
    s = model.session_table().set_index("agent")
    dc, ac = s.loc[0], s.loc[1]
    assert dc["resource"] == 0 and dc["power"] == 100.0 and dc["energy"] == pytest.approx(36.0)
    assert (dc["start_min"], dc["charge_start_min"]) == (0.0, handling)
    assert dc["charge_end_min"] == pytest.approx(23.6) and dc["end_min"] == pytest.approx(23.6)
    short = s.loc[3]
    assert (short["charge_start_min"], short["charge_end_min"], short["end_min"]) == (handling, 12.0, 12.0)
    assert short["energy"] == pytest.approx(10 * 100 / 60) == pytest.approx(16.667, abs=1e-3)
    assert ac["resource"] == 1 and ac["power"] == 7.0
    assert (ac["start_min"], ac["charge_start_min"], ac["charge_end_min"], ac["end_min"]) == (0.0, handling, 60.0, 60.0)
    assert ac["energy"] == pytest.approx(58 * 7 / 60) == pytest.approx(6.7667, abs=1e-4)
    assert model.store[:2] == pytest.approx([48.0, 12.0 + 58 * 7 / 60])

    home = model.settle_home_charging().set_index("agent").loc[2]
    assert home["power"] == pytest.approx(3.3)
    assert (home["charge_start_min"], home["charge_end_min"]) == (1200.0 + handling, 1740.0)
    assert home["energy"] == pytest.approx(538 * 3.3 / 60) == pytest.approx(29.59)


def test_peak_priced_hours_merge_the_sharp_peak():
    """Guangdong's 331 notice: peak 10-12 and 14-19 h; in July-September the sharp peak
    (11-12, 15-17 h) lies inside those stretches, so the peak-priced hours are the same."""
    from szplan.fleetsim.sim.tariff import PUBLIC_TARIFF, peak_windows_min

    for month in (1, 7):
        assert peak_windows_min(PUBLIC_TARIFF, month) == [(600.0, 720.0), (840.0, 1140.0)]


def test_responding_drivers_leave_peak_priced_energy_for_later_by_hand():
    """Worked by hand (reserve 10% of 60 kWh = 6 kWh, peak 14:00-19:00):

    * a responding driver at 12 kWh who seeks public DC at 16:00 with 9 kWh of driving left
      charges to 9 + 6 = 15 kWh (3 kWh), not to 80% (36 kWh); the same driver outside the peak,
      and a driver who does not respond, charge to 80%;
    * at the 16:30 shift change, with an evening block using 15 kWh over 17:00-04:20 (680 min),
      the 120 min of driving until 19:00 use 15 x 120 / 680 = 2.647 kWh: at 12 kWh (9.35 kWh
      left > 6) the top-up waits, at 8 kWh (5.35 < 6) it does not; nor at lunch (12:30, flat)."""
    model = _hand_model(capacity=[60.0] * 3, level=[12.0] * 3, max_kw=[100.0] * 3, home_charger=[False] * 3)
    model.a.responsive[:2] = True
    model.peak_public = [(600.0, 720.0), (840.0, 1140.0)]
    model.env.run(until=960.0)
    model.env.process(model._seek(0, 0, "dc_public", cycle_end=2000.0, rest_of_day=9.0))
    model.env.process(model._seek(2, 0, "dc_public", cycle_end=2000.0, rest_of_day=9.0))
    model.env.run(until=1200.0)
    model.env.process(model._seek(1, 0, "dc_public", cycle_end=2000.0, rest_of_day=9.0))
    model.env.run()
    energy = model.session_table().set_index("agent")["energy"]
    assert energy[0] == pytest.approx(3.0)
    assert energy[1] == pytest.approx(36.0) and energy[2] == pytest.approx(36.0)

    model = _hand_model(capacity=[60.0] * 2, level=[12.0, 8.0], max_kw=[100.0] * 2, home_charger=[False] * 2)
    model.a.responsive[:] = True
    model.peak_public = [(600.0, 720.0), (840.0, 1140.0)]
    plan = [(300.0, 990.0, 100.0), (1020.0, 1700.0, 100.0)]  # 100 km x 0.15 kWh/km = 15 kWh a block
    model.env.run(until=990.0)
    assert model._postpones_top_up(0, plan, 1, 0.0)
    assert not model._postpones_top_up(1, plan, 1, 0.0)
    model.a.responsive[0] = False
    assert not model._postpones_top_up(0, plan, 1, 0.0)
    model.a.responsive[0] = True
    lunch = _hand_model(capacity=[60.0], level=[12.0], max_kw=[100.0], home_charger=[False])
    lunch.a.responsive[:] = True
    lunch.peak_public = model.peak_public
    lunch.env.run(until=750.0)
    assert not lunch._postpones_top_up(0, [(420.0, 750.0, 100.0), (810.0, 1260.0, 100.0)], 1, 0.0)


def test_overnight_dc_drivers_spread_over_the_valley_their_dwell_allows_by_hand():
    """Valley 00:00-08:00. Home at 22:00 (minute 1320), leaving at 07:00 the next day (1860), a
    60-min charge: any start from 00:00 (1440) to 06:00 (1800) pays the valley price, 360 min of
    spread; leaving at 00:30 none; home inside the valley none; a charge longer than the valley
    none."""
    from szplan.fleetsim.sim.tariff import deferred_start_min_one, valley_window_spread_min

    valley = (0.0, 480.0)
    assert valley_window_spread_min(1320.0, 1860.0, 60.0, valley) == 360.0
    assert deferred_start_min_one(1320.0, 1860.0, 60.0, valley, 0.5 * 360.0) == 1620.0  # 03:00
    assert valley_window_spread_min(1320.0, 1470.0, 60.0, valley) == 0.0
    assert valley_window_spread_min(1500.0, 1860.0, 60.0, valley) == 0.0
    assert valley_window_spread_min(1320.0, 3000.0, 600.0, valley) == 0.0
    assert valley_window_spread_min(300.0, 2000.0, 60.0, valley) == 0.0  # 05:00: already in the valley
    assert valley_window_spread_min(600.0, 2400.0, 120.0, valley) == 360.0  # 10:00, next valley ends 1920
