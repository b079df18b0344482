"""The public charging network grown by year (network.growth)."""
import time

import numpy as np
import pandas as pd
import pytest

from szplan.network import NetworkError, existing_stations, growth_path, stations_of_year
from szplan.network.growth import (FIRST_YEAR, LAST_YEAR, _apportion, _read_growth_file, assumed_sites, check_path,
                                   growth_params)

YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
CLASSES = {"public_ac_7kw": "ac_7kw", "public_dc_60kw": "dc_60kw", "public_dc_120kw": "dc_120kw",
           "public_dc_480kw": "dc_480kw"}


@pytest.mark.parametrize("year", YEARS)
def test_totals_equal_the_path_exactly(year):
    table, path = stations_of_year(year), growth_path().loc[year]
    for metric, column in CLASSES.items():
        assert int(table[column].sum()) == path[metric], (year, metric)
    assert int((table["dc_480kw"] > 0).sum()) == path["supercharging_stations"]
    assert table["station_id"].is_unique


def test_reported_anchors_are_in_the_path():
    # figures from outside the model: data/facts/charging_infrastructure.csv
    path = growth_path()
    assert path.at[2023, "supercharging_stations"] == 150       # end-2023 plan target
    assert path.at[2024, "supercharging_stations"] == 1002      # built by end-2024
    dc_2025 = path.loc[2025, ["public_dc_60kw", "public_dc_120kw", "public_dc_480kw"]].sum()
    assert dc_2025 == 45000                                     # the plan's 2025 fast chargers
    # mid-2024: 10,956 stations at the sample's 22,872 / 1,706 piles each; the end-2024 total
    # (half a year of growth later) lies within 5% of it
    assert abs(path.at[2024, "public_piles"] / (10956 * 22872 / 1706) - 1) < 0.05
    # the 2022 network sits between the 125,000 of end-2021 and that mid-2024 figure
    assert 125000 < path.at[2022, "public_piles"] < 10956 * 22872 / 1706


def test_2022_contains_every_observed_station_unchanged():
    observed, table = existing_stations(), stations_of_year(2022).set_index("station_id")
    assert len(observed) == 1706
    kept = table.loc[observed["station_id"]]
    for column in ("ac_7kw", "dc_60kw", "zone_id", "lon", "lat"):
        np.testing.assert_array_equal(kept[column].to_numpy(), observed[column].to_numpy())


def test_growth_never_removes_a_pile():
    previous = None
    for year in YEARS:
        table = stations_of_year(year).set_index("station_id")
        if previous is not None:
            assert previous.index.isin(table.index).all(), year
            counts = ["ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw"]
            assert (table.loc[previous.index, counts] >= previous[counts]).all().all(), year
        previous = table


def test_deterministic_and_a_copy():
    first = stations_of_year(2030)
    first.loc[0, "ac_7kw"] = -5
    again = stations_of_year(2030)
    assert again.loc[0, "ac_7kw"] >= 0
    pd.testing.assert_frame_equal(again, stations_of_year(2030))


def test_new_piles_follow_the_zone_rule():
    # the 2023 addition of 120 kW DC is apportioned to zones by the DC weight; check the share of
    # the zone with the most ST-EVCDP fast piles against a hand calculation of the weight
    from szplan.network import load_zones

    added = stations_of_year(2023).set_index("station_id").drop(stations_of_year(2022)["station_id"])
    zones, observed = load_zones(), existing_stations()
    fast = observed.groupby("zone_id")["dc_60kw"].sum()
    top = int(fast.idxmax())
    w = growth_params()["existing_weight"]
    residents = zones.set_index("zone_id")["population"]
    weight = w * fast[top] / fast.sum() + (1 - w) * residents[top] / residents.sum()
    delta = growth_path().at[2023, "public_dc_120kw"]
    got = added.loc[added["zone_id"] == top, "dc_120kw"].sum()
    assert abs(got - weight * delta) <= 1


def test_new_stations_have_the_sample_size():
    added = stations_of_year(2022).iloc[1706:]
    piles = added[["ac_7kw", "dc_60kw"]].sum(axis=1)
    assert abs(piles.mean() - 22872 / 1706) < 0.5
    assert piles.min() >= 1


def test_apportion_is_exact_and_proportional():
    got = _apportion(10, np.array([0.5, 0.3, 0.2]))
    assert got.tolist() == [5, 3, 2]
    got = _apportion(7, np.array([1.0, 1.0, 1.0]))
    assert got.tolist() == [3, 2, 2] and got.sum() == 7


@pytest.mark.parametrize("year", [2021, 2036, 2030.5, "2030", True, None])
def test_year_outside_the_range_is_a_one_line_error(year):
    with pytest.raises(ValueError, match=r"^year: .*2022 to 2035") as err:
        stations_of_year(year)
    assert "\n" not in str(err.value)


def test_cached_call_is_fast():
    stations_of_year(2035)
    start = time.perf_counter()
    for year in YEARS:
        stations_of_year(year)
    assert (time.perf_counter() - start) / len(YEARS) < 0.3


def test_assumed_sites_scale_with_the_fleet():
    base = assumed_sites()
    assert base["lng_dispenser"].sum() == 20 and base["h2_dispenser"].sum() == 4
    # 20 dispensers serve 20 x 500 = 10,000 LNG vehicles: 25,000 need 2.5 times as many per site
    grown = assumed_sites(lng_vehicles=25000, fcev_vehicles=2000)
    np.testing.assert_array_equal(grown["lng_dispenser"], np.ceil(base["lng_dispenser"] * 2.5))
    # 4 hydrogen dispensers serve 400 vehicles; the plan's 2,000 FCEVs need 5 times as many
    np.testing.assert_array_equal(grown["h2_dispenser"], base["h2_dispenser"] * 5)
    # a small fleet never shrinks the assumed sites
    small = assumed_sites(lng_vehicles=100, fcev_vehicles=0)
    np.testing.assert_array_equal(small["lng_dispenser"], base["lng_dispenser"])
    with pytest.raises(ValueError, match="^lng_vehicles: "):
        assumed_sites(lng_vehicles=-1)


def test_a_bad_path_file_is_a_one_line_error():
    good = _read_growth_file().copy()
    check_path(good)
    falling = good.copy()
    row = (falling["year"] == 2030) & (falling["metric"] == "supercharging_stations")
    falling.loc[row, "value"] = 10
    with pytest.raises(NetworkError, match=r"supercharging_stations.*fall between years"):
        check_path(falling)
    unbalanced = good.copy()
    unbalanced.loc[(unbalanced["year"] == 2025) & (unbalanced["metric"] == "public_ac_7kw"), "value"] += 1
    with pytest.raises(NetworkError, match="public_piles differs"):
        check_path(unbalanced)
    gap = good[good["year"] != 2027]
    with pytest.raises(NetworkError, match="^infrastructure_growth.csv: year: "):
        check_path(gap)
