"""Fleet stock model of Shenzhen's road vehicles: stock turnover, energy and CO2, the plan's
targets and the inverse problem (the NEV share path needed to reach a target).

``demand`` sits below ``fleetsim`` and never imports it. Every default parameter is read from
``data/params`` (see :mod:`szplan.demand.params`). Importing the package loads nothing heavy;
each name is imported on first use.
"""
from szplan.data.lazy import lazy_names

_LAZY = {
    "StockParams": ".params",
    "load_vehicle_params": ".params",
    "project_stock": ".stock",
    "survival_curve": ".stock",
    "energy_by_year": ".energy",
    "load_targets": ".targets",
    "stock_metrics": ".targets",
    "evaluate_targets": ".targets",
    "target_verdict": ".targets",
    "VERDICTS": ".targets",
    "calibration_table": ".targets",
    "required_share_path": ".inverse",
    "SharePathResult": ".inverse",
    "DemandError": ".errors",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_names(__name__, _LAZY)
