"""Classic facility-location models on plain data, solved with OR-Tools.

Exact models (MIP, SCIP through ``ortools.linear_solver.pywraplp``)
--------------------------------------------------------------------
``frlm(graph, od, *, range_km, p, time_limit_s=None)``
    Flow-refuelling location model (Kuby & Lim 2005) in the arc-cover /
    path-cover form of Capar et al. (2013).  ``graph`` is a networkx graph
    with edge attribute ``length`` (km), every node a candidate station;
    ``od`` a DataFrame with ``origin, destination, flow`` and optional
    ``path`` (list of nodes, used out and back; default: shortest path by
    ``length``).  Maximises round-trip flow that can be refuelled with
    exactly ``p`` stations, half tank at an origin without a station.
``p_median(cost, *, p, weights=None, time_limit_s=None)``
    Minimise weighted cost to the nearest of ``p`` open sites.  ``cost`` is
    ``n_demand x n_sites`` (array or DataFrame; labels become ids).
``max_covering(cost, *, p, radius, weights=None, time_limit_s=None)``
    Maximise the weight within ``radius`` (``cost <= radius``) of ``p`` sites.
``capacitated_facility_location(fixed_cost, capacity, demand, assign_cost, *,
single_source=False, time_limit_s=None)``
    Minimise fixed plus allocation cost; ``assign_cost[i][j]`` is the cost
    of serving all of customer ``i``'s demand from site ``j``.

Greedy heuristics (same arguments, same result type)
----------------------------------------------------
``greedy_frlm``, ``greedy_p_median`` (``improve=True`` adds vertex
substitution), ``greedy_max_covering``, ``greedy_facility_location``
(greedy drop).

Validators (no solver; return the recomputed objective)
-------------------------------------------------------
``validate_frlm(graph, od, result, *, range_km, p=None)``,
``validate_p_median(cost, result, *, p=None, weights=None)``,
``validate_max_covering(cost, result, *, radius, p=None, weights=None)``,
``validate_facility_location(fixed_cost, capacity, demand, assign_cost,
result, *, single_source=False)``; plus ``frlm_coverage`` and
``round_trip_feasible`` (the fuel simulation used by ``validate_frlm``).

The Shenzhen plan
-----------------
``plan_phase(year, demand, existing, *, zone_ids, time_min, params, forced=None, spent_cny=0.0)``
    One phase year's plan for every station family under a shared budget and grid headroom,
    sized by Erlang C (:mod:`szplan.network.plan.phase`); ``validate_plan`` checks it without the
    solver; :class:`SitingParams` holds its inputs (``data/params/siting.csv``).

Results and errors
------------------
Every function returns a frozen :class:`SitingResult` with ``model``,
``method``, ``objective``, ``sites`` (sorted ids), ``status``
(``"optimal"``/``"feasible"``), ``gap`` (0.0 when proven optimal, ``nan``
for heuristics), ``solve_time_s``, ``bound``, ``assignment``,
``allocation``, ``loads``, ``covered`` and ``info``.  Bad input,
infeasibility and failed validation raise :class:`SitingError` (a
``ValueError``) with a one-line message naming the argument, e.g.
``"capacity: total 9,000 < demand 10,000 (short by 1,000)"``.

Runs are deterministic: SCIP runs single-threaded with default seeds and the
heuristics break ties by input order.  Readers for the benchmark formats
(OR-Library p-median and capacitated warehouse files, the 25-node FRLM
network) live in :mod:`szplan.network.siting.instances`. Importing the package
loads no solver: each name is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

# the library imports nothing else of the project, so it keeps its own lazy loader
_LAZY = {
    "SitingError": ".errors",
    "SitingResult": ".result",
    "capacitated_facility_location": ".facility",
    "frlm": ".frlm",
    "p_median": ".median",
    "max_covering": ".median",
    "greedy_facility_location": ".greedy",
    "greedy_frlm": ".greedy",
    "greedy_max_covering": ".greedy",
    "greedy_p_median": ".greedy",
    "frlm_coverage": ".validate",
    "round_trip_feasible": ".validate",
    "validate_facility_location": ".validate",
    "validate_frlm": ".validate",
    "validate_max_covering": ".validate",
    "validate_p_median": ".validate",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
