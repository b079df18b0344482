"""The Shenzhen station plan for one phase year: where new sites go, of which kind, how big.

One mixed-integer model (OR-Tools, SCIP) for all station families at once, so they share the
capital budget:

* demand: for each family (public DC charging, truck megawatt charging, LNG, hydrogen, battery
  swap) and zone, the daily arrivals that arise there, their service time on a new unit and the
  share that falls in the busiest hour;
* a candidate site of a family in every zone within ``max_access_min`` of some demand; opening it
  costs ``site_fixed_cost_cny``; each new unit its equipment capex (``equipment.csv``); units
  already standing in a zone count as capacity for free;
* capacity: the busiest hour's offered load (erlangs) assigned to a site is at most
  ``peak_utilisation`` of its units; per-zone grid headroom caps new electric load;
* objective: capital + the value of drivers' access time + a large penalty per daily session left
  unserved, so unserved demand appears only when budget or grid bind, and is then reported;
* forced sites: expressway service areas (fast charging) and the truck corridors chosen by the
  flow-refuelling model.

After the solve each site is sized exactly by Erlang C (95% of arrivals wait ≤ 10 min by
default), and the plan is brought to the required number of integrated sites (two or more
supplies) by the cheapest additions. :func:`validate_plan` checks a plan without the solver.

:func:`plan_phase` builds the model (``_build_model``), solves it with the library's solver
wrapper (:mod:`szplan.network.siting.mip`), reads the sites from the solution (``_extract``) and
sizes them (``_size_by_erlang_c``, ``_add_integrated``).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.linear_solver import pywraplp

from ..queueing import erlang_c_wait_quantile, servers_for_service_level
from szplan.data.i18n import Note
from szplan.data.tables import param

from ..siting import mip
from ..siting.errors import SitingError
from ..stations import load_equipment
from .errors import PlanError
from .params import SitingParams

__all__ = ["FAMILY_EQUIPMENT", "ELECTRIC_FAMILIES", "PhasePlan", "plan_phase", "plan_capex", "validate_plan"]

log = logging.getLogger(__name__)

#: Equipment a new unit of each family is.
FAMILY_EQUIPMENT = {"dc_public": "dc_120kw", "truck_dc": "dc_480kw", "lng": "lng_dispenser",
                    "h2": "h2_dispenser", "swap": "swap_bay"}
ELECTRIC_FAMILIES = ("dc_public", "truck_dc")
_SUPPLY = {"dc_public": "charging", "truck_dc": "charging", "lng": "lng", "h2": "h2", "swap": "swapping"}
_DEMAND_COLUMNS = ["family", "zone_id", "arrivals_per_day", "service_min", "peak_share"]


@dataclass
class PhasePlan:
    """The plan of one phase year.

    ``units`` has one row per (family, zone) with new units: ``family, zone_id, new_units,
    existing_units, peak_erlangs, service_min, expected_utilisation, expected_wait_p95_min``.
    """

    year: int
    units: pd.DataFrame
    status: str
    gap: float
    objective: float
    capex_cny: float
    unserved_sessions_per_day: float
    solve_time_s: float
    notes: list[str] = field(default_factory=list)


def _check_demand(demand: pd.DataFrame) -> None:
    missing = [c for c in _DEMAND_COLUMNS if c not in demand]
    if missing:
        raise PlanError(f"demand: missing columns {missing}")
    unknown = sorted(set(demand["family"]) - set(FAMILY_EQUIPMENT))
    if unknown:
        raise PlanError(f"demand.family: unknown {unknown}; known: {sorted(FAMILY_EQUIPMENT)}")
    for col in ("arrivals_per_day", "service_min"):
        if (demand[col] < 0).any() or demand[col].isna().any():
            raise PlanError(f"demand.{col}: must be >= 0 and not empty")
    if ((demand["peak_share"] <= 0) | (demand["peak_share"] > 1)).any():
        raise PlanError("demand.peak_share: must be in (0, 1]")


def plan_phase(year: int, demand: pd.DataFrame, existing: pd.DataFrame, *, zone_ids: np.ndarray,
               time_min: np.ndarray, params: SitingParams, forced: pd.DataFrame | None = None,
               spent_cny: float = 0.0) -> PhasePlan:
    """Choose and size new sites for ``year``.

    Parameters
    ----------
    demand
        ``family, zone_id, arrivals_per_day, service_min, peak_share`` (service on a new unit).
    existing
        ``family, zone_id, units``: capacity already standing, in new-unit equivalents.
    zone_ids, time_min
        Zone ids and the travel-time matrix (min) in the same order.
    forced
        ``family, zone_id, min_units``: sites that must exist (service areas, truck corridors).
    spent_cny
        Capital already committed by earlier phases (counts against the budget).
    """
    _check_demand(demand)
    start = time.perf_counter()
    demand = demand[demand["arrivals_per_day"] > 0].reset_index(drop=True)
    forced = forced if forced is not None else pd.DataFrame(columns=["family", "zone_id", "min_units"])
    have = existing.groupby(["family", "zone_id"])["units"].sum().to_dict()
    model = _build_model(demand, have, forced, zone_ids=zone_ids, time_min=time_min, params=params,
                         spent_cny=spent_cny)
    try:
        outcome = mip.solve(model.solver, time_limit_s=params.time_limit_s, what=f"plan {year}",
                            allow_infeasible=True, gap=params.relative_gap)
    except SitingError as err:  # no solution within the time limit
        raise PlanError(str(err)) from err
    if outcome.infeasible:
        raise PlanError(_infeasible_reason(demand, forced, params, spent_cny, year))
    objective = outcome.objective
    gap = mip.relative_gap(outcome.objective, outcome.bound, optimal=outcome.optimal)
    units, unserved_total = _extract(model, have, params)
    units, sizing_notes = _size_by_erlang_c(units, params)
    plan = PhasePlan(year, units, "optimal" if gap == 0.0 else "feasible", gap, objective, 0.0, unserved_total,
                     time.perf_counter() - start, notes=sizing_notes)
    _add_integrated(plan, params)
    plan.capex_cny = plan_capex(plan.units, params)
    if unserved_total > 1e-6:
        plan.notes.append(Note.of("note.unserved", year=year, sessions=unserved_total,
                                  access_min=params.max_access_min))
    if plan.capex_cny + spent_cny > params.budget_cny * (1 + 1e-9):
        plan.notes.append(Note.of("note.over_budget", year=year, needed=plan.capex_cny + spent_cny,
                                  budget=params.budget_cny, over=plan.capex_cny + spent_cny - params.budget_cny))
    log.info("plan %d: %d sites, gap %.4f, %.1f s", year, units["zone_id"].nunique(), gap, plan.solve_time_s)
    return plan


@dataclass
class _PhaseModel:
    """The phase's mixed-integer model and the variables its solution is read from."""

    solver: pywraplp.Solver
    #: (family, zone) -> (new units, site opened)
    sites: dict[tuple[str, int], tuple[pywraplp.Variable, pywraplp.Variable]] = field(default_factory=dict)
    #: (family, zone) -> (assignment share, busiest-hour erlangs, demand row) of the demand it serves
    loads: dict[tuple[str, int], list] = field(default_factory=dict)
    #: (unserved share, daily arrivals) of every demand row
    unserved: list = field(default_factory=list)


