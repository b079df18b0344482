"""Provenance and shape of the charging, tariff, behaviour, activity and VPP data tables."""
import pandas as pd
import pytest

from szplan.data import data_path

PARAMS = ["tariffs.csv", "charging_behaviour.csv", "activity.csv", "vpp.csv", "infrastructure_growth.csv"]
FACTS = ["charging_infrastructure.csv", "charging_observations.csv"]


def _months(spec: str) -> list[int]:
    first, last = (int(m) for m in spec.split("-"))
    return list(range(first, last + 1))


@pytest.mark.parametrize("name", PARAMS)
def test_params_carry_basis_source_and_unit(name):
    table = pd.read_csv(data_path("params", name))
    assert {"basis", "source_or_reason"} <= set(table.columns)
    assert set(table["basis"]) <= {"sourced", "assumption"}
    assert table["source_or_reason"].fillna("").str.strip().str.len().gt(10).all()
    unit_columns = [c for c in table.columns if c == "unit" or c.endswith(("_kwh", "_h"))]
    assert unit_columns, f"{name}: no unit column and no unit in a column name"
    if "unit" in table:
        assert table["unit"].fillna("").str.strip().ne("").all()
    assert table["value" if "value" in table else "price_cny_per_kwh"].notna().all()


@pytest.mark.parametrize("name", FACTS)
def test_facts_name_source_scope_and_unit(name):
    table = pd.read_csv(data_path("facts", name))
    assert list(table.columns) == ["date", "metric", "value", "unit", "scope", "source"]
    for column in ("source", "scope", "unit"):
        assert table[column].fillna("").str.strip().ne("").all(), column
    pd.to_datetime(table["date"], format="%Y-%m-%d")
    assert pd.to_numeric(table["value"]).notna().all()


def test_each_tariff_covers_every_hour_of_every_month_exactly_once():
    table = pd.read_csv(data_path("params", "tariffs.csv"))
    assert (table["start_h"] < table["end_h"]).all()
    assert table["start_h"].between(0, 24).all() and table["end_h"].between(0, 24).all()
    for tariff, rows in table.groupby("tariff"):
        for month in range(1, 13):
            cover = [0] * 24
            for row in rows.itertuples():
                if month in _months(row.months):
                    for h in range(row.start_h, row.end_h):
                        cover[h] += 1
            assert cover == [1] * 24, (tariff, month, cover)


def test_tariff_ratios_follow_the_guangdong_notice():
    # 粤发改价格〔2021〕331号: peak:flat:valley = 1.7:1:0.38, sharp peak = peak x 1.25
    ops = pd.read_csv(data_path("params", "tariffs.csv")).query("tariff == 'operator_tou'")
    price = ops.groupby("period")["price_cny_per_kwh"].agg(["min", "max"])
    assert (price["min"] == price["max"]).all()
    flat = price.at["flat", "min"]
    assert price.at["peak", "min"] / flat == pytest.approx(1.7, abs=0.002)
    assert price.at["valley", "min"] / flat == pytest.approx(0.38, abs=0.002)
    assert price.at["sharp", "min"] / price.at["peak", "min"] == pytest.approx(1.25, abs=0.002)
    summer = ops[ops["months"] == "7-9"]
    assert set(summer.loc[summer["period"] == "sharp", "start_h"]) == {11, 15}


def test_shares_are_fractions():
    for name in ("activity.csv", "charging_behaviour.csv", "vpp.csv"):
        table = pd.read_csv(data_path("params", name))
        shares = table[table["unit"] == "fraction"]["value"]
        assert shares.between(0, 1).all(), name


def test_every_new_file_is_listed_in_sources():
    text = data_path("SOURCES.md").read_text()
    for name in PARAMS + FACTS:
        assert f"`{name}`" in text, name
