"""Tests for p-median and maximal covering."""

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
    greedy_max_covering,
    greedy_p_median,
    max_covering,
    p_median,
    validate_max_covering,
    validate_p_median,
)
from szplan.network.siting.instances import read_pmed, read_pmed_optima

ORLIB = Path(__file__).parent / "instances" / "orlib"


@pytest.fixture(scope="module")
def optima() -> dict[str, float]:
    return read_pmed_optima(ORLIB / "pmedopt.txt")


@pytest.mark.parametrize("name", [f"pmed{i}" for i in (1, 2, 3, 4, 5, 7, 8, 9, 10, 13)])
def test_pmed_reaches_published_optimum(name, optima):
    inst = read_pmed(ORLIB / f"{name}.txt")
    result = p_median(inst.cost, p=inst.p)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.objective == optima[name]
    assert len(result.sites) == inst.p
    assert validate_p_median(inst.cost, result, p=inst.p) == optima[name]
    greedy = greedy_p_median(inst.cost, p=inst.p)
    improved = greedy_p_median(inst.cost, p=inst.p, improve=True)
    for heuristic in (greedy, improved):
        assert validate_p_median(inst.cost, heuristic, p=inst.p) == heuristic.objective
    assert optima[name] <= improved.objective <= greedy.objective


@pytest.mark.parametrize(
    "name",
    [
        # p = 10 on 500 vertices: the LP bound is 0.4% short, which the
        # Lagrangian elimination alone left to a 120 s SCIP timeout
        "pmed22",
        # p = 10 on 900 vertices, the largest of the formerly unproven ones
        pytest.param("pmed39", marks=pytest.mark.slow),
    ],
)
def test_hard_pmed_is_proven_optimal(name, optima):
    inst = read_pmed(ORLIB / f"{name}.txt")
    result = p_median(inst.cost, p=inst.p)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.objective == optima[name] == result.bound
    assert result.info["lagrangian_bound"] < optima[name]  # a real gap was closed by branching
    assert validate_p_median(inst.cost, result, p=inst.p) == optima[name]


def test_time_limit_returns_a_valid_feasible_solution():
    inst = read_pmed(ORLIB / "pmed6.txt")
    result = p_median(inst.cost, p=inst.p, time_limit_s=0.2)
    assert result.status in {"feasible", "optimal"}
    assert validate_p_median(inst.cost, result, p=inst.p) == result.objective
    assert result.bound <= result.objective + 1e-9
    if result.status == "feasible":
        assert result.gap == pytest.approx((result.objective - result.bound) / result.objective)


