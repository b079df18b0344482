"""The result type shared by every siting model and heuristic."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SitingResult"]


@dataclass(frozen=True)
class SitingResult:
    """Outcome of a siting model or heuristic.

    Attributes
    ----------
    model : str
        ``"frlm"``, ``"p_median"``, ``"max_covering"`` or ``"cfl"``.
    method : str
        ``"exact"`` (OR-Tools MIP) or ``"greedy"``.
    objective : float
        Covered flow (FRLM), weighted distance (p-median), covered weight
        (max covering) or fixed plus allocation cost (CFL).  Always
        recomputed from the chosen sites, never copied from the solver.
    sites : tuple
        Chosen site ids, sorted.
    status : str
        ``"optimal"`` when proven optimal, else ``"feasible"``.
    gap : float
        Relative gap ``|objective - bound| / |objective|``; ``0.0`` when proven
        optimal, ``nan`` for heuristics (no bound).
    solve_time_s : float
        Wall-clock time of the whole call (checks, reductions, model build
        and solve).
    bound : float or None
        Best proven bound on the optimum (``None`` for heuristics).
    assignment : Mapping
        Demand id -> serving site: the nearest chosen site (p-median, max
        covering) or the site carrying the largest share (CFL).
    allocation : Mapping
        ``(customer, site) -> fraction`` of the customer's demand (CFL only).
    loads : Mapping
        Site -> load: weighted demand assigned (p-median), covered weight
        assigned (max covering), demand served (CFL), or the covered flow
        whose path passes the station (FRLM; a trip counts at every station
        on its path, so FRLM loads do not add up to the objective).
    covered : tuple
        Covered demand ids (max covering) or covered OD row labels (FRLM).
    info : Mapping
        Solver name, model size, reductions and other diagnostics.
    """

    model: str
    method: str
    objective: float
    sites: tuple[Hashable, ...]
    status: str
    gap: float
    solve_time_s: float
    bound: float | None = None
    assignment: Mapping[Hashable, Hashable] = field(default_factory=dict)
    allocation: Mapping[tuple[Hashable, Hashable], float] = field(default_factory=dict)
    loads: Mapping[Hashable, float] = field(default_factory=dict)
    covered: tuple[Hashable, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_optimal(self) -> bool:
        """Whether the objective is proven optimal."""
        return self.status == "optimal"
