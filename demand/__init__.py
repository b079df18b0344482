"""Fleet stock model of Shenzhen's road vehicles: stock turnover, energy and CO2, the plan's
targets and the inverse problem (the NEV share path needed to reach a target).

``demand`` sits below ``fleetsim`` and never imports it. Every default parameter is read from
``data/params`` (see :mod:`demand.params`).
"""
from .energy import energy_by_year
from .errors import DemandError
from .inverse import SharePathResult, required_share_path
from .params import StockParams, load_vehicle_params
from .stock import project_stock, survival_curve
from .targets import VERDICTS, calibration_table, evaluate_targets, load_targets, stock_metrics, target_verdict

__all__ = [
    "StockParams",
    "project_stock",
    "survival_curve",
    "energy_by_year",
    "load_targets",
    "stock_metrics",
    "evaluate_targets",
    "target_verdict",
    "VERDICTS",
    "required_share_path",
    "SharePathResult",
    "calibration_table",
    "load_vehicle_params",
    "DemandError",
]
