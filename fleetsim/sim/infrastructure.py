"""The energy infrastructure a run simulates: stations turned into queueing resources.

Three sources of stations:

* the existing public chargers (``network.existing_stations``);
* the LNG, hydrogen, swap and truck-charging sites assumed before any plan
  (``data/params/assumed_stations.csv``), or a station plan from the siting model;
* fleet depots, modelled: one station per depot with ``depot_dc_120kw`` piles for the electric
  vehicles based there, as many as their need: the depot's daily energy (vehicles × annual km
  over active days × energy per km) at the pile's power (or the vehicles' acceptance if lower)
  over the segment's ``depot_charge_hours``, at ``depot_target_utilisation`` of the piles' time.

Each (station, equipment type) with a non-zero count is one resource. In a sampled run its
servers are ``max(1, round(count × sample))``: every station stays on the map (dropping the
ones that round to zero would strand whole fleets: 20 LNG dispensers at sample 0.01 are 0.2).
The simulation's own queues are then shorter than the city's, so a sampled run reports station
waits and utilisation at full scale from its weighted arrivals (:mod:`szplan.fleetsim.sim.fullscale`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from szplan.network import equipment_names, existing_stations, load_equipment, load_zones, new_station_table
from szplan.network.growth import assumed_sites, stations_of_year

from szplan.demand import StockParams

from .agents import Agents
from .params import duty_params, sim_constants

__all__ = ["FAMILIES", "Infrastructure", "build_infrastructure", "station_inventory"]

#: Equipment a vehicle may use when it seeks energy on the road, by family name.
FAMILIES = {
    "ac_public": ("ac_7kw",),
    "dc_public": ("dc_60kw", "dc_120kw", "dc_480kw"),
    "truck_dc": ("dc_480kw",),
    "lng": ("lng_dispenser",),
    "h2": ("h2_dispenser",),
    "swap": ("swap_bay",),
}


@dataclass
class Infrastructure:
    """Stations as resources. ``res_*`` arrays have one entry per resource."""

    stations: pd.DataFrame          # station table (station_id ... equipment counts)
    res_station: np.ndarray         # row of ``stations``
    res_equipment: np.ndarray       # equipment name
    res_zone: np.ndarray            # zone index
    res_count: np.ndarray           # real number of piles / dispensers / bays
    res_capacity: np.ndarray        # servers in the simulation
    res_rate: np.ndarray            # kW, kg/min, or min/swap
    res_service_min: np.ndarray     # drivers' first estimate of a session's occupancy
    nearest: dict[str, np.ndarray]  # family -> (zones, K) resource ids by travel time, -1 padded
    depot_resource: np.ndarray      # depot index -> resource id, -1 when none


def _depot_stations(agents: Agents, zone_ids: np.ndarray, stock: StockParams) -> pd.DataFrame:
    zones = load_zones().set_index("zone_id")
    lon, lat = zones["lon"].to_dict(), zones["lat"].to_dict()
    pile_kw = float(load_equipment().at["depot_dc_120kw", "rate"])
    target = sim_constants()["depot_target_utilisation"]
    electric = np.isin(agents.powertrain, ("BEV", "PHEV")) & (agents.depot >= 0)
    daily_kwh = np.zeros(len(agents))
    hours_at_pile = np.zeros(len(agents))
    for seg in np.unique(agents.segment[electric]):
        mine = electric & (agents.segment == seg)
        duty = duty_params()[seg]
        if duty.get("depot_charge_hours", 0) <= 0:
            continue
        km = stock.segment_params(seg).annual_km / 365.0
        daily_kwh[mine] = km * agents.store_per_km[mine] * agents.weight[mine]
        power = min(pile_kw, duty.get("max_charge_kw", pile_kw))
        hours_at_pile[mine] = daily_kwh[mine] / power
        hours_at_pile[mine] /= duty["depot_charge_hours"] * target
    per_depot = np.bincount(agents.depot[electric], weights=hours_at_pile[electric], minlength=len(agents.depots))
    rows = []
    for d, depot in enumerate(agents.depots):
        piles = int(np.ceil(per_depot[d] - 1e-9))
        if piles == 0:
            continue
        zone_id = int(zone_ids[depot.zone])
        rows.append({"station_id": f"depot-{depot.segment}-{d}", "source": "depot (modelled)",
                     "zone_id": zone_id, "lon": lon[zone_id], "lat": lat[zone_id], "depot_dc_120kw": piles})
    return new_station_table(rows)


def station_inventory(extra: pd.DataFrame | None = None, *, year: int | None = None,
                      fleets: tuple[float, float, float] | None = None) -> pd.DataFrame:
    """Public stations before depots: the public charging network of ``year``
    (:func:`network.growth.stations_of_year`; the 2022 sample when ``year`` is None) plus
    ``extra`` (a plan) or, when no plan is given, the assumed LNG / hydrogen / swap /
    truck-charging sites with dispensers and bays for ``fleets`` = (LNG vehicles, fuel-cell
    vehicles, battery-swap yard tractors)."""
    charging = existing_stations() if year is None else stations_of_year(year)
    if extra is None:
        lng, fcev, swap = fleets if fleets is not None else (None, None, None)
        extra = assumed_sites(lng_vehicles=lng, fcev_vehicles=fcev, swap_vehicles=swap)
    return pd.concat([charging, extra], ignore_index=True)


def _first_k_stable(key: np.ndarray, k: int) -> np.ndarray:
    """``np.argsort(key, axis=1, kind="stable")[:, :k]`` without sorting whole rows: every entry
    at or below a row's k-th smallest value is among the ``m`` smallest, and only those are sorted
    (by value, then column, as a stable sort would)."""
    n = key.shape[1]
    if n <= k:
        return np.argsort(key, axis=1, kind="stable")
    kth = np.partition(key, k - 1, axis=1)[:, k - 1]
    m = int((key <= kth[:, None]).sum(axis=1).max())
    if m >= n:
        return np.argsort(key, axis=1, kind="stable")[:, :k]
    part = np.argpartition(key, m - 1, axis=1)[:, :m]
    order = np.lexsort((part, np.take_along_axis(key, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)[:, :k]


def build_infrastructure(agents: Agents, *, sample: float, zone_ids: np.ndarray, time_min: np.ndarray,
                         stock: StockParams, public: pd.DataFrame | None = None) -> Infrastructure:
    """Resources for the public stations (``public``: a full station table, default
    :func:`station_inventory`) and the agents' depots, with each zone's nearest candidates per
    family."""
    public = station_inventory() if public is None else public
    depots = _depot_stations(agents, zone_ids, stock)
    stations = pd.concat([public, depots], ignore_index=True)
    zone_index = {int(z): k for k, z in enumerate(zone_ids)}
    equipment = load_equipment()
    long = stations[equipment_names()].stack()
    long = long[long > 0]
    res_station = long.index.get_level_values(0).to_numpy()
    res_equipment = long.index.get_level_values(1).to_numpy().astype(object)
    res_count = long.to_numpy().astype(np.int64)
    res_zone = np.array([zone_index[int(z)] for z in stations["zone_id"].to_numpy()[res_station]], dtype=np.int64)
    capacity = np.maximum(1, np.round(res_count * sample)).astype(np.int64)
    rate = equipment.loc[res_equipment, "rate"].to_numpy(float)
    c = sim_constants()
    supply = equipment.loc[res_equipment, "supply"].to_numpy()
    service = np.select([np.isin(supply, ("lng", "h2")), supply == "swapping"],
                        [c["initial_service_min_fuel"], c["initial_service_min_swap"]],
                        c["initial_service_min_charging"])

    k = int(sim_constants()["candidate_stations"])
    nearest = {}
    is_depot = stations["source"].to_numpy()[res_station] == "depot (modelled)"
    for family, kinds in FAMILIES.items():
        members = np.flatnonzero(np.isin(res_equipment, kinds) & ~is_depot)
        table = np.full((len(zone_ids), k), -1, dtype=np.int64)
        if len(members):
            # nearest first; at equal travel time the larger station first (more piles to find free)
            key = time_min[:, res_zone[members]] - 1e-6 * res_count[members][None, :]
            order = _first_k_stable(key, k)
            table[:, : order.shape[1]] = members[order]
        nearest[family] = table
    depot_resource = np.full(len(agents.depots), -1, dtype=np.int64)
    depot_ids = stations["station_id"].to_numpy()[res_station]
    for r in np.flatnonzero(is_depot):
        depot_resource[int(depot_ids[r].rsplit("-", 1)[1])] = r
    return Infrastructure(stations, res_station, res_equipment, res_zone, res_count, capacity, rate,
                          service.astype(float), nearest, depot_resource)
