"""The energy infrastructure a run simulates: stations turned into queueing resources.

Three sources of stations:

* the existing public chargers (``network.existing_stations``);
* the LNG, hydrogen, swap and truck-charging sites assumed before any plan
  (``data/params/assumed_stations.csv``), or a station plan from the siting model;
* fleet depots, modelled: one station per depot with ``depot_dc_120kw`` piles for the electric
  vehicles based there, ``ceil(vehicles × depot_chargers_per_vehicle)`` (``duty_cycles.csv``).

Each (station, equipment type) with a non-zero count is one resource. In a sampled run its
servers are ``max(1, round(count × sample))``: every station stays on the map (dropping the
ones that round to zero would strand whole fleets: 20 LNG dispensers at sample 0.01 are 0.2),
at the price of more capacity than the sample's share where stations are small. Waits in
sampled runs are therefore optimistic; waits to plan with come from ``sample = 1``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from network import equipment_names, existing_stations, load_equipment, load_zones, new_station_table
from network.stations import zone_of_points

from .agents import Agents
from .params import assumed_stations, duty_params, sim_constants

__all__ = ["FAMILIES", "Infrastructure", "build_infrastructure", "station_inventory"]

#: Equipment a vehicle may use when it seeks energy on the road, by family name.
FAMILIES = {
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
    nearest: dict[str, np.ndarray]  # family -> (zones, K) resource ids by travel time, -1 padded
    depot_resource: np.ndarray      # depot index -> resource id, -1 when none


def _depot_stations(agents: Agents, zone_ids: np.ndarray) -> pd.DataFrame:
    zones = load_zones().set_index("zone_id")
    electric = np.isin(agents.powertrain, ("BEV", "PHEV")) & (agents.depot >= 0)
    per_depot = np.bincount(agents.depot[electric], weights=agents.weight[electric], minlength=len(agents.depots))
    rows = []
    for d, depot in enumerate(agents.depots):
        per_vehicle = duty_params()[depot.segment].get("depot_chargers_per_vehicle", 0.0)
        piles = int(np.ceil(per_depot[d] * per_vehicle))
        if piles == 0:
            continue
        zone_id = int(zone_ids[depot.zone])
        rows.append({"station_id": f"depot-{depot.segment}-{d}", "source": "depot (modelled)",
                     "zone_id": zone_id, "lon": zones.at[zone_id, "lon"], "lat": zones.at[zone_id, "lat"],
                     "depot_dc_120kw": piles})
    return new_station_table(rows)


def station_inventory(extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Public stations before depots: existing chargers plus ``extra`` (a plan) or the assumed
    LNG / hydrogen / swap / truck-charging sites when no plan is given."""
    if extra is None:
        assumed = assumed_stations()
        counts = [c for c in assumed.columns if c in equipment_names()]
        lon, lat = assumed["lon"].to_numpy(), assumed["lat"].to_numpy()
        extra = new_station_table([
            {"station_id": r.station_id, "source": "assumed (data/params/assumed_stations.csv)",
             "zone_id": z, "lon": r.lon, "lat": r.lat, **{c: getattr(r, c) for c in counts}}
            for r, z in zip(assumed.itertuples(index=False), zone_of_points(lon, lat))
        ])
    return pd.concat([existing_stations(), extra], ignore_index=True)


def build_infrastructure(agents: Agents, *, sample: float, zone_ids: np.ndarray, time_min: np.ndarray,
                         public: pd.DataFrame | None = None) -> Infrastructure:
    """Resources for the public stations (``public``: a full station table, default
    :func:`station_inventory`) and the agents' depots, with each zone's nearest candidates per
    family."""
    public = station_inventory() if public is None else public
    depots = _depot_stations(agents, zone_ids)
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

    k = int(sim_constants()["candidate_stations"])
    nearest = {}
    is_depot = stations["source"].to_numpy()[res_station] == "depot (modelled)"
    for family, kinds in FAMILIES.items():
        members = np.flatnonzero(np.isin(res_equipment, kinds) & ~is_depot)
        table = np.full((len(zone_ids), k), -1, dtype=np.int64)
        if len(members):
            order = np.argsort(time_min[:, res_zone[members]], axis=1, kind="stable")[:, :k]
            table[:, : order.shape[1]] = members[order]
        nearest[family] = table
    depot_resource = np.full(len(agents.depots), -1, dtype=np.int64)
    depot_ids = stations["station_id"].to_numpy()[res_station]
    for r in np.flatnonzero(is_depot):
        depot_resource[int(depot_ids[r].rsplit("-", 1)[1])] = r
    return Infrastructure(stations, res_station, res_equipment, res_zone, res_count, capacity, rate,
                          nearest, depot_resource)
