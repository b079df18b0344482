"""Energy and CO2: recomputed independently from the shipped parameter files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from szplan.demand import StockParams, energy_by_year, load_vehicle_params, project_stock
from szplan.demand.energy import ENERGY_COLUMNS
from szplan.data import data_path


@pytest.fixture(scope="module")
def stock() -> pd.DataFrame:
    return project_stock(StockParams())


@pytest.fixture(scope="module")
def energy(stock) -> pd.DataFrame:
    return energy_by_year(stock, StockParams())


def raw(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path("params", name))


def segment_value(segment: str, parameter: str) -> float:
    seg = raw("segments.csv")
    return float(seg.loc[(seg["segment"] == segment) & (seg["parameter"] == parameter), "value"].item())


def vehicle_value(segment: str, powertrain: str, parameter: str) -> float:
    veh = raw("vehicles.csv")
    mask = (veh["segment"] == segment) & (veh["powertrain"] == powertrain) & (veh["parameter"] == parameter)
    return float(veh.loc[mask, "value"].item())


def rows(frame, **eq) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for col, val in eq.items():
        mask &= frame[col] == val
    return frame[mask]


def in_service(stock: pd.DataFrame, **eq) -> pd.Series:
    """By year: the mean of the year's end stock and the year before's (the first year: its own)."""
    end = rows(stock, **eq).set_index("year")["vehicles"].astype(float)
    return (end + end.shift(1).fillna(end)) / 2


def test_activity_is_the_fleet_in_service_during_the_year():
    """By hand: 100 buses at the end of 2020, 200 at the end of 2021 and 2022: 100, 150 and 200
    buses in service, each driving its annual_km."""
    stock = pd.DataFrame({"year": [2020, 2021, 2022], "segment": "bus", "powertrain": "BEV",
                          "vehicles": [100, 200, 200]})
    km = rows(energy_by_year(stock), carrier="electricity").set_index("year")["vehicle_km"]
    per_vehicle = segment_value("bus", "annual_km")
    assert km.to_dict() == pytest.approx({2020: 100 * per_vehicle, 2021: 150 * per_vehicle, 2022: 200 * per_vehicle})


def test_schema_and_units(energy):
    assert tuple(energy.columns) == ENERGY_COLUMNS
    units = energy.groupby("carrier")["unit"].unique().map(tuple).to_dict()
    assert units == {
        "electricity": ("GWh",), "petrol": ("ML",), "diesel": ("ML",), "lng": ("t",), "hydrogen": ("t",),
    }
    assert (energy[["vehicle_km", "energy", "final_energy_gwh", "ttw_co2_t", "wtw_co2_t"]] >= 0).all().all()


def test_bus_electricity_recomputed(stock, energy):
    bev = in_service(stock, segment="bus", powertrain="BEV")
    expected = bev * segment_value("bus", "annual_km") * vehicle_value("bus", "BEV", "energy_per_km") / 1e6
    got = rows(energy, segment="bus", powertrain="BEV", carrier="electricity").set_index("year")["energy"]
    pd.testing.assert_series_equal(got, expected.astype(float), check_names=False)
    assert vehicle_value("bus", "BEV", "energy_per_km") == 1.2  # the sourced figure


def test_private_phev_split_between_electricity_and_petrol(stock, energy):
    phev = in_service(stock, segment="private_car", powertrain="PHEV")[2030]
    km = phev * segment_value("private_car", "annual_km")
    share = vehicle_value("private_car", "PHEV", "electric_km_share")
    elec = rows(energy, segment="private_car", powertrain="PHEV", year=2030, carrier="electricity")
    petrol = rows(energy, segment="private_car", powertrain="PHEV", year=2030, carrier="petrol")
    kwh_per_km = vehicle_value("private_car", "PHEV", "energy_per_km")
    litre_per_km = vehicle_value("private_car", "PHEV", "fuel_per_km")
    assert elec["energy"].item() == pytest.approx(km * share * kwh_per_km / 1e6)
    assert petrol["energy"].item() == pytest.approx(km * (1 - share) * litre_per_km / 1e6)


def test_vehicle_km_adds_up_per_vehicle(stock, energy):
    km = energy.groupby(["year", "segment", "powertrain"])["vehicle_km"].sum()
    seg = raw("segments.csv")
    annual = seg[seg["parameter"] == "annual_km"].set_index("segment")["value"]
    fleets = [in_service(stock, segment=s, powertrain=p).rename((s, p))
              for s, p in stock[["segment", "powertrain"]].drop_duplicates().itertuples(index=False)]
    vehicles = pd.concat(fleets, axis=1).stack([0, 1]).reorder_levels([0, 1, 2])
    expected = vehicles * vehicles.index.get_level_values(1).map(annual).to_numpy()
    pd.testing.assert_series_equal(km.sort_index(), expected.sort_index().astype(float), check_names=False)


def test_heavy_truck_diesel_and_lng(stock, energy):
    ice = in_service(stock, segment="heavy_truck", powertrain="ICE")[2025]
    lng = in_service(stock, segment="heavy_truck", powertrain="LNG")[2025]
    km = segment_value("heavy_truck", "annual_km")
    diesel = rows(energy, segment="heavy_truck", powertrain="ICE", year=2025, carrier="diesel")
    assert diesel["energy"].item() == pytest.approx(ice * km * 0.55 / 1e6)
    gas = rows(energy, segment="heavy_truck", powertrain="LNG", year=2025)
    assert gas["energy"].item() == pytest.approx(lng * km * 0.226 / 1e3)


def test_co2_is_energy_times_factor(energy):
    factors = {"petrol": 2.31e3, "diesel": 2.68e3, "lng": 2.75}  # t CO2 per ML, per ML, per t
    for carrier, factor in factors.items():
        part = rows(energy, carrier=carrier)
        np.testing.assert_allclose(part["ttw_co2_t"], part["energy"] * factor, rtol=1e-12)
    elec = rows(energy, carrier="electricity")
    assert (elec["ttw_co2_t"] == 0).all()
    e2022 = rows(elec, year=2022)
    np.testing.assert_allclose(e2022["wtw_co2_t"], e2022["energy"] * 1e6 * 0.4403 / 1e3, rtol=1e-12)
    h2 = rows(energy, carrier="hydrogen")
    np.testing.assert_allclose(h2["wtw_co2_t"], h2["energy"] * 11.0, rtol=1e-12)
    fossil = energy[energy["carrier"].isin(factors)]
    assert (fossil["wtw_co2_t"] >= fossil["ttw_co2_t"]).all()


def test_grid_path_and_hydrogen_route_are_inputs(stock):
    params = StockParams(grid_factor_path={2015: 0.5, 2035: 0.0}, hydrogen_production_route="green")
    energy = energy_by_year(stock, params)
    e2035 = rows(energy, carrier="electricity", year=2035)
    assert (e2035["wtw_co2_t"] == 0).all()
    e2025 = rows(energy, carrier="electricity", year=2025)
    np.testing.assert_allclose(e2025["wtw_co2_t"], e2025["energy"] * 1e6 * 0.25 / 1e3)
    h2 = rows(energy, carrier="hydrogen")
    np.testing.assert_allclose(h2["wtw_co2_t"], h2["energy"] * 1.0, rtol=1e-12)


def test_vehicle_params_layout():
    table = load_vehicle_params()
    assert list(table.columns) == [
        "segment", "powertrain", "parameter", "value", "unit", "basis", "source_or_reason",
    ]
    assert set(table["basis"]) <= {"sourced", "assumption"}
    assert table["source_or_reason"].notna().all()
    units = {"BEV": "kWh/km", "PHEV": "kWh/km", "LNG": "kg/km", "FCEV": "kg/km", "ICE": "L/km"}
    per_km = table[table["parameter"] == "energy_per_km"]
    assert (per_km["unit"] == per_km["powertrain"].map(units)).all()
    for (seg, pt), group in table.groupby(["segment", "powertrain"]):
        phev_only = {"fuel_per_km", "electric_km_share"} if pt == "PHEV" else set()
        expected = {"energy_per_km", "capacity"} | phev_only
        assert set(group["parameter"]) == expected, (seg, pt)
    taxi = table[(table["segment"] == "taxi") & (table["powertrain"] == "BEV")]
    taxi = taxi.set_index("parameter")["value"]
    assert taxi["energy_per_km"] == 0.215


def test_every_params_row_is_labelled():
    names = ("segments.csv", "vehicles.csv", "powertrain_shares.csv", "general.csv",
             "grid_factor.csv", "fuels.csv")
    for name in names:
        table = raw(name)
        assert set(table["basis"]) <= {"sourced", "assumption"}, name
        assert table["source_or_reason"].notna().all(), name
        assert table["unit"].notna().all(), name
