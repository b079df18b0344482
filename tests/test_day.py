"""The credible day: periodic, supply-limited, priced, counted as a grid operator counts it.

Each check holds a figure against something outside the model: a hand calculation, Erlang C,
conservation, or the data file that states the rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from szplan import demand
from szplan.fleetsim.sim.charging import charge_minutes
from szplan.fleetsim.sim.daytypes import day_types, design_day, relative_energy_factor, temperature_factor
from szplan.fleetsim.sim.fullscale import _erlang_c, full_scale_waits, offered_load, pooled_waits, shrunk_arrivals
from szplan.fleetsim.sim.infrastructure import station_inventory
from szplan.fleetsim.sim.params import duty_params, sim_constants
from szplan.fleetsim.sim.queues import station_queue
from szplan.fleetsim.runs.scenario import load_scenario
from szplan.fleetsim.sim.simulate import simulate_day, year_stations
from szplan.fleetsim.sim.tariff import TariffParams, deferred_start_min, deferred_start_min_one, response_shares
from szplan.fleetsim.sim.vpp import vpp_contribution_mw, vpp_params, vpp_table
from szplan.network import load_equipment
from szplan.network.queueing import erlang_c_mean_wait, erlang_c_wait_probability


def _scenario(sample: float, year: int = 2025, **simulation):
    scenario = load_scenario(f"shenzhen-{year}")
    return scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
        update={"sample": sample, **simulation})})


@pytest.fixture(scope="module")
def day():
    scenario = _scenario(0.01)
    stock = demand.project_stock(scenario.stock)
    return scenario, stock, simulate_day(scenario, stock)


# ---------------------------------------------------------------- the periodic day
def test_no_session_begins_outside_the_day(day):
    sessions = day[2].tables["sessions"]
    assert sessions["arrive_min"].between(0, 1440, inclusive="left").all()
    # a session that began before midnight may run into the next morning, never past the next departure
    model = day[2].model
    next_departure = model.a.blocks[sessions["vehicle"].to_numpy(), 0, 0] + 1440
    raw_start = model.session_table()["start_min"].to_numpy()
    assert (raw_start < (model.a.blocks[model.session_table()["agent"].to_numpy(), 0, 0] + 1440 + 1e-6)).all()
    assert (sessions["end_min"].to_numpy() <= next_departure + 1440).all()


def test_the_day_ends_in_the_state_it_starts(day):
    """Stored energy at the end of the day equals the start within 1% for batteries (sampled
    stations have room for everyone, so nothing is unserved): the habits' settled state is
    stationary. The 1% sample holds about 150 gas vehicles that fill up every week or so, so
    their tanks are held to the noise of about 20 fills a day (5%)."""
    v = day[2].tables["vehicles"]
    for unit, tolerance in (("kWh", 0.01), ("kg", 0.05)):
        mine = v[v["unit"] == unit]
        start = (mine["start_level"] * mine["weight"]).sum()
        end = (mine["end_level"] * mine["weight"]).sum()
        assert abs(end - start) / start < tolerance, unit


def test_settled_levels_respect_the_habits(day):
    """A vehicle that plugs in at home or at its depot never starts its day below its plug-in level."""
    model = day[2].model
    plugs = model.rules.plugs_at_base & (model.rules.base_below > 0)
    start = model.a.start_store
    assert (start[plugs] >= model.rules.base_below[plugs] - 1e-9).all()
    assert (start >= 0).all() and (start <= model.a.store_capacity + 1e-9).all()


def test_not_every_vehicle_drives(day):
    v = day[2].tables["vehicles"]
    share = (v["weight"] * (v["km"] > 0)).groupby(v["segment"]).sum() / v.groupby("segment")["weight"].sum()
    activity = pd.read_csv(__import__("szplan.data", fromlist=["data_path"]).data_path("params", "activity.csv"))
    weekday = activity[activity["parameter"] == "weekday_active_share"].set_index("segment")["value"]
    private = share["private_car"]
    assert private == pytest.approx(weekday["private_car"], abs=0.03)


def test_charging_power_and_handling_by_hand(day):
    """Every public DC session: the energy flows after the plug-handling minutes, at the lower of
    the pile's rating and the car's acceptance, for the time the taper formula gives."""
    model, sessions = day[2].model, day[2].model.session_table()
    dc = sessions[(sessions["kind"] == "charging") & (sessions["energy"] > 1e-6)]
    dc = dc[np.isin(model.infra.res_equipment[dc["resource"].to_numpy()], ("dc_60kw", "dc_120kw", "dc_480kw"))]
    assert len(dc) > 100
    agent = dc["agent"].to_numpy()
    rate = load_equipment().loc[model.infra.res_equipment[dc["resource"].to_numpy()], "rate"].to_numpy(float)
    accept = pd.Series(model.a.segment[agent]).map({s: d["max_charge_kw"] for s, d in duty_params().items()})
    power = np.minimum(rate, accept.to_numpy(float))
    assert np.allclose(dc["power"], power)
    handling = sim_constants()["plug_handling_min"]
    assert np.allclose(dc["charge_start_min"] - dc["start_min"], handling)
    cap = model.a.store_capacity[agent]
    soc0 = dc["soc_start"].to_numpy()
    minutes = charge_minutes(soc0, soc0 + dc["energy"].to_numpy() / cap, cap, power)
    assert np.allclose(dc["charge_end_min"] - dc["charge_start_min"], minutes, rtol=1e-6, atol=1e-6)
    # a 20% -> 80% charge of a 60 kWh car at 120 kW: 36 kWh in 18 minutes, below the taper
    assert charge_minutes(0.2, 0.8, 60.0, 120.0) == pytest.approx(18.0)


def test_depot_piles_follow_the_fleets_need(day):
    """A bus depot's piles: its buses' daily energy at 120 kW over the depot's charging hours at
    the target utilisation, rounded up (hand calculation from the data files)."""
    scenario, _, result = day
    model = result.model
    stations = result.tables["stations"]
    depot = stations[stations["station_id"].str.startswith("depot-bus-")].iloc[0]
    index = int(depot["station_id"].rsplit("-", 1)[1])
    mine = (model.a.depot == index) & (model.a.powertrain == "BEV")
    km_per_day = scenario.stock.segment_params("bus").annual_km / 365.0
    energy = (model.a.store_per_km[mine] * model.a.weight[mine]).sum() * km_per_day
    hours = duty_params()["bus"]["depot_charge_hours"] * sim_constants()["depot_target_utilisation"]
    assert depot["depot_dc_120kw"] == int(np.ceil(energy / 120.0 / hours - 1e-9))


# ---------------------------------------------------------------- supply and unserved demand
def test_short_supply_is_reported_not_queued():
    """With one DC pile left in every public station, drivers are turned away and reported;
    no one waits longer than their patience and no session starts after the day."""
    scenario = _scenario(1.0)
    scenario = scenario.model_copy(update={"year": 2025})
    stock = demand.project_stock(scenario.stock)
    # a small city: only taxis, a real network cut to one DC pile per station and few stations
    fleet_stock = stock[(stock["segment"] == "taxi") | (stock["year"] != 2025)]
    stations = year_stations(scenario, stock).copy()
    dc = ["dc_60kw", "dc_120kw", "dc_480kw"]
    stations[dc] = np.minimum(stations[dc], 1)
    stations = stations.iloc[::20].reset_index(drop=True)
    result = simulate_day(scenario, fleet_stock, stations=stations)
    unserved = result.tables["unserved"]
    assert unserved["vehicles"].sum() > 0
    assert set(unserved["family"]) <= {"dc_public", "depot"}
    waits = result.tables["sessions"]["wait_min"]
    assert waits.max() <= sim_constants()["queue_patience_min"] + 1e-6
    assert (result.tables["sessions"]["arrive_min"] < 1440).all()


# ---------------------------------------------------------------- time-of-use prices
@pytest.mark.parametrize("deferred", [deferred_start_min, deferred_start_min_one])
def test_deferred_start_by_hand(deferred):
    valley = (0.0, 480.0)
    # plugged in at 19:00, leaves at 07:30 next day, needs 3 h: starts at midnight + 10 min spread
    assert deferred(1140.0, 1890.0, 180.0, valley, 10.0) == pytest.approx(1450.0)
    # needs 10 h: starts as late as still finishes before leaving (07:30 - 10 h = 21:30)
    assert deferred(1140.0, 1890.0, 600.0, valley, 10.0) == pytest.approx(1290.0)
    # plugged in inside the valley: starts at once
    assert deferred(1500.0, 1890.0, 60.0, valley, 10.0) == pytest.approx(1500.0)
    # plugged in at 05:00 (before the valley ends): at once too
    assert deferred(300.0, 1000.0, 60.0, valley, 10.0) == pytest.approx(300.0)
    # a valley in the middle of the day (12:00-14:00), plugged in at 15:00 of the next day: the
    # valley after that, 12:00 of the day after
    assert deferred(2340.0, 5000.0, 60.0, (720.0, 840.0), 0.0) == pytest.approx(2880.0 + 720.0)


def test_scalar_deferred_start_equals_the_array_one():
    rng = np.random.default_rng(4)
    plug, need, spread = rng.uniform(0, 2880, 2000), rng.uniform(0, 600, 2000), rng.uniform(0, 60, 2000)
    depart = plug + rng.uniform(0, 1200, 2000)
    for valley in ((0.0, 480.0), (1380.0, 1440.0), (720.0, 840.0)):
        vector = deferred_start_min(plug, depart, need, valley, spread)
        scalar = [deferred_start_min_one(*row, valley, s) for *row, s in
                  zip(plug.tolist(), depart.tolist(), need.tolist(), spread.tolist(), strict=True)]
        assert np.array_equal(vector, np.array(scalar))


def test_price_levers_move_the_response():
    base = response_shares(TariffParams(), 7)
    cheaper = response_shares(TariffParams(valley_price_cny_per_kwh=0.1), 7)
    no_gap = response_shares(TariffParams(valley_price_cny_per_kwh=0.65), 7)
    assert cheaper["taxi"] > base["taxi"] > no_gap["taxi"] == 0.0
    assert response_shares(TariffParams(response_share=1.0), 7)["bus"] == 1.0


def test_responding_drivers_charge_in_the_valley():
    """All drivers responding against none: home and depot energy moves into 00:00-08:00."""
    stock = None

    def valley_share(share: float) -> float:
        nonlocal stock
        scenario = _scenario(0.005, tariff=TariffParams(response_share=share))
        stock = demand.project_stock(scenario.stock) if stock is None else stock
        flex = simulate_day(scenario, stock).tables["flexibility"]
        base = flex[flex["charger"].isin(["home", "depot"])]
        return base.loc[base["time_min"] < 480, "charging_kw"].sum() / base["charging_kw"].sum()

    none, everyone = valley_share(0.0), valley_share(1.0)
    assert everyone > none + 0.2
    assert everyone > 0.8


# ---------------------------------------------------------------- the VPP figure
def test_vpp_counts_only_what_a_grid_operator_dispatches():
    slots = np.arange(0, 1440, 15)
    flex = pd.DataFrame({"time_min": np.repeat(slots, 3), "segment": "bus",
                         "charger": np.tile(["public", "depot", "home"], len(slots)),
                         "charging_kw": 2000.0, "flexible_kw": 1000.0})
    table = vpp_table(flex)
    p = vpp_params()
    inside = table[table["in_window"]]
    outside = table[~table["in_window"]]
    assert (outside["dispatchable_mw"] == 0).all()
    public = inside[inside["charger"] == "public"]["dispatchable_mw"]
    assert np.allclose(public, 1.0 * p["ev_charging_enrolled_share"] * p["ev_event_response_share"])
    assert (inside[inside["charger"] == "home"]["dispatchable_mw"] == p["home_enrolled_share"]).all()
    expected = (p["ev_charging_enrolled_share"] + p["depot_enrolled_share"] + p["home_enrolled_share"]) \
        * p["ev_event_response_share"]
    assert vpp_contribution_mw(table) == pytest.approx(expected)
    # windows 10-12 and 14-19: seven hours
    assert inside["hour"].nunique() == 7


# ---------------------------------------------------------------- full-scale waits of a sampled run
def test_full_scale_waits_match_erlang_c():
    """Forty stations with a day of steady Poisson arrivals, thinned to 1 in 5, each kept
    arrival standing for 5: the full-scale estimate gives back the M/M/c wait at the real
    number of servers, which the station queue simulation also gives (drivers' patience cuts
    the longest waits a little)."""
    rng = np.random.default_rng(3)
    servers, service, per_h, stations = 10, 30.0, 16.0, 40  # offered load 8 erlangs
    frames = []
    for r in range(stations):
        arrivals = np.sort(rng.uniform(0, 1440, rng.poisson(per_h * 24)))
        keep = arrivals[rng.random(len(arrivals)) < 0.2]
        frames.append(pd.DataFrame({"resource": r, "arrive_min": keep, "start_min": keep,
                                    "end_min": keep + rng.exponential(service, len(keep)), "weight": 5}))
    sessions = pd.concat(frames, ignore_index=True)
    units = np.full(stations, servers)
    got = full_scale_waits(sessions, units, np.full(stations, "dc_120kw"))
    exact = erlang_c_mean_wait(per_h, service, servers)
    assert station_queue(per_h, service, servers, hours=4000, seed=5).mean_wait_min == pytest.approx(exact, rel=0.1)
    assert got["wait_mean_min"].mean() == pytest.approx(exact, rel=0.3)
    # four times the load: every station saturated, drivers wait about their patience
    overloaded = full_scale_waits(sessions.assign(weight=20), units, np.full(stations, "dc_120kw"))
    patience = sim_constants()["queue_patience_min"]
    assert (overloaded["wait_mean_min"] > 0.8 * patience).all() and (overloaded["wait_p95_min"] <= patience).all()


def test_erlang_c_of_many_stations_at_once_by_hand():
    """M/M/1: an arrival waits with probability rho; M/M/2 at 1 erlang: 1/3 (Erlang C by hand,
    P = (a^c / c!) (c / (c - a)) / (sum_k<c a^k / k! + that)); the rest as one station at a time."""
    load = np.array([0.5, 1.0, 3.9, 8.0, 40.0, 0.01])
    servers = np.array([1, 2, 4, 10, 50, 3])
    got = _erlang_c(load, servers)
    assert got[:2] == pytest.approx([0.5, 1 / 3], rel=1e-12)
    one_by_one = [erlang_c_wait_probability(a * 60 / 30.0, 30.0, int(c)) for a, c in zip(load, servers, strict=True)]
    assert got == pytest.approx(one_by_one, rel=1e-12)


def test_offered_load_lags_the_arrivals_by_hand():
    """60 arrivals in hour 0 only, 60-minute sessions: an unlimited station holds on average
    60/e vehicles in hour 0 and 60 (1 - 1/e)^2 in hour 1 (dm/dt = arrivals - m/60); steady
    arrivals give arrivals x service; over the day the mean equals the day's arrivals x service
    / 1440 (Little's law)."""
    burst = np.zeros(24)
    burst[0] = 60.0
    m = offered_load(burst, 60.0)
    assert m[0] == pytest.approx(60 / np.e, rel=1e-6)
    assert m[1] == pytest.approx(60 * (1 - 1 / np.e) ** 2, rel=1e-6)
    assert offered_load(np.full(24, 12.0), 30.0) == pytest.approx(np.full(24, 6.0))
    # half-hour slots: 30 arrivals in the first, 30-minute sessions hold 30/e on average then,
    # and 6 arrivals in every slot (12 an hour) hold 6 again
    half_hour = np.zeros(48)
    half_hour[0] = 30.0
    assert offered_load(half_hour, 30.0)[0] == pytest.approx(30 / np.e, rel=1e-6)
    assert offered_load(np.full(48, 6.0), 30.0) == pytest.approx(np.full(48, 6.0))
    rng = np.random.default_rng(1)
    arrivals = rng.uniform(0, 40, 24)
    assert offered_load(arrivals, 300.0).mean() == pytest.approx(arrivals.sum() * 300 / 1440, rel=1e-9)


def test_overload_queues_behind_the_units_by_hand():
    """One pile, 30-minute sessions, 4 an hour all day: the offered load is 2 vehicles, one more
    than the pile; each arrival waits behind it for 30 min, which is also the patience."""
    arrive = np.arange(0, 1440, 15.0)
    sessions = pd.DataFrame({"resource": 0, "arrive_min": arrive, "start_min": arrive, "end_min": arrive + 30.0,
                             "weight": 1})
    got = full_scale_waits(sessions, np.array([1]), np.array(["dc_60kw"]))
    assert got["wait_mean_min"].iloc[0] == pytest.approx(min(30.0, sim_constants()["queue_patience_min"]))
    half = full_scale_waits(sessions.iloc[::3], np.array([1]), np.array(["dc_60kw"]))  # 2/3 erlang, stable
    assert 0 < half["wait_mean_min"].iloc[0] < erlang_c_mean_wait(4 / 3, 30.0, 1) * 1.01


def test_pools_and_shrinkage():
    """A pool of two 1-pile stations is one 2-pile station; a station's sampled count is drawn
    towards its share of the type, more so when the sample shows no spread beyond Poisson."""
    arrive = np.arange(0, 1440, 20.0)
    sessions = pd.DataFrame({"resource": np.arange(len(arrive)) % 2, "arrive_min": arrive, "start_min": arrive,
                             "end_min": arrive + 30.0, "weight": 1})
    pooled = pooled_waits(sessions, np.array([1, 1]), np.array(["dc_60kw"] * 2), np.array(["a", "a"]))
    alone = full_scale_waits(sessions.assign(resource=0), np.array([2]), np.array(["dc_60kw"]))
    assert pooled["wait_mean_min"].tolist() == pytest.approx([alone["wait_mean_min"].iloc[0]] * 2)
    kind = np.zeros(4, dtype=np.int64)
    units = np.array([1, 1, 1, 1])
    even = shrunk_arrivals(np.array([20.0, 0, 20, 0]), np.array([1.0, 0, 1, 0]), units, kind)
    assert even == pytest.approx([10.0] * 4, rel=0.01)  # 0/1 counts are Poisson noise around 0.5
    spread = shrunk_arrivals(np.array([2000.0, 0, 0, 0]), np.array([100.0, 0, 0, 0]), units, kind)
    assert spread[0] == pytest.approx(2000.0, rel=0.02) and spread[1:].max() < 20


# ---------------------------------------------------------------- day types
def test_day_types_cover_the_year_and_keep_its_energy():
    types = day_types()
    assert sum(t.days_per_year for t in types) == 365
    mean = np.mean([relative_energy_factor(m) for m in range(1, 13)])
    assert mean == pytest.approx(1.0)
    weighted = sum(t.days_per_year * t.energy_factor() for t in types) / 365
    assert weighted == pytest.approx(1.0, abs=0.005)
    hot = design_day()
    assert hot.month == 7 and hot.weekday
    assert temperature_factor(7) > temperature_factor(4) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="design_day"):
        design_day("monsoon_day")


