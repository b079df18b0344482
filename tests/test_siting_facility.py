"""Tests for capacitated facility location."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from szplan.network.siting import (
    SitingError,
    capacitated_facility_location,
    greedy_facility_location,
    validate_facility_location,
)
from szplan.network.siting.instances import read_cap

ORLIB = Path(__file__).parent / "instances" / "orlib"
PUBLISHED = {"cap41": 1_040_444.375, "cap71": 932_615.750}


@pytest.fixture(scope="module", params=sorted(PUBLISHED))
def cap(request):
    return read_cap(ORLIB / f"{request.param}.txt")


def _args(inst, capacity=None):
    return inst.fixed_cost, inst.capacity if capacity is None else capacity, inst.demand, inst.assign_cost


def test_split_demand_reaches_published_optimum(cap):
    result = capacitated_facility_location(*_args(cap))
    assert result.status == "optimal" and result.gap == 0.0
    assert result.objective == pytest.approx(PUBLISHED[cap.name], rel=1e-6)
    assert validate_facility_location(*_args(cap), result) == pytest.approx(PUBLISHED[cap.name], rel=1e-6)
    loads = np.array([result.loads[s] for s in result.sites])
    assert np.all(loads <= cap.capacity[list(result.sites)] * (1 + 1e-9))
    assert sum(result.loads.values()) == pytest.approx(cap.demand.sum())
    greedy = greedy_facility_location(*_args(cap))
    assert validate_facility_location(*_args(cap), greedy) == pytest.approx(greedy.objective)
    assert greedy.objective >= result.objective * (1 - 1e-9)


def test_single_source_on_cap41_with_tripled_capacity():
    # cap41 as published cannot be single-sourced (one demand exceeds every
    # capacity); tripling the capacities makes it feasible.
    inst = read_cap(ORLIB / "cap41.txt")
    capacity = inst.capacity * 3
    single = capacitated_facility_location(*_args(inst, capacity), single_source=True)
    split = capacitated_facility_location(*_args(inst, capacity))
    assert single.status == "optimal"
    assert validate_facility_location(*_args(inst, capacity), single, single_source=True) == pytest.approx(
        single.objective
    )
    assert all(f == 1.0 for f in single.allocation.values())
    assert single.objective >= split.objective * (1 - 1e-9)
    greedy = greedy_facility_location(*_args(inst, capacity), single_source=True)
    assert validate_facility_location(*_args(inst, capacity), greedy, single_source=True) == pytest.approx(
        greedy.objective
    )
    assert greedy.objective >= single.objective * (1 - 1e-9)


def test_single_source_infeasible_names_the_shortfall():
    inst = read_cap(ORLIB / "cap41.txt")
    with pytest.raises(SitingError, match=r"^capacity: largest 5,000 < demand 12,912 .*short by 7,912"):
        capacitated_facility_location(*_args(inst), single_source=True)


def test_packing_infeasibility_is_reported_without_solver_codes():
    # Total capacity suffices but three demands of 6 cannot fit two sites of 10.
    with pytest.raises(SitingError, match=r"^single_source: .*cannot be packed"):
        capacitated_facility_location([1, 1], [10, 10], [6, 6, 6], np.ones((3, 2)), single_source=True)


def test_total_capacity_shortfall_message():
    with pytest.raises(SitingError) as info:
        capacitated_facility_location([1, 1], [4_000, 5_000], [6_000, 4_000], np.ones((2, 2)))
    assert str(info.value) == "capacity: total 9,000 < demand 10,000 (short by 1,000)"


def test_labels_from_pandas():
    sites = ["north", "south", "east"]
    customers = ["c1", "c2", "c3", "c4"]
    cost = pd.DataFrame([[1, 9, 5], [2, 8, 5], [9, 1, 5], [9, 2, 5]], index=customers, columns=sites)
    capacity = pd.Series({"east": 10.0, "south": 2.0, "north": 2.0})
    fixed = pd.Series({"north": 3.0, "south": 3.0, "east": 20.0})
    demand = pd.Series([1.0, 1.0, 1.0, 1.0], index=customers)
    result = capacitated_facility_location(fixed, capacity, demand, cost)
    assert result.sites == ("north", "south")
    assert result.objective == pytest.approx(3 + 3 + 1 + 2 + 1 + 2)
    assert result.assignment == {"c1": "north", "c2": "north", "c3": "south", "c4": "south"}
    assert result.loads == {"north": 2.0, "south": 2.0}


def test_validator_rejects_infeasible_allocations():
    inst = read_cap(ORLIB / "cap41.txt")
    result = capacitated_facility_location(*_args(inst))
    with pytest.raises(SitingError, match="differs"):
        validate_facility_location(*_args(inst), replace(result, objective=result.objective + 10))
    customer = next(iter(result.assignment))
    partial = {k: v for k, v in result.allocation.items() if k[0] != customer}
    with pytest.raises(SitingError, match="^demand: "):
        validate_facility_location(*_args(inst), replace(result, allocation=partial))
    site = result.sites[0]
    crowded = {(c, site): 1.0 for c in result.assignment}
    with pytest.raises(SitingError, match="^capacity: site"):
        validate_facility_location(*_args(inst), replace(result, allocation=crowded))
    closed = next(j for j in range(len(inst.capacity)) if j not in result.sites)
    moved = {(c, closed if c == customer else s): f for (c, s), f in result.allocation.items()}
    with pytest.raises(SitingError, match="not open"):
        validate_facility_location(*_args(inst), replace(result, allocation=moved))


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (([1, -1], [5, 5], [1, 1], np.ones((2, 2))), "fixed_cost"),
        (([1, 1], [5], [1, 1], np.ones((2, 2))), "capacity"),
        (([1, 1], [5, 5], [1, 1, 1], np.ones((2, 2))), "demand"),
        (([1, 1], [5, 5], [1, 1], -np.ones((2, 2))), "assign_cost"),
        (([1, 1], [5, 5], [1, 1], np.ones(2)), "assign_cost"),
        (([1, 1], [5, 5], [1, np.nan], np.ones((2, 2))), "demand"),
    ],
)
def test_bad_inputs_name_the_argument(args, name):
    with pytest.raises(SitingError, match=rf"^{name}: "):
        capacitated_facility_location(*args)
    with pytest.raises(SitingError, match=rf"^{name}: "):
        greedy_facility_location(*args)


def _brute_single_source(fixed, capacity, demand, cost):
    best = np.inf
    n, m = cost.shape
    for choice in itertools.product(range(m), repeat=n):
        load = np.bincount(choice, weights=demand, minlength=m)
        if np.all(load <= capacity + 1e-9):
            used = sorted(set(choice))
            best = min(best, fixed[used].sum() + cost[np.arange(n), choice].sum())
    return best


@st.composite
def cfl_instances(draw):
    n, m = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    ints = lambda lo, hi, k: np.array(draw(st.lists(st.integers(lo, hi), min_size=k, max_size=k)), float)  # noqa: E731
    demand = ints(0, 10, n)
    capacity = ints(0, 25, m)
    capacity[0] = max(capacity[0], demand.max())  # at least one site can take any customer
    if capacity.sum() < demand.sum():
        capacity[-1] += demand.sum() - capacity.sum()
    return ints(0, 30, m), capacity, demand, ints(0, 40, n * m).reshape(n, m)


@settings(max_examples=40, deadline=None)
@given(cfl_instances())
def test_property_cfl(case):
    fixed, capacity, demand, cost = case
    split = capacitated_facility_location(fixed, capacity, demand, cost)
    assert validate_facility_location(fixed, capacity, demand, cost, split) == pytest.approx(split.objective)
    greedy = greedy_facility_location(fixed, capacity, demand, cost)
    assert validate_facility_location(fixed, capacity, demand, cost, greedy) == pytest.approx(greedy.objective)
    assert greedy.objective >= split.objective - 1e-6
    best_single = _brute_single_source(fixed, capacity, demand, cost)
    if np.isfinite(best_single):
        single = capacitated_facility_location(fixed, capacity, demand, cost, single_source=True)
        assert single.objective == pytest.approx(best_single)
        assert single.objective >= split.objective - 1e-6
        assert validate_facility_location(fixed, capacity, demand, cost, single, single_source=True) == (
            pytest.approx(single.objective)
        )
    else:
        with pytest.raises(SitingError, match="^single_source: "):
            capacitated_facility_location(fixed, capacity, demand, cost, single_source=True)