def _build_model(demand: pd.DataFrame, have: dict, forced: pd.DataFrame, *, zone_ids: np.ndarray,
                 time_min: np.ndarray, params: SitingParams, spent_cny: float) -> _PhaseModel:
    """Sites, assignments, capacity, grid, budget and forced sites (module docstring)."""
    index = {int(z): k for k, z in enumerate(zone_ids)}
    equipment = load_equipment()
    solver = mip.new_solver()
    solver.SetNumThreads(1)
    model = _PhaseModel(solver)
    cost = solver.Objective()
    budget = solver.Constraint(-solver.infinity(), params.budget_cny - spent_cny, "budget")
    grid: dict[int, pywraplp.Constraint] = {}

    def site(family: str, zone: int):
        key = (family, zone)
        if key not in model.sites:
            unit_cost = float(equipment.at[FAMILY_EQUIPMENT[family], "capex_cny"])
            # unit counts are continuous here: Erlang C sizes every site exactly afterwards
            n = solver.NumVar(0, params.max_new_units_per_site, f"n_{family}_{zone}")
            y = solver.BoolVar(f"y_{family}_{zone}")
            solver.Add(n <= params.max_new_units_per_site * y)
            fixed = 0.0 if have.get(key, 0) > 0 else params.site_fixed_cost_cny
            cost.SetCoefficient(y, fixed)
            cost.SetCoefficient(n, unit_cost)
            budget.SetCoefficient(y, fixed)
            budget.SetCoefficient(n, unit_cost)
            if family in ELECTRIC_FAMILIES:
                if zone not in grid:
                    grid[zone] = solver.Constraint(-solver.infinity(), params.headroom_kw(zone), f"grid_{zone}")
                grid[zone].SetCoefficient(n, float(equipment.at[FAMILY_EQUIPMENT[family], "rate"]))
            model.sites[key] = (n, y)
        return model.sites[key]

    for row in demand.itertuples(index=False):
        i = index[int(row.zone_id)]
        reach = np.flatnonzero(time_min[i] <= params.max_access_min)
        erlangs = row.arrivals_per_day * row.peak_share * row.service_min / 60.0
        share = solver.Constraint(1.0, 1.0, f"serve_{row.family}_{row.zone_id}")
        u = solver.NumVar(0.0, 1.0, f"u_{row.family}_{row.zone_id}")
        share.SetCoefficient(u, 1.0)
        cost.SetCoefficient(u, params.unserved_cost_cny_per_daily_session * row.arrivals_per_day)
        model.unserved.append((u, row.arrivals_per_day))
        for j in reach:
            zone = int(zone_ids[j])
            site(row.family, zone)
            var = solver.NumVar(0.0, 1.0, f"x_{row.family}_{row.zone_id}_{zone}")
            if have.get((row.family, zone), 0) <= 0:  # the strong facility-location cut
                solver.Add(var <= model.sites[(row.family, zone)][1])
            share.SetCoefficient(var, 1.0)
            cost.SetCoefficient(var, params.access_cost_cny_per_vehicle_min * row.arrivals_per_day * time_min[i, j])
            model.loads.setdefault((row.family, zone), []).append((var, erlangs, row))
    for (family, zone), terms in model.loads.items():
        n, _ = model.sites[(family, zone)]
        cap = solver.Constraint(-solver.infinity(), params.peak_utilisation * have.get((family, zone), 0.0), "cap")
        for var, erlangs, _ in terms:
            cap.SetCoefficient(var, erlangs)
        cap.SetCoefficient(n, -params.peak_utilisation)
    for row in forced.itertuples(index=False):
        # a forced site is a new station at that place (a service area, a corridor stop), whatever
        # else already stands elsewhere in its zone
        n, y = site(row.family, int(row.zone_id))
        solver.Add(y == 1)
        solver.Add(n >= int(row.min_units))
    cost.SetMinimization()
    return model