def test_station_inventory_of_the_year_grows():
    small, large = station_inventory(year=2022), station_inventory(year=2030)
    assert large["dc_120kw"].sum() > small["dc_120kw"].sum()
    assert large["ac_7kw"].sum() >= small["ac_7kw"].sum()


# ---------------------------------------------------------------- energy over a period


def test_energy_over_a_period_comes_from_the_fleet_in_service_then():
    """By hand: 40 buses at the end of 2023, 120 at the end of 2024 (growing evenly). Q1 2024
    (mid-months 0.5, 1.5, 2.5 of 12) holds 40 + 80 x 1.5/12 = 50; May-October 40 + 80 x 7/12 =
    86.67 -> 87; the whole year 80; the first year of the table keeps its own stock."""
    from szplan.fleetsim.sim.simulate import fleet_in_months

    stock = pd.DataFrame({"year": [2023, 2024], "segment": "bus", "powertrain": "BEV", "vehicles": [40, 120]})
    assert fleet_in_months(stock, 2024, (1, 2, 3))["vehicles"].tolist() == [50]
    assert fleet_in_months(stock, 2024, (5, 6, 7, 8, 9, 10))["vehicles"].tolist() == [87]
    assert fleet_in_months(stock, 2024, tuple(range(1, 13)))["vehicles"].tolist() == [80]
    assert fleet_in_months(stock, 2023, (1, 2, 3))["vehicles"].tolist() == [40]


