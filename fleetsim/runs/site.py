"""``fleetsim site``: the station plan of a scenario, phase by phase, checked by re-simulation.

For each phase year (2025, then 2030 by default; sites built in a phase stay in later ones):

1. simulate the year's fleet with the stations standing (existing chargers, earlier phases, and
   for the first phase the assumed gas, hydrogen and swap sites) and read the demand for public
   energy from the sessions: where each need arose, how many a day, how long a new unit takes,
   and the busiest hour's share; stranded vehicles count as demand at their base;
2. fix what must exist: fast charging at every expressway service area, and megawatt charging on
   the heavy-truck corridors chosen by the flow-refuelling model (``network.siting.frlm``) with
   the battery trucks' range;
3. solve the plan (``szplan.network.plan.plan_phase``), sized by Erlang C;
4. re-simulate with the plan and add a unit wherever more than 5% of arrivals wait over 10
   minutes, up to ``siting.resize_rounds`` times.

Charging points are then counted whole: public piles (existing and planned), depot piles of the
simulated fleets and private home piles (private BEVs and PHEVs times the home-charging access
share), for the 600,000 / 45,000 targets.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from szplan import demand as stock_model
from szplan.data.i18n import Note
from szplan.data.tables import param
from szplan.network import load_zones, travel_matrices, zone_graph
from szplan.network.plan.errors import PlanError
from szplan.network.siting import SitingError, frlm
from szplan.network.plan.phase import FAMILY_EQUIPMENT, PhasePlan, plan_capex, plan_phase, validate_plan
from szplan.network.growth import stations_of_year
from szplan.network.stations import freight_sites, load_equipment, new_station_table, station_kind, zone_of_points

from ..errors import ScenarioError
from ..sim.infrastructure import station_inventory
from ..sim.params import duty_params, sim_constants
from .scenario import Scenario
from ..sim.simulate import simulate_day, year_stations

__all__ = ["SitingOutcome", "plan_stations", "demand_from_day", "demand_from_stock", "existing_capacity",
           "charger_metrics"]

log = logging.getLogger(__name__)
_PUBLIC_FAMILY = {"lng_dispenser": "lng", "h2_dispenser": "h2", "swap_bay": "swap"}
_DC = ("dc_60kw", "dc_120kw", "dc_480kw")


@dataclass
class SitingOutcome:
    """The plan of every phase, as a table and as the station table to simulate."""

    siting: pd.DataFrame
    phases: list[PhasePlan]
    depot_piles: dict[int, int]
    notes: list[str] = field(default_factory=list)

    def stations(self, year: int) -> pd.DataFrame:
        """Public stations standing in ``year``: the charging network of that year and the plan's
        sites built by then."""
        built = self.siting[self.siting["year_built"] <= year]
        rows = [{"station_id": r.site, "zone_id": r.zone_id, "lon": r.lon, "lat": r.lat, "source": "plan",
                 **{n: getattr(r, n) for n in load_equipment().index}} for r in built.itertuples(index=False)]
        return station_inventory(new_station_table(_merge(rows)), year=year)


def _family(equipment: pd.Series, segment: pd.Series) -> pd.Series:
    fam = equipment.map(_PUBLIC_FAMILY)
    dc = equipment.isin(_DC)
    fam[dc & (segment == "heavy_truck")] = "truck_dc"
    fam[dc & (segment != "heavy_truck")] = "dc_public"
    return fam


def demand_from_day(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Public demand per family and zone of origin: ``family, zone_id, arrivals_per_day,
    service_min, peak_share``.

    Service is timed on a new unit (``FAMILY_EQUIPMENT``) at the lower of its rating and the
    vehicle's acceptance, plus handling; the taper is left out, so the figure is a little short
    for sessions that charge past 80%.
    """
    sessions = tables["sessions"]
    public = sessions[sessions["equipment"].isin(_DC + tuple(_PUBLIC_FAMILY))].copy()
    public["family"] = _family(public["equipment"], public["segment"])
    hourly = public.groupby(["family", (public["arrive_min"] // 60).astype(int) % 24])["weight"].sum()
    peak = (hourly.groupby(level=0).max() / hourly.groupby(level=0).sum()).rename("peak_share")
    stranded = tables["vehicles"][tables["vehicles"]["stranded"]]
    if len(stranded):
        family = _family(pd.Series(np.where(stranded["powertrain"] == "LNG", "lng_dispenser",
                                            np.where(stranded["powertrain"] == "FCEV", "h2_dispenser",
                                                     np.where(stranded["segment"] == "port_tractor", "swap_bay",
                                                              "dc_120kw"))), index=stranded.index),
                         stranded["segment"])
        typical = public.groupby("family")["energy"].mean()
        extra = pd.DataFrame({"family": family, "origin_zone_id": stranded["base_zone_id"],
                              "segment": stranded["segment"], "weight": stranded["weight"],
                              "energy": family.map(typical).fillna(stranded["start_level"]).to_numpy()})
        public = pd.concat([public, extra[extra["segment"] != "bus"]], ignore_index=True)
    equipment = load_equipment()
    c = sim_constants()
    rate = public["family"].map(lambda f: float(equipment.at[FAMILY_EQUIPMENT[f], "rate"]))
    accept = public["segment"].map({s: d["max_charge_kw"] for s, d in duty_params().items()})
    electric = public["family"].isin(["dc_public", "truck_dc"])
    minutes = np.where(electric, public["energy"] / np.minimum(rate, accept) * 60.0 + c["plug_handling_min"],
                       np.where(public["family"] == "swap", rate, public["energy"] / rate + c["fuel_handling_min"]))
    public["service_min"] = minutes
    public["weighted_service"] = public["service_min"] * public["weight"]
    out = public.groupby(["family", "origin_zone_id"]).agg(arrivals_per_day=("weight", "sum"),
                                                           weighted=("weighted_service", "sum")).reset_index()
    out["service_min"] = out["weighted"] / out["arrivals_per_day"]
    out = out.rename(columns={"origin_zone_id": "zone_id"}).join(peak, on="family")
    # a family seen only stranded has no hourly profile
    out["peak_share"] = out["peak_share"].fillna(param("siting.csv", "peak_hour_share_default", "fraction"))
    return out[["family", "zone_id", "arrivals_per_day", "service_min", "peak_share"]].astype(
        {"arrivals_per_day": float, "zone_id": np.int64})


def demand_from_stock(stock: pd.DataFrame, year: int, scenario: Scenario) -> pd.DataFrame:
    """Public demand estimated from the stock alone, for planning without a simulation.

    Each vehicle's daily energy (annual km / 365 × energy per km) that cannot come from a home or
    depot pile is bought in public sessions of one charging window (seek level to charge target;
    a full tank for LNG and hydrogen). Cars' sessions arise in proportion to zone population,
    trucks' at the freight sites. The busiest hour takes ``peak_hour_share_default`` of the day
    (``data/params/siting.csv``). Same columns as :func:`demand_from_day`.
    """
    vehicles = stock_model.load_vehicle_params()
    spec = vehicles.pivot_table(index=["segment", "powertrain"], columns="parameter", values="value")
    fleet = stock[(stock["year"] == year) & stock["powertrain"].isin(["BEV", "LNG", "FCEV"])]
    zones = load_zones()
    population = zones.set_index("zone_id")["population"]
    sites = freight_sites()
    site_zone = pd.Series(sites["weight"].to_numpy(), index=zone_of_points(sites["lon"], sites["lat"]))
    site_zone = site_zone.groupby(level=0).sum()
    equipment = load_equipment()
    c = sim_constants()
    rows = []
    for r in fleet[fleet["vehicles"] > 0].itertuples(index=False):
        duty = duty_params()[r.segment]
        if r.powertrain == "BEV":
            family = {"heavy_truck": "truck_dc", "port_tractor": "swap"}.get(r.segment, "dc_public")
            at_base = (scenario.stock.home_charging_access_share if r.segment == "private_car"
                       else 1.0 if duty.get("depot_chargers_per_vehicle", 0) > 0 else 0.0)
            window = duty["charge_to_soc"] - duty["seek_energy_soc"]
        else:
            family, at_base, window = ("lng" if r.powertrain == "LNG" else "h2"), 0.0, 1 - duty["seek_energy_soc"]
        if r.segment == "bus" or at_base >= 1.0:
            continue
        p = spec.loc[(r.segment, r.powertrain)]
        daily = scenario.stock.segment_params(r.segment).annual_km / 365 * p["energy_per_km"]
        per_session = p["capacity"] * window
        sessions = r.vehicles * daily * (1 - at_base) / per_session
        rate = float(equipment.at[FAMILY_EQUIPMENT[family], "rate"])
        service = (rate if family == "swap" else per_session / min(rate, duty["max_charge_kw"]) * 60
                   + c["plug_handling_min"] if family in ("dc_public", "truck_dc")
                   else per_session / rate + c["fuel_handling_min"])
        where = population if family == "dc_public" else site_zone
        for zone, share in (where / where.sum()).items():
            rows.append((family, int(zone), sessions * share, service))
    table = pd.DataFrame(rows, columns=["family", "zone_id", "arrivals_per_day", "service_min"])
    table["weighted"] = table["arrivals_per_day"] * table["service_min"]
    out = table.groupby(["family", "zone_id"], as_index=False)[["arrivals_per_day", "weighted"]].sum()
    out["service_min"] = out["weighted"] / out["arrivals_per_day"]
    out["peak_share"] = param("siting.csv", "peak_hour_share_default", "fraction")
    return out[out["arrivals_per_day"] > 0][["family", "zone_id", "arrivals_per_day", "service_min", "peak_share"]]


def existing_capacity(stations: pd.DataFrame) -> pd.DataFrame:
    """Units per family and zone in new-unit equivalents (a 60 kW pile is half a 120 kW one: the
    ratio of their rates in ``equipment.csv``)."""
    zone = stations["zone_id"]
    rate = load_equipment()["rate"]
    parts = {
        "dc_public": stations["dc_60kw"] * (rate["dc_60kw"] / rate["dc_120kw"]) + stations["dc_120kw"]
        + stations["dc_480kw"],
        "truck_dc": stations["dc_480kw"],
        "lng": stations["lng_dispenser"], "h2": stations["h2_dispenser"], "swap": stations["swap_bay"],
    }
    frames = [pd.DataFrame({"family": f, "zone_id": zone, "units": v}) for f, v in parts.items()]
    table = pd.concat(frames).groupby(["family", "zone_id"], as_index=False)["units"].sum()
    return table[table["units"] > 0]


def _truck_corridors(scenario: Scenario, zone_ids: np.ndarray) -> tuple[pd.DataFrame, str]:
    """Megawatt-charging zones covering heavy battery trucks' round trips between freight sites."""
    vehicles = stock_model.load_vehicle_params()
    spec = vehicles[(vehicles["segment"] == "heavy_truck") & (vehicles["powertrain"] == "BEV")]
    spec = dict(zip(spec["parameter"], spec["value"], strict=True))
    range_km = spec["capacity"] * (1 - duty_params()["heavy_truck"]["seek_energy_soc"]) / spec["energy_per_km"]
    sites = freight_sites()
    zones = zone_of_points(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    graph = zone_graph(scenario.network)
    _, _, dist = travel_matrices(scenario.network)
    index = {int(z): k for k, z in enumerate(zone_ids)}
    exponent = param("siting.csv", "freight_gravity_exponent", "dimensionless")
    rows = []
    for a in range(len(sites)):
        for b in range(a + 1, len(sites)):
            if zones[a] != zones[b]:
                d = dist[index[int(zones[a])], index[int(zones[b])]]
                flow = sites["weight"].iat[a] * sites["weight"].iat[b] / d**exponent
                rows.append((int(zones[a]), int(zones[b]), flow))
    od = pd.DataFrame(rows, columns=["origin", "destination", "flow"])
    total = od["flow"].sum()
    coverage = param("siting.csv", "truck_corridor_flow_coverage", "fraction")
    for p in range(1, int(param("siting.csv", "truck_corridor_max_sites", "sites")) + 1):
        try:
            result = frlm(graph, od, range_km=float(range_km), p=p)
        except SitingError as err:
            raise PlanError(f"truck corridors: {err}") from err
        if result.objective >= coverage * total - 1e-9:
            break
    proof = "optimal" if result.status == "optimal" else "feasible"
    note = Note.of(f"note.truck_corridors.{proof}", sites=p, share=result.objective / total, range_km=range_km)
    units = int(param("siting.csv", "truck_corridor_min_dc_units", "units"))
    return pd.DataFrame({"family": "truck_dc", "zone_id": list(result.sites), "min_units": units}), note


def _forced(scenario: Scenario, zone_ids: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    areas = scenario.siting.expressway_service_areas
    area_zones = zone_of_points([a.lon for a in areas], [a.lat for a in areas]) if areas else []
    units = int(param("siting.csv", "service_area_min_dc_units", "units"))
    service = pd.DataFrame({"family": "dc_public", "zone_id": [int(z) for z in area_zones], "min_units": units})
    corridors, note = _truck_corridors(scenario, zone_ids)
    return pd.concat([service, corridors], ignore_index=True).drop_duplicates(["family", "zone_id"]), [note]


def _plan_rows(plan: PhasePlan) -> list[dict]:
    zones = load_zones().set_index("zone_id")
    rows = []
    for zone, group in plan.units[plan.units["new_units"] > 0].groupby("zone_id"):
        counts = {}
        for r in group.itertuples(index=False):
            counts[FAMILY_EQUIPMENT[r.family]] = counts.get(FAMILY_EQUIPMENT[r.family], 0) + int(r.new_units)
        rows.append({"station_id": f"plan-{zone}", "source": f"plan {plan.year}", "zone_id": int(zone),
                     "lon": zones.at[zone, "lon"], "lat": zones.at[zone, "lat"], **counts})
    return rows


def _resize(plan: PhasePlan, station_use: pd.DataFrame, params) -> int:
    """Add a unit at each planned site whose simulated waits miss the service level."""
    planned = station_use[station_use["station_id"].str.startswith("plan-")]
    missing = planned[planned["wait_p95_min"] > params.max_wait_min]
    equipment_family = {v: k for k, v in FAMILY_EQUIPMENT.items()}
    grown = 0
    for row in missing.itertuples(index=False):
        family = equipment_family.get(row.equipment)
        hit = (plan.units["zone_id"] == row.zone_id) & (plan.units["family"] == family)
        if family and hit.any():
            plan.units.loc[hit.idxmax(), "new_units"] += 1
            grown += 1
    return grown


def plan_stations(scenario: Scenario, *, progress=None, demand_source: str = "simulation") -> SitingOutcome:
    """Plan every phase year of ``scenario.siting`` and return the plan and its station table.

    ``demand_source`` is ``simulation`` (sessions of the simulated phase year) or ``stock``
    (:func:`demand_from_stock`, no simulation before the plan; the re-simulation check still runs).
    """
    if demand_source not in ("simulation", "stock"):
        raise ScenarioError(f"demand_source: 'simulation' or 'stock', got {demand_source!r}")
    params = scenario.siting
    zone_ids, time_min, _ = travel_matrices(scenario.network)
    forced, notes = _forced(scenario, zone_ids)
    stock = stock_model.project_stock(scenario.stock)
    built: list[dict] = []
    phases: list[PhasePlan] = []
    depot_piles: dict[int, int] = {}
    spent = 0.0
    steps = len(params.phase_years) * (2 + params.resize_rounds)
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress:
            progress("siting", min(done / steps, 1.0))

    for year in sorted(params.phase_years):
        year_scenario = scenario.model_copy(update={"year": year})
        standing = year_stations(year_scenario, stock, new_station_table(built) if phases else None)
        day = simulate_day(year_scenario, stock, stations=standing)
        depots = day.tables["stations"]
        depot_piles[year] = int(depots.loc[depots["source"] == "depot (modelled)", "depot_dc_120kw"].sum())
        tick()
        demand = demand_from_day(day.tables) if demand_source == "simulation" else \
            demand_from_stock(stock, year, scenario)
        existing = existing_capacity(year_stations(year_scenario, stock, new_station_table(built)))
        plan = plan_phase(year, demand, existing, zone_ids=zone_ids, time_min=time_min, params=params,
                          forced=forced if not phases else None, spent_cny=spent)
        validate_plan(plan, demand, existing, params, spent_cny=spent)
        tick()
        for _ in range(params.resize_rounds):
            rows = built + _plan_rows(plan)
            check = simulate_day(year_scenario, stock,
                                 stations=year_stations(year_scenario, stock, new_station_table(_merge(rows))))
            tick()
            if _resize(plan, check.tables["station_use"], params) == 0:
                break
        plan.capex_cny = plan_capex(plan.units, params)
        spent += plan.capex_cny
        notes += plan.notes
        phases.append(plan)
        built += _plan_rows(plan)
    return SitingOutcome(_siting_table(phases, params), phases, depot_piles, notes)


def _merge(rows: list[dict]) -> list[dict]:
    """Rows of the same site (zone) across phases as one station with the summed units."""
    merged: dict[str, dict] = {}
    for row in rows:
        site = merged.setdefault(row["station_id"], {k: v for k, v in row.items() if k in
                                                     ("station_id", "zone_id", "lon", "lat")} | {"source": "plan"})
        for key, value in row.items():
            if key in load_equipment().index:
                site[key] = site.get(key, 0) + value
    return list(merged.values())


def _siting_table(phases: list[PhasePlan], params) -> pd.DataFrame:
    equipment = load_equipment()
    zones = load_zones().set_index("zone_id")
    rows = []
    for plan in phases:
        for zone, group in plan.units[plan.units["new_units"] > 0].groupby("zone_id"):
            counts = {name: 0 for name in equipment.index}
            for r in group.itertuples(index=False):
                counts[FAMILY_EQUIPMENT[r.family]] += int(r.new_units)
            capex = sum(counts[n] * float(equipment.at[n, "capex_cny"]) for n in counts)
            new_site = (group["existing_units"] <= 0).all() and not any(
                (p.year < plan.year) and (p.units["zone_id"] == zone).any() for p in phases)
            capex += params.site_fixed_cost_cny if new_site else 0.0
            weights = group["arrivals_per_day"].clip(lower=1e-9)
            rows.append({"site": f"plan-{zone}", "zone_id": int(zone), "lon": zones.at[zone, "lon"],
                         "lat": zones.at[zone, "lat"], **counts, "capex_cny": capex, "year_built": plan.year,
                         "arrivals_per_day": float(group["arrivals_per_day"].sum()),
                         "expected_utilisation": float(np.average(group["expected_utilisation"], weights=weights)),
                         "expected_wait_p95_min": float(group["expected_wait_p95_min"].max())})
    table = pd.DataFrame(rows)
    table.insert(4, "kind", station_kind(table) if rows else [])
    return table.sort_values(["year_built", "site"], ignore_index=True)


def charger_metrics(outcome: SitingOutcome, stock: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Target metrics of the plan per phase year: charging points, fast chargers, integrated
    stations and expressway coverage (``metric, year, value``)."""
    rows = []
    for plan in outcome.phases:
        year = plan.year
        existing = stations_of_year(year)
        upto = outcome.siting[outcome.siting["year_built"] <= year]
        public_all = existing[["ac_7kw", *_DC]].to_numpy().sum() + upto[["ac_7kw", *_DC]].to_numpy().sum()
        public_dc = existing[list(_DC)].to_numpy().sum() + upto[list(_DC)].to_numpy().sum()
        private = stock[(stock["year"] == year) & (stock["segment"] == "private_car")
                        & stock["powertrain"].isin(["BEV", "PHEV"])]["vehicles"].sum()
        home = int(round(private * scenario.stock.home_charging_access_share))
        depot = outcome.depot_piles.get(year, 0)
        supplies = upto.groupby("site")[list(load_equipment().index)].sum()
        kinds = station_kind(supplies) if len(supplies) else []
        zones_dc = set(upto.loc[upto[list(_DC)].sum(axis=1) > 0, "zone_id"])
        areas = scenario.siting.expressway_service_areas
        covered = (np.mean([z in zones_dc for z in zone_of_points([a.lon for a in areas], [a.lat for a in areas])])
                   if areas else 1.0)
        rows += [("charging_facilities_cumulative", year, public_all + home + depot),
                 ("fast_chargers_cumulative", year, public_dc + depot),
                 ("integrated_energy_supply_stations", year, int((pd.Series(kinds) == "integrated").sum())),
                 ("highway_service_area_fast_charge_coverage", year, float(covered))]
    return pd.DataFrame(rows, columns=["metric", "year", "value"])