def _extract(model: _PhaseModel, have: dict, params: SitingParams) -> tuple[pd.DataFrame, float]:
    """The solved sites (units rounded up within the grid headroom) and the unserved sessions."""
    equipment = load_equipment()
    rows = []
    kw_used: dict[int, float] = {}
    for (family, zone), (n, _) in sorted(model.sites.items()):
        terms = model.loads.get((family, zone), [])
        arrivals = sum(var.solution_value() * r.arrivals_per_day for var, _, r in terms)
        erlangs = sum(var.solution_value() * e for var, e, _ in terms)
        new = int(math.ceil(n.solution_value() - 1e-6))
        if family in ELECTRIC_FAMILIES:  # rounding up must not break the grid limit
            rate = float(equipment.at[FAMILY_EQUIPMENT[family], "rate"])
            new = min(new, int(math.floor((params.headroom_kw(zone) - kw_used.get(zone, 0.0)) / rate + 1e-9)))
            kw_used[zone] = kw_used.get(zone, 0.0) + rate * new
        if new == 0 and arrivals <= 1e-9:
            continue
        service = (sum(var.solution_value() * r.arrivals_per_day * r.service_min for var, _, r in terms) / arrivals
                   if arrivals > 1e-9 else 0.0)
        rows.append({"family": family, "zone_id": zone, "new_units": new,
                     "existing_units": have.get((family, zone), 0.0),
                     "arrivals_per_day": arrivals, "peak_erlangs": erlangs, "service_min": service})
    units = pd.DataFrame(rows, columns=["family", "zone_id", "new_units", "existing_units", "arrivals_per_day",
                                        "peak_erlangs", "service_min"])
    return units, max(0.0, sum(u.solution_value() * a for u, a in model.unserved))


def _infeasible_reason(demand, forced, params: SitingParams, spent: float, year: int) -> str:
    equipment = load_equipment()
    need = sum(params.site_fixed_cost_cny + equipment.at[FAMILY_EQUIPMENT[f], "capex_cny"] * max(1, int(m))
               for f, m in zip(forced["family"], forced["min_units"], strict=True))
    left = params.budget_cny - spent
    if need > left:
        return (f"siting.budget_cny: the required sites of {year} (service areas, truck corridors) need "
                f"CNY {need:,.0f} but CNY {left:,.0f} is left (short by CNY {need - left:,.0f})")
    power = sum(equipment.at[FAMILY_EQUIPMENT[f], "rate"] * max(1, int(m))
                for f, m in zip(forced["family"], forced["min_units"], strict=True) if f in ELECTRIC_FAMILIES)
    return (f"siting: no feasible plan for {year}: the required sites need {power:,.0f} kW of grid headroom "
            f"or more units than max_new_units_per_site; raise siting.grid_headroom_kw_per_zone or the limits")


