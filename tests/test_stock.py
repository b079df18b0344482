"""Stock turnover: schema, exact vehicle conservation, survival, levers, calibration, validation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from szplan.demand import DemandError, StockParams, calibration_table, project_stock, survival_curve
from szplan.demand.params import SEGMENTS, segment_powertrains
from szplan.demand.stock import STOCK_COLUMNS


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return project_stock(StockParams(), include_base_year=True)


def assert_conserved(stock: pd.DataFrame) -> None:
    frame = stock.sort_values(["segment", "powertrain", "year"])
    prev = frame.groupby(["segment", "powertrain"])["vehicles"].shift()
    later = prev.notna()
    expected = prev[later] + frame.loc[later, "new_vehicles"] - frame.loc[later, "retired"]
    assert (expected.astype(np.int64) == frame.loc[later, "vehicles"]).all()
    assert (frame[["vehicles", "new_vehicles", "retired"]] >= 0).all().all()


def test_schema_is_exact(baseline):
    stock = project_stock()
    assert tuple(stock.columns) == STOCK_COLUMNS
    for col in ("year", "vehicles", "new_vehicles", "retired"):
        assert stock[col].dtype == np.int64
    assert sorted(stock["year"].unique()) == list(range(2015, 2036))
    pairs = set(zip(stock["segment"], stock["powertrain"], strict=True))
    assert pairs == {(s, p) for s in SEGMENTS for p in segment_powertrains()[s]}
    assert not stock.duplicated(["year", "segment", "powertrain"]).any()
    assert baseline["year"].min() == 2014


def test_baseline_conserves_vehicles_exactly(baseline):
    assert_conserved(baseline)


def test_base_stock_is_reported_total(baseline):
    assert baseline.loc[baseline["year"] == 2014, "vehicles"].sum() == 3_140_000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nev=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
    nev_start=st.integers(2016, 2034),
    mandate_seg=st.sampled_from(SEGMENTS),
    mandate_year=st.one_of(st.none(), st.integers(2015, 2035)),
    lever_seg=st.sampled_from(SEGMENTS),
    lever_share=st.floats(0.0, 1.0),
    lever_age=st.integers(0, 20),
    lever_years=st.tuples(st.integers(2015, 2035), st.integers(0, 10)),
    growth=st.floats(-0.3, 0.3),
    quota=st.integers(0, 400_000),
    scale=st.floats(2.0, 40.0),
    shape=st.floats(0.5, 8.0),
)
def test_conservation_holds_for_random_scenarios(
    nev, nev_start, mandate_seg, mandate_year, lever_seg, lever_share, lever_age, lever_years,
    growth, quota, scale, shape,
):
    start, span = lever_years
    fields = dict(
        nev_share_path={min(nev_start + i, 2035): s for i, s in enumerate(nev)},
        mandate_year={mandate_seg: mandate_year},
        early_retirement={
            lever_seg: {
                "share_per_year": lever_share,
                "min_age_years": lever_age,
                "start_year": start,
                "end_year": min(start + span, 2035),
            }
        },
        annual_growth={"heavy_truck": growth},
        plate_quota_per_year={2015: 100_000, 2026: quota},
        segment_overrides={"light_logistics": {"weibull_scale_years": scale, "weibull_shape": shape}},
    )
    try:
        params = StockParams(**fields)
    except ValidationError as err:
        # the only refusal allowed here: growth bounding the fleet above the modelled maximum
        assert "are modelled (data/params/limits.csv)" in str(err), err
        assume(False)
    stock = project_stock(params, include_base_year=True)
    assert_conserved(stock)
    if mandate_year is not None:
        after = stock[(stock["segment"] == mandate_seg) & (stock["year"] >= mandate_year)]
        assert after.loc[after["powertrain"] == "ICE", ["vehicles", "new_vehicles"]].sum().sum() == 0


@given(scale=st.floats(0.5, 60.0), shape=st.floats(0.3, 10.0))
def test_survival_curve_properties(scale, shape):
    ages = np.arange(0, 201)
    s = survival_curve(ages, scale_years=scale, shape=shape)
    assert s[0] == 1.0
    assert np.all(np.diff(s) <= 0)
    assert np.all((s >= 0) & (s <= 1))
    assert survival_curve([1e4 * scale], scale_years=scale, shape=shape)[0] < 1e-6


def test_survival_curve_rejects_bad_input():
    with pytest.raises(DemandError, match="ages"):
        survival_curve([-1], scale_years=10, shape=2)
    with pytest.raises(DemandError, match="scale_years"):
        survival_curve([1], scale_years=0, shape=2)


def test_segment_totals_follow_anchors_and_quota(baseline):
    total = baseline.groupby(["segment", "year"])["vehicles"].sum()
    assert total[("bus", 2017)] == 16_359
    assert total[("taxi", 2018)] == 21_689
    private = total["private_car"]
    assert (private.diff().dropna() == 100_000).all()


def test_mandates_clear_ice(baseline):
    bus = baseline[(baseline["segment"] == "bus") & (baseline["year"] >= 2017)]
    assert bus.loc[bus["powertrain"] == "ICE", "vehicles"].sum() == 0
    for seg in ("port_tractor", "waste_transfer"):
        rows = baseline[(baseline["segment"] == seg) & (baseline["year"] >= 2024)]
        assert rows.loc[rows["powertrain"] == "ICE", "vehicles"].sum() == 0
    ride = baseline[(baseline["segment"] == "ride_hailing") & (baseline["year"] >= 2020)]
    assert ride.loc[ride["powertrain"] != "BEV", "vehicles"].sum() == 0


def test_scenario_mandate_replaces_remaining_ice(baseline):
    stock = project_stock(StockParams(mandate_year={"heavy_truck": 2028}), include_base_year=True)
    heavy = stock[stock["segment"] == "heavy_truck"].set_index(["year", "powertrain"])
    base = baseline[baseline["segment"] == "heavy_truck"].set_index(["year", "powertrain"])
    ice_2027 = heavy.loc[(2027, "ICE"), "vehicles"]
    assert ice_2027 > 0
    assert heavy.loc[(2028, "ICE"), "vehicles"] == 0
    assert heavy.loc[(2028, "ICE"), "retired"] == ice_2027
    assert heavy.loc[2028, "vehicles"].sum() == base.loc[2028, "vehicles"].sum()
    assert heavy.loc[2028, "new_vehicles"].sum() > base.loc[2028, "new_vehicles"].sum() + ice_2027 / 2


def test_early_retirement_lever_speeds_turnover(baseline):
    lever = {"share_per_year": 0.2, "min_age_years": 8, "start_year": 2026, "end_year": 2030}
    stock = project_stock(StockParams(early_retirement={"private_car": lever}), include_base_year=True)

    def private(frame, year, pt):
        rows = frame[(frame["segment"] == "private_car") & (frame["year"] == year)]
        return rows.loc[rows["powertrain"] == pt, "vehicles"].sum(), rows["vehicles"].sum()

    ice_lever, total_lever = private(stock, 2030, "ICE")
    ice_base, total_base = private(baseline, 2030, "ICE")
    assert total_lever == total_base
    assert ice_lever < 0.8 * ice_base
    assert_conserved(stock)


def test_higher_nev_share_raises_nev_stock(baseline):
    stock = project_stock(StockParams(nev_share_path={2026: 0.95}))

    def nev(f):
        return f[f["powertrain"].isin(["BEV", "PHEV", "FCEV"]) & (f["year"] == 2030)]["vehicles"].sum()

    assert nev(stock) > nev(baseline)


def test_start_year_only_trims_output(baseline):
    stock = project_stock(StockParams(start_year=2025, end_year=2030))
    assert sorted(stock["year"].unique()) == list(range(2025, 2031))
    same = baseline[baseline["year"].between(2025, 2030)].reset_index(drop=True)
    pd.testing.assert_frame_equal(stock.reset_index(drop=True), same)


# --- calibration ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    return calibration_table()


def test_calibration_table_columns(calibration):
    assert list(calibration.columns) == [
        "date", "metric", "reported", "modelled", "rel_error", "unit", "comparison", "note", "source",
    ]
    np.testing.assert_allclose(
        calibration["rel_error"], calibration["modelled"] / calibration["reported"] - 1
    )


def test_nev_stock_points_within_5_percent(calibration):
    nev = calibration[calibration["metric"].isin(["nev_stock", "bev_stock"])]
    assert set(nev["date"]) >= {"2015-12-31", "2016-12-31", "2022-12-11", "2023-12-31", "2024-06-30"}
    assert (nev["rel_error"].abs() <= 0.05).all(), nev


def test_total_stock_and_shares_fit(calibration):
    total = calibration[calibration["metric"] == "motor_vehicle_stock"]
    assert len(total) == 2 and (total["rel_error"].abs() <= 0.02).all()
    shares = calibration[calibration["metric"] == "nev_share_of_new_registrations"]
    assert len(shares) == 4 and (shares["rel_error"].abs() <= 0.05).all(), shares


def test_segment_history_fits(calibration):
    seg = calibration[
        calibration["metric"].isin(
            ["bus_stock_electric", "taxi_stock", "taxi_stock_bev", "ridehail_stock",
             "logistics_stock_electric", "heavy_truck_electric_share", "sanitation_electric_share"]
        )
    ]
    assert len(seg) == 8
    assert (seg["rel_error"].abs() <= 0.05).all(), seg


def test_public_fleet_milestones(baseline):
    def share(seg, year):
        rows = baseline[(baseline["segment"] == seg) & (baseline["year"] == year)]
        return rows.loc[rows["powertrain"] == "BEV", "vehicles"].sum() / rows["vehicles"].sum()

    assert share("bus", 2017) == 1.0
    assert share("taxi", 2019) >= 0.99
    assert share("ride_hailing", 2020) == 1.0


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"nev_share_path": {2030: 1.5}}, "nev_share_path"),
        ({"start_year": 2040}, "start_year"),
        ({"start_year": 2030, "end_year": 2020}, "start_year"),
        ({"mandate_year": {"port_tractor": 2010}}, "mandate_year"),
        ({"mandate_year": {"spaceship": 2030}}, "mandate_year"),
        ({"plate_quota_per_year": {2015: -5}}, "plate_quota_per_year"),
        ({"home_charging_access_share": 1.2}, "home_charging_access_share"),
        ({"annual_growth": {"private_car": 0.1}}, "plate_quota_per_year"),
        ({"segment_overrides": {"heavy_truck": {"new_shares": {2030: {"BEV": 0.5}}}}}, "new_shares"),
        ({"segment_overrides": {"taxi": {"new_shares": {2030: {"LNG": 1.0}}}}}, "new_shares"),
        ({"segment_overrides": {"bus": {"weibull_shape": 0}}}, "weibull_shape"),
        (
            {"early_retirement": {"taxi": {"share_per_year": 0.1, "min_age_years": 3,
                                           "start_year": 2030, "end_year": 2026}}},
            "start_year",
        ),
        ({"grid_factor_path": {2030: -0.1}}, "grid_factor_path"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_parameters_are_rejected_with_the_field_named(kwargs, field):
    with pytest.raises((ValidationError, DemandError), match=field):
        StockParams(**kwargs)
