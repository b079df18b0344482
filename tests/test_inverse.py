"""The inverse problem: the smallest private-car NEV share path reaching a target."""
from __future__ import annotations

import numpy as np
import pytest

from szplan.demand import DemandError, StockParams, project_stock, required_share_path, stock_metrics


@pytest.fixture(scope="module")
def params() -> StockParams:
    return StockParams()


def metric_value(params, metric, year) -> float:
    metrics = stock_metrics(project_stock(params))
    return metrics.loc[(metrics["metric"] == metric) & (metrics["year"] == year), "value"].item()


def check_path(result, params, first_free_year=2025):
    path = result.share_path
    assert list(path.columns) == ["year", "share", "all_vehicle_nev_share"]
    assert path["year"].tolist() == list(range(first_free_year, params.end_year + 1))
    shares = path["share"].to_numpy()
    assert np.all(np.diff(shares) >= -1e-12)
    assert np.all((shares >= 0) & (shares <= 1))
    assert np.all(np.diff(shares) <= params.max_share_increase_per_year + 1e-9)


def test_reachable_stock_target_is_hit(params):
    result = required_share_path(params, ("nev_stock", 2030, 3_200_000))
    assert result.reachable and not result.exceeded_at_floor
    assert result.shortfall == 0.0
    assert abs(result.achieved_value / 3_200_000 - 1) <= 0.005
    check_path(result, params)
    # The returned scenario reproduces the achieved value with the public API.
    assert metric_value(result.params, "nev_stock", 2030) == result.achieved_value
    # Smallest: a slightly lower level misses the target.
    lower = min(result.level - 0.01, result.level)
    years = result.share_path["year"].to_numpy()
    start = result.share_path["share"].iloc[0] - params.max_share_increase_per_year
    path = np.minimum(lower, start + params.max_share_increase_per_year * (years - 2024))
    trial = params.model_copy(update={"nev_share_path": dict(zip(years.tolist(), path.tolist(), strict=True))})
    assert metric_value(trial, "nev_stock", 2030) < 3_200_000


def test_share_target_is_hit(params):
    result = required_share_path(params, ("new_vehicle_nev_or_clean_share", 2030, 0.95))
    assert result.reachable
    assert abs(result.achieved_value / 0.95 - 1) <= 0.005
    check_path(result, params)


def test_unreachable_target_reports_shortfall(params):
    result = required_share_path(params, ("nev_stock", 2030, 5_000_000))
    assert not result.reachable
    assert result.level == 1.0
    assert result.shortfall == pytest.approx(5_000_000 - result.achieved_value)
    assert result.shortfall > 1_000_000
    check_path(result, params)


def test_target_id_already_exceeded(params):
    result = required_share_path(params, "nev_stock_2030")
    assert (result.metric, result.year, result.target_value) == ("nev_stock", 2030, 2_000_000)
    assert result.reachable and result.exceeded_at_floor
    assert result.achieved_value >= 2_000_000
    shares = result.share_path["share"]
    assert shares.nunique() == 1


def test_bad_requests_are_errors(params):
    with pytest.raises(DemandError, match="unknown target id"):
        required_share_path(params, "no_such_target")
    with pytest.raises(DemandError, match="not computed by the stock model"):
        required_share_path(params, "chargers_2025")
    with pytest.raises(DemandError, match="first_free_year"):
        required_share_path(params, ("nev_stock", 2024, 1e6))
    with pytest.raises(DemandError, match="target must be"):
        required_share_path(params, 42)