def _size_by_erlang_c(units: pd.DataFrame, params: SitingParams) -> tuple[pd.DataFrame, list[str]]:
    """Units per site so that ``service_share`` of arrivals wait at most ``max_wait_min``.

    Electric sites stop at the zone's grid headroom; such a site is marked ``grid_capped`` and a
    note says what the service level would need.
    """
    units = units.copy()
    equipment = load_equipment()
    kw_left: dict[int, float] = {}
    notes = []
    util, wait, capped = [], [], []
    for k, row in units.iterrows():
        electric = row["family"] in ELECTRIC_FAMILIES
        rate = float(equipment.at[FAMILY_EQUIPMENT[row["family"]], "rate"])
        if electric:
            left = kw_left.setdefault(row["zone_id"], params.headroom_kw(row["zone_id"]))
            kw_left[row["zone_id"]] = left - rate * row["new_units"]
        servers = int(math.floor(row["existing_units"])) + int(row["new_units"])
        hit_grid = False
        if row["peak_erlangs"] > 0:
            arrivals_h = row["peak_erlangs"] * 60.0 / row["service_min"]
            # the queue's servers are whole piles: fractional standing equivalents the plan counted
            # (a 60 kW pile is half a 120 kW one) must not let the reported utilisation pass the cap
            need = max(servers_for_service_level(arrivals_h, row["service_min"], max_wait_min=params.max_wait_min,
                                                 share=params.service_share),
                       math.ceil(row["peak_erlangs"] / params.peak_utilisation - 1e-9))
            extra = max(need - servers, 0)
            if electric:
                room = max(int(math.floor(kw_left[row["zone_id"]] / rate + 1e-9)), 0)
                hit_grid = extra > room
                extra = min(extra, room)
                kw_left[row["zone_id"]] -= rate * extra
            units.at[k, "new_units"] = int(row["new_units"]) + extra
            servers += extra
            util.append(row["peak_erlangs"] / servers if servers else math.inf)
            wait.append(erlang_c_wait_quantile(arrivals_h, row["service_min"], servers, params.service_share)
                        if servers else math.inf)
            if hit_grid:
                notes.append(Note.of("note.grid_cap", zone=row["zone_id"], family=row["family"], units=servers,
                                     headroom_kw=params.headroom_kw(row["zone_id"]), need=need))
        else:
            util.append(0.0)
            wait.append(0.0)
        capped.append(hit_grid)
    units["expected_utilisation"] = util
    units["expected_wait_p95_min"] = wait
    units["grid_capped"] = capped
    return units, notes


def plan_capex(units: pd.DataFrame, params: SitingParams) -> float:
    """Capital cost of the new units and new sites of a plan (CNY)."""
    equipment = load_equipment()
    unit_cost = units["family"].map(lambda f: float(equipment.at[FAMILY_EQUIPMENT[f], "capex_cny"]))
    new_sites = units[(units["new_units"] > 0) & (units["existing_units"] <= 0)]
    return float((units["new_units"] * unit_cost).sum() + params.site_fixed_cost_cny * len(new_sites))