def test_read_pmed_last_duplicate_edge_counts(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(" 3 3 1\n 1 2 5\n 2 3 1\n 2 1 2\n")
    inst = read_pmed(path)
    assert inst.p == 1
    assert inst.cost.tolist() == [[0, 2, 3], [2, 0, 1], [3, 1, 0]]


def _brute_median(cost, w, p):
    return min(float(w @ cost[:, list(s)].min(axis=1)) for s in itertools.combinations(range(cost.shape[1]), p))


def _brute_cover(cost, w, p, radius):
    return max(float(w[(cost[:, list(s)] <= radius).any(axis=1)].sum())
               for s in itertools.combinations(range(cost.shape[1]), p))


# Two demands, three sites: demand 0 costs 0, 10, 20 to the sites, demand 1 costs 12, 12, 0.
# By hand, p = 1: site 0 costs 0 + 12 = 12, site 1 10 + 12 = 22, site 2 20 + 0 = 20; p = 2: {0, 2}
# costs 0; p = 3: 0.
_HAND_COST = np.array([[0.0, 10.0, 20.0], [12.0, 12.0, 0.0]])
_HAND_OPTIMUM = {1: 12.0, 2: 0.0, 3: 0.0}


def test_level_cuts_by_hand():
    """The cut ``theta_i >= D - sum_j max(0, D - c_ij) y_j`` of the level model at fractional
    ``y = (0.5, 0.25, 0.25)``. Demand 0 (costs 0, 10, 20): the open fractions, nearest first, reach
    1 at site 2, level 20; the cut gives 20 - (20 x 0.5 + 10 x 0.25) = 7.5, the fractional cost
    0 x 0.5 + 10 x 0.25 + 20 x 0.25. Demand 1 (costs 12, 12, 0): 0.25 at cost 0, then 1 at level 12;
    12 - 12 x 0.25 = 9 = 0 x 0.25 + 12 x 0.75."""
    from szplan.network.siting import _levels

    y = np.array([0.5, 0.25, 0.25])
    order = np.argsort(_HAND_COST, axis=1, kind="stable")
    ranked = np.take_along_axis(_HAND_COST, order, axis=1)
    levels = _levels._lp_levels(_HAND_COST, y, order, ranked)
    assert levels.tolist() == [20.0, 12.0]
    # with sites 0 and 1 half open, demand 0 is fully served by level 10 already
    assert _levels._lp_levels(_HAND_COST, np.array([0.5, 0.5, 0.0]), order, ranked).tolist() == [10.0, 12.0]
    # a cost variable at the fractional cost violates no cut; one just below it violates both
    assert _levels._violated(_HAND_COST, y, np.array([7.5, 9.0]), levels).tolist() == []
    assert _levels._violated(_HAND_COST, y, np.array([7.4, 8.9]), levels).tolist() == [0, 1]
    # at a lower level the cut is weaker: level 10 of demand 0 gives 10 - 10 x 0.5 = 5
    assert _levels._violated(_HAND_COST, y, np.array([5.0, 9.0]), np.array([10.0, 12.0])).tolist() == []
    assert _levels._violated(_HAND_COST, y, np.array([4.9, 9.0]), np.array([10.0, 12.0])).tolist() == [0]


def test_level_model_from_the_worst_start_reaches_the_brute_force_optimum():
    """The level model alone, without the heuristic or the Lagrangian reduction, started from the
    worst p-subset (so the levels it needs must be generated), against the hand-worked matrix and
    brute force over every p-subset of small random matrices with frequent ties."""
    from szplan.network.siting._levels import solve_levels

    def solve(cost, p):
        worst = max(itertools.combinations(range(cost.shape[1]), p),
                    key=lambda s: float(cost[:, list(s)].min(axis=1).sum()))
        upper = float(cost[:, list(worst)].min(axis=1).sum())
        outcome = solve_levels(cost, p, np.zeros(cost.shape[1], dtype=bool), np.array(worst), upper,
                               deadline=None, integral=True)
        assert outcome.optimal
        chosen = list(outcome.columns)
        assert len(chosen) == p
        return float(cost[:, chosen].min(axis=1).sum()), outcome.bound

    for p, best in _HAND_OPTIMUM.items():
        assert solve(_HAND_COST, p) == pytest.approx((best, best))
    rng = np.random.default_rng(7)
    for _ in range(12):
        n, m = rng.integers(2, 7), rng.integers(2, 6)
        cost = rng.integers(0, 8, size=(n, m)).astype(float)  # ties are common: several sites per level
        for p in range(1, m + 1):
            best = _brute_median(cost, np.ones(n), p)
            value, bound = solve(cost, p)
            assert value == pytest.approx(best) and bound <= best + 1e-9


def test_p_median_from_the_worst_start_reaches_the_brute_force_optimum(monkeypatch):
    """With the heuristic start replaced by the worst p-subset, the exact solve itself (reduction
    and radius model) must find the optimum: checked against brute force over every p-subset of
    small random matrices and of the hand-worked matrix above."""
    from szplan.network.siting import median as median_mod

    def subsets(cost, p):
        return [(float(cost[:, list(s)].min(axis=1).sum()), s) for s in itertools.combinations(range(cost.shape[1]), p)]

    rng = np.random.default_rng(7)
    cases = [(_HAND_COST, 1), (_HAND_COST, 2)]
    for _ in range(20):
        cost = rng.integers(0, 10, size=(rng.integers(2, 8), rng.integers(2, 7))).astype(float)
        cases += [(cost, p) for p in range(1, cost.shape[1])]
    for cost, p in cases:
        worst = np.array(max(subsets(cost, p))[1])
        monkeypatch.setattr(median_mod, "interchange", lambda weighted, columns, worst=worst: worst)
        result = p_median(cost, p=p)
        assert result.status == "optimal"
        assert result.objective == pytest.approx(min(subsets(cost, p))[0])
        assert validate_p_median(cost, result, p=p) == pytest.approx(result.objective)


@pytest.fixture(scope="module")
def small_cost() -> np.ndarray:
    return read_pmed(ORLIB / "pmed1.txt").cost[:40, :12]


@pytest.mark.parametrize(("p", "radius"), [(1, 30), (2, 25), (3, 40), (4, 35), (5, 20)])
def test_max_covering_matches_brute_force(small_cost, p, radius):
    w = np.arange(1, small_cost.shape[0] + 1, dtype=float)
    result = max_covering(small_cost, p=p, radius=radius, weights=w)
    assert result.status == "optimal"
    best = _brute_cover(small_cost, w, p, radius)
    assert 0 < best < w.sum()
    assert result.objective == pytest.approx(best)
    assert validate_max_covering(small_cost, result, p=p, radius=radius, weights=w) == pytest.approx(best)
    greedy = greedy_max_covering(small_cost, p=p, radius=radius, weights=w)
    assert validate_max_covering(small_cost, greedy, p=p, radius=radius, weights=w) <= best + 1e-9


def test_dataframe_labels_and_series_weights(small_cost):
    demand_ids = [f"zone{i:02d}" for i in range(small_cost.shape[0])]
    site_ids = [f"site{j:02d}" for j in range(small_cost.shape[1])]
    frame = pd.DataFrame(small_cost, index=demand_ids, columns=site_ids)
    weights = pd.Series(np.linspace(1, 2, len(demand_ids)), index=demand_ids[::-1])
    result = p_median(frame, p=3, weights=weights)
    aligned = weights.reindex(demand_ids).to_numpy()
    assert result.objective == pytest.approx(_brute_median(small_cost, aligned, 3))
    assert list(result.sites) == sorted(result.sites) and set(result.sites) <= set(site_ids)
    assert set(result.assignment) == set(demand_ids)
    assert set(result.assignment.values()) <= set(result.sites)
    assert sum(result.loads.values()) == pytest.approx(aligned.sum())
    cover = max_covering(frame, p=2, radius=30, weights=weights)
    assert set(cover.covered) <= set(demand_ids)
    assert cover.objective == pytest.approx(weights[list(cover.covered)].sum())


def test_validators_reject_wrong_results(small_cost):
    result = p_median(small_cost, p=3)
    with pytest.raises(SitingError, match="differs"):
        validate_p_median(small_cost, replace(result, objective=result.objective - 1))
    with pytest.raises(SitingError, match="p=4"):
        validate_p_median(small_cost, result, p=4)
    with pytest.raises(SitingError, match="duplicates"):
        validate_p_median(small_cost, replace(result, sites=(0, 0, 1)))
    cover = max_covering(small_cost, p=2, radius=30)
    with pytest.raises(SitingError, match="differs|covered"):
        validate_max_covering(small_cost, replace(cover, objective=cover.objective + 1, covered=()), radius=30)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda c: p_median(-c, p=2), "cost"),
        (lambda c: p_median(c, p=13), "p"),
        (lambda c: p_median(c, p=0), "p"),
        (lambda c: p_median(c, p=2.0), "p"),
        (lambda c: p_median(c[0], p=1), "cost"),
        (lambda c: p_median(np.where(c > 50, np.nan, c), p=2), "cost"),
        (lambda c: p_median(c, p=2, weights=np.ones(3)), "weights"),
        (lambda c: p_median(c, p=2, weights=-np.ones(40)), "weights"),
        (lambda c: max_covering(c, p=2, radius=-1), "radius"),
        (lambda c: max_covering(c, p=20, radius=10), "p"),
        (lambda c: greedy_p_median(c, p=13), "p"),
        (lambda c: greedy_max_covering(c, p=1, radius=float("nan")), "radius"),
        (lambda c: p_median(c, p=2, time_limit_s=0), "time_limit_s"),
    ],
)
def test_bad_inputs_name_the_argument(small_cost, call, name):
    with pytest.raises(SitingError, match=rf"^{name}: "):
        call(small_cost)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 9))
    m = draw(st.integers(1, 6))
    integer = draw(st.booleans())
    values = st.integers(0, 30) if integer else st.floats(0, 30, allow_nan=False, width=32)
    cost = np.array(draw(st.lists(values, min_size=n * m, max_size=n * m)), dtype=float).reshape(n, m)
    w = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    return cost, w, draw(st.integers(1, m)), draw(st.integers(0, 30))