def test_quarter_days_from_the_calendar():
    """Q1 2024: 31 + 29 + 31 = 91 days, 65 of them Monday to Friday; Q1 2023: 90 days, 65; Q4 2024: 92, 66."""
    from szplan.fleetsim.runs.annual import quarter_days

    assert [quarter_days(2024, 1), quarter_days(2023, 1), quarter_days(2024, 4)] == [(91, 65), (90, 65), (92, 66)]


def test_calibration_compares_the_grid_company_figures_by_hand():
    """The 2025 row sums the grid-metered energy of the day types (home piles left out); the
    Q1 2024 row takes the quarter's simulated energy against the reported 670 GWh; utilisation is
    unit-weighted over public piles only (depots left out)."""
    from szplan.fleetsim.runs.calibration import day_calibration_table, observed_quarter

    annual = pd.DataFrame({"day_type": ["a", "a", "b", "b"], "days_per_year": [200, 200, 165, 165],
                           "scope": ["grid_metered", "home", "grid_metered", "home"],
                           "energy_gwh_year": [3000.0, 500.0, 2000.0, 400.0]})
    use = pd.DataFrame({"station_id": ["s1", "s2", "depot-x"], "equipment": ["dc_120kw", "dc_60kw", "dc_120kw"],
                        "units": [10, 30, 100], "utilisation": [0.10, 0.02, 0.5]})
    table = day_calibration_table(year=2025, annual=annual, station_use=use).set_index("quantity")
    year = table.loc["EV charging electricity in the year"]
    assert (year["reported"], year["modelled"]) == (4200.0, 5000.0)
    assert year["error"] == pytest.approx(800 / 4200)
    dc = table.loc["time utilisation of public DC piles"]
    assert dc["modelled"] == pytest.approx((10 * 0.10 + 30 * 0.02) / 40)
    assert dc["error"] == pytest.approx(0.04 / 0.04 - 1)
    assert observed_quarter(2024) == 1 and observed_quarter(2025) is None
    q1 = day_calibration_table(year=2024, annual=annual, station_use=use,
                               quarter={"grid_metered": 871.0, "home": 99.0}).set_index("quantity")
    assert q1.loc["EV charging electricity, Q1", "modelled"] == 871.0
    assert q1.loc["EV charging electricity, Q1", "error"] == pytest.approx(201 / 670)
    assert "EV charging electricity, Q1" not in day_calibration_table(year=2024, annual=annual, station_use=use).index