def _add_integrated(plan: PhasePlan, params: SitingParams) -> None:
    """Bring the plan to ``min_integrated_sites`` sites with two or more supplies.

    A zone's new units of several families form one site. Sites short of a second supply get the
    cheapest one that fits: ``integrated_upgrade_dc_units`` DC 120 kW piles at a gas, hydrogen or
    swap site, ``integrated_upgrade_lng_units`` LNG dispensers at a charging site
    (``data/params/siting.csv``); busiest sites first. With a fixed number of independent
    upgrades, taking the cheapest is optimal.
    """
    units = plan.units
    if units.empty:
        return
    built = units[units["new_units"] > 0]
    supplies = built.assign(supply=built["family"].map(_SUPPLY)).groupby("zone_id")["supply"].agg(set)
    integrated = int((supplies.map(len) >= 2).sum())
    lacking = params.min_integrated_sites - integrated
    if lacking <= 0:
        return
    equipment = load_equipment()
    n_dc = int(param("siting.csv", "integrated_upgrade_dc_units", "units"))
    n_lng = int(param("siting.csv", "integrated_upgrade_lng_units", "units"))
    dc_kw = n_dc * float(equipment.at["dc_120kw", "rate"])
    busy = built.groupby("zone_id")["arrivals_per_day"].sum()
    electric = built[built["family"].isin(ELECTRIC_FAMILIES)]
    kw = (electric["new_units"] * electric["family"].map(
        lambda f: float(equipment.at[FAMILY_EQUIPMENT[f], "rate"]))).groupby(electric["zone_id"]).sum()
    options = []
    for zone, have in supplies.items():
        if len(have) >= 2:
            continue
        if "charging" in have:
            options.append((n_lng * float(equipment.at["lng_dispenser", "capex_cny"]), -busy[zone], zone, "lng", n_lng))
        elif kw.get(zone, 0.0) + dc_kw <= params.headroom_kw(zone):
            options.append((n_dc * float(equipment.at["dc_120kw", "capex_cny"]), -busy[zone], zone, "dc_public", n_dc))
    options.sort()
    chosen = [(z, f, n) for _, _, z, f, n in options[:lacking]]
    upgraded = len(chosen)
    if upgraded < lacking:
        # too few new sites to upgrade (the year's network already serves most demand): new
        # integrated sites, the DC 120 kW piles and LNG dispensers of an upgrade, in the busiest zones of
        # public charging demand that get no new site yet
        demand_zones = units[(units["family"] == "dc_public") & ~units["zone_id"].isin(supplies.index)]
        demand_zones = demand_zones.sort_values(["arrivals_per_day", "zone_id"], ascending=[False, True])
        for zone in demand_zones["zone_id"].drop_duplicates().tolist():
            if upgraded >= lacking:
                break
            if kw.get(zone, 0.0) + dc_kw <= params.headroom_kw(zone):
                chosen += [(zone, "dc_public", n_dc), (zone, "lng", n_lng)]
                upgraded += 1
    extra = [{"family": f, "zone_id": z, "new_units": n, "existing_units": 0.0, "arrivals_per_day": 0.0,
              "peak_erlangs": 0.0, "service_min": 0.0, "expected_utilisation": 0.0, "expected_wait_p95_min": 0.0,
              "grid_capped": False}
             for z, f, n in chosen]
    plan.units = pd.concat([units, pd.DataFrame(extra)], ignore_index=True)
    if upgraded < lacking:
        plan.notes.append(Note.of("note.integrated", year=plan.year, possible=integrated + upgraded,
                                  sites=len(supplies), asked=params.min_integrated_sites))


def validate_plan(plan: PhasePlan, demand: pd.DataFrame, existing: pd.DataFrame, params: SitingParams,
                  *, spent_cny: float = 0.0) -> None:
    """Check a plan without the solver: sizes, service level, grid, served demand.

    Raises :class:`PlanError` naming the first violation.
    """
    units = plan.units
    if (units["new_units"] < 0).any():
        raise PlanError("plan: negative unit counts")
    equipment = load_equipment()
    electric = units[units["family"].isin(ELECTRIC_FAMILIES)]
    power = electric.assign(kw=electric["new_units"] * electric["family"].map(
        lambda f: float(equipment.at[FAMILY_EQUIPMENT[f], "rate"]))).groupby("zone_id")["kw"].sum()
    for zone, kw in power.items():
        if kw > params.headroom_kw(zone) + 1e-6:
            raise PlanError(f"plan: zone {zone} draws {kw:,.0f} kW against {params.headroom_kw(zone):,.0f} kW")
    for row in units[(units["peak_erlangs"] > 0) & ~units["grid_capped"]].itertuples(index=False):
        servers = int(math.floor(row.existing_units)) + int(row.new_units)
        arrivals_h = row.peak_erlangs * 60.0 / row.service_min
        if servers < 1 or erlang_c_wait_quantile(arrivals_h, row.service_min, servers,
                                                 params.service_share) > params.max_wait_min + 1e-9:
            raise PlanError(f"plan: {row.family} site in zone {row.zone_id} misses the service level")
    served = units.groupby("family")["arrivals_per_day"].sum()
    wanted = demand.groupby("family")["arrivals_per_day"].sum()
    for family, total in wanted.items():
        got = served.get(family, 0.0)
        if got > total * (1 + 1e-6):
            raise PlanError(f"plan: {family} serves {got:,.1f} daily sessions of {total:,.1f} demanded")
    if abs(got_total := served.sum() + plan.unserved_sessions_per_day - wanted.sum()) > 1e-3 * max(1.0, wanted.sum()):
        raise PlanError(f"plan: served + unserved differs from demand by {got_total:,.3f} sessions a day")
    capex = plan_capex(units, params)
    if abs(capex - plan.capex_cny) > 1e-6 * max(1.0, capex):
        raise PlanError(f"plan: reported capex {plan.capex_cny:,.0f} differs from {capex:,.0f}")