@settings(max_examples=40, deadline=None)
@given(instances())
def test_property_p_median(case):
    cost, w, p, _ = case
    exact = p_median(cost, p=p, weights=w)
    greedy = greedy_p_median(cost, p=p, weights=w)
    assert exact.status == "optimal"
    assert exact.objective == pytest.approx(_brute_median(cost, w, p), abs=1e-6)
    assert validate_p_median(cost, exact, p=p, weights=w) == pytest.approx(exact.objective)
    assert validate_p_median(cost, greedy, p=p, weights=w) == pytest.approx(greedy.objective)
    assert greedy.objective >= exact.objective - 1e-6


@settings(max_examples=40, deadline=None)
@given(instances())
def test_property_max_covering(case):
    cost, w, p, radius = case
    exact = max_covering(cost, p=p, radius=radius, weights=w)
    greedy = greedy_max_covering(cost, p=p, radius=radius, weights=w)
    assert exact.objective == pytest.approx(_brute_cover(cost, w, p, radius))
    assert validate_max_covering(cost, exact, p=p, radius=radius, weights=w) == pytest.approx(exact.objective)
    assert validate_max_covering(cost, greedy, p=p, radius=radius, weights=w) == pytest.approx(greedy.objective)
    assert greedy.objective <= exact.objective + 1e-9


@settings(max_examples=30, deadline=None)
@given(instances(), st.sampled_from(["neg", "p", "shape"]))
def test_property_bad_inputs(case, kind):
    cost, w, p, _ = case
    if kind == "neg":
        bad = cost.copy()
        bad[0, 0] = -1.0
        with pytest.raises(SitingError, match="^cost: .*negative"):
            p_median(bad, p=p)
    elif kind == "p":
        with pytest.raises(SitingError, match="^p: .*exceeds"):
            p_median(cost, p=cost.shape[1] + 1)
    else:
        with pytest.raises(SitingError, match="^weights: "):
            p_median(cost, p=p, weights=np.ones(cost.shape[0] + 1))
