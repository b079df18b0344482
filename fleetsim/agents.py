"""Vehicle agents of a scenario year: who they are, where they are based, and their day plan.

Agents are held as arrays (one entry per agent), not objects, so two million of them fit in a
few hundred MB and are built in seconds.

Sampling: a segment × powertrain group of ``N`` vehicles gets ``n = max(1, round(N * sample))``
agents whose integer weights add up to exactly ``N``.

Where vehicles are based, and why:

* private cars, taxis and ride-hailing cars live where people live: home zones are drawn in
  proportion to zone population (``network.load_zones``);
* official cars, buses, light logistics, sanitation and waste-transfer trucks are based at depots,
  placed by population too, because these fleets serve residents (a bus depot per district's
  riders, a sanitation depot per district's streets); the depot count is the fleet over
  ``vehicles_per_depot`` (``duty_cycles.csv``);
* heavy trucks are based at logistics parks and ports, port yard tractors at ports
  (``freight_sites.csv``), weighted by each site's relative attraction.

Day plan: up to three driving blocks (``blockK_start_h``/``blockK_end_h`` in
``duty_cycles.csv``) shifted together by a random start offset. The day's km is lognormal around
the segment's annual km / 365 (the stock model's own figure) and is spread over the blocks in
proportion to their length, so energy use between decisions is linear in time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demand import StockParams, load_vehicle_params
from network import NetworkParams, load_zones, travel_matrices
from network.stations import freight_sites, zone_of_points

from .charging import temperature_factor
from .params import SIM_POWERTRAINS, duty_params, sim_constants

__all__ = ["Agents", "Depot", "draw_agents", "gravity", "integer_weights", "MAX_BLOCKS"]

MAX_BLOCKS = 3
DEPOT_SEGMENTS = ("official_car", "bus", "light_logistics", "sanitation", "waste_transfer", "heavy_truck",
                  "port_tractor")
COMMUTE_SEGMENTS = ("private_car", "official_car")


@dataclass(frozen=True)
class Depot:
    """A fleet depot: its segment and zone index."""

    segment: str
    zone: int


@dataclass
class Agents:
    """One entry per agent; energy quantities are kWh for batteries and kg for LNG/H2 tanks."""

    segment: np.ndarray          # str
    powertrain: np.ndarray       # str
    weight: np.ndarray           # int64, vehicles each agent stands for
    base_zone: np.ndarray        # zone index (into the travel matrices)
    work_zone: np.ndarray        # zone index of the work place (commuters), else base zone
    depot: np.ndarray            # depot index, -1 when none
    daily_km: np.ndarray
    capacity: np.ndarray         # usable battery kWh (BEV, PHEV) or tank kg (LNG, FCEV)
    per_km: np.ndarray           # kWh/km (BEV, PHEV electric) or kg/km, weather included
    fuel_per_km: np.ndarray      # PHEV petrol L/km in fuel mode, else 0
    start_level: np.ndarray      # energy in store at minute 0
    home_charger: np.ndarray     # bool
    blocks: np.ndarray           # (n, MAX_BLOCKS, 2) start/end minute; NaN where absent
    depots: list[Depot] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.weight)

    def block_km(self) -> np.ndarray:
        """Km of each block, (n, MAX_BLOCKS), 0 where absent."""
        dur = np.nan_to_num(self.blocks[:, :, 1] - self.blocks[:, :, 0])
        return self.daily_km[:, None] * dur / dur.sum(axis=1, keepdims=True)


def integer_weights(vehicles: int, sample: float) -> np.ndarray:
    """Weights of the agents standing for ``vehicles``: whole numbers adding up to it exactly."""
    if vehicles <= 0:
        return np.zeros(0, dtype=np.int64)
    n = max(1, int(round(vehicles * sample)))
    weights = np.full(n, vehicles // n, dtype=np.int64)
    weights[: vehicles % n] += 1
    return weights


def gravity(attraction: np.ndarray, time_min: np.ndarray, beta: float) -> np.ndarray:
    """Row-stochastic choice matrix: from zone i, zone j with weight attraction_j exp(-beta t_ij)."""
    p = attraction[None, :] * np.exp(-beta * time_min)
    return p / p.sum(axis=1, keepdims=True)


def _draw_rows(prob_rows: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each entry of ``rows`` draw a column with the probabilities of that row."""
    cdf = np.cumsum(prob_rows, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    for chunk in np.split(order, np.flatnonzero(np.diff(rows[order])) + 1):
        if len(chunk):
            out[chunk] = np.searchsorted(cdf[rows[chunk[0]]], u[chunk], side="right")
    return out


def _site_zones(kinds: tuple[str, ...], zone_index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    sites = freight_sites()
    sites = sites[sites["kind"].isin(kinds)]
    zones = zone_of_points(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    return np.array([zone_index[z] for z in zones]), sites["weight"].to_numpy(float)


def _blocks(segment: str, n: int, rng: np.random.Generator) -> np.ndarray:
    duty = duty_params()[segment]
    blocks = np.full((n, MAX_BLOCKS, 2), np.nan)
    offset = rng.normal(0.0, duty["start_sd_min"], n)
    for k in range(MAX_BLOCKS):
        start, end = duty.get(f"block{k + 1}_start_h"), duty.get(f"block{k + 1}_end_h")
        if start is None:
            continue
        # the first block of a round-the-clock duty starts at midnight and is not shifted
        shift = 0.0 if start == 0.0 else offset
        blocks[:, k, 0] = np.clip(start * 60 + shift, 0, 1439)
        blocks[:, k, 1] = np.clip(end * 60 + offset, blocks[:, k, 0] + 1, 1440 if end >= 24 else 1439)
    return blocks


def _start_soc(duty: dict, powertrain: str, plugs_in: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Morning state of charge, spread over the cycle the vehicle's charging habit makes.

    A driver who refills at ``low`` up to ``high`` is found anywhere in between on a given morning
    (uniform, the steady state of a steady drain): vehicles that plug in at home or at the depot
    cycle between ``base_charge_below_soc`` and full; public-only vehicles between the seek level
    and the charge target (full for a tank). PHEVs that never plug in are taken to run on petrol:
    their battery starts empty.
    """
    low = np.where(plugs_in, duty.get("base_charge_below_soc", 0.0), duty["seek_energy_soc"])
    high = np.where(plugs_in, 1.0, 1.0 if powertrain in ("LNG", "FCEV") else duty["charge_to_soc"])
    soc = low + (high - low) * rng.random(len(plugs_in))
    return np.where(plugs_in | (powertrain != "PHEV"), soc, 0.0)


def draw_agents(fleet: pd.DataFrame, *, sample: float, month: int, stock: StockParams,
                network: NetworkParams, rng: np.random.Generator) -> Agents:
    """Agents for ``fleet`` (``segment, powertrain, vehicles`` of the scenario year).

    Only the powertrains in :data:`SIM_POWERTRAINS` become agents. Annual km and home-charging
    access come from the scenario's stock parameters, so the simulated day and the stock
    model's yearly energy rest on the same figures.
    """
    zone_ids, time_min, _ = travel_matrices(network)
    zone_index = {int(z): k for k, z in enumerate(zone_ids)}
    zones = load_zones().set_index("zone_id").loc[zone_ids]
    population = zones["population"].to_numpy(float)
    attraction = zones["road_length_km"].clip(lower=0.1).to_numpy(float)
    vehicles = load_vehicle_params()
    beta = sim_constants()["commute_beta_per_min"]
    work_choice = gravity(attraction, time_min, beta)
    heat = temperature_factor(month)

    fleet = fleet[fleet["powertrain"].isin(SIM_POWERTRAINS) & (fleet["vehicles"] > 0)]
    fleet = fleet.sort_values(["segment", "powertrain"], kind="stable")
    depots: list[Depot] = []
    depot_of_segment: dict[str, np.ndarray] = {}
    for segment in sorted(set(fleet["segment"]) & set(DEPOT_SEGMENTS)):
        total = int(fleet.loc[fleet["segment"] == segment, "vehicles"].sum())
        count = max(1, int(np.ceil(total / duty_params()[segment]["vehicles_per_depot"])))
        if segment == "heavy_truck":
            site_zone, site_w = _site_zones(("port", "logistics"), zone_index)
            chosen = site_zone[rng.choice(len(site_zone), count, p=site_w / site_w.sum())]
        elif segment == "port_tractor":
            site_zone, site_w = _site_zones(("port",), zone_index)
            chosen = site_zone[rng.choice(len(site_zone), count, p=site_w / site_w.sum())]
        else:
            chosen = rng.choice(len(zone_ids), count, p=population / population.sum())
        depot_of_segment[segment] = np.arange(len(depots), len(depots) + count)
        depots += [Depot(segment, int(z)) for z in chosen]

    parts = []
    for row in fleet.itertuples(index=False):
        seg, pt = row.segment, row.powertrain
        weights = integer_weights(int(row.vehicles), sample)
        n = len(weights)
        duty = duty_params()[seg]
        spec = vehicles[(vehicles["segment"] == seg) & (vehicles["powertrain"] == pt)]
        spec = dict(zip(spec["parameter"], spec["value"].astype(float)))
        if seg in depot_of_segment:
            depot = rng.choice(depot_of_segment[seg], n)
            base = np.array([depots[d].zone for d in depot], dtype=np.int64)
        else:
            depot = np.full(n, -1, dtype=np.int64)
            base = rng.choice(len(zone_ids), n, p=population / population.sum())
        work = _draw_rows(work_choice, base, rng) if seg in COMMUTE_SEGMENTS else base.copy()
        mean_km = stock.segment_params(seg).annual_km / 365.0
        cv = duty["km_cv"]
        sigma = np.sqrt(np.log(1 + cv**2))
        km = mean_km * np.exp(rng.normal(-sigma**2 / 2, sigma, n))
        capacity = np.full(n, spec["capacity"])
        per_km = np.full(n, spec["energy_per_km"] * (heat if pt in ("BEV", "PHEV") else 1.0))
        home = (rng.random(n) < stock.home_charging_access_share) if seg == "private_car" and pt in ("BEV", "PHEV") \
            else np.zeros(n, dtype=bool)
        at_depot = seg in depot_of_segment and pt in ("BEV", "PHEV") and duty.get("depot_chargers_per_vehicle", 0) > 0
        start = capacity * _start_soc(duty, pt, home | at_depot, rng)
        blocks = _blocks(seg, n, rng)
        if seg in COMMUTE_SEGMENTS:
            # a commute leg lasts at least the network's travel time home -> work
            leg = time_min[base, work]
            for k in (0, 1):
                blocks[:, k, 1] = np.minimum(np.maximum(blocks[:, k, 1], blocks[:, k, 0] + leg), 1439.0)
        parts.append(dict(
            segment=np.full(n, seg, dtype=object), powertrain=np.full(n, pt, dtype=object), weight=weights,
            base_zone=base, work_zone=work, depot=depot, daily_km=km, capacity=capacity, per_km=per_km,
            fuel_per_km=np.full(n, spec.get("fuel_per_km", 0.0)), start_level=start, home_charger=home,
            blocks=blocks,
        ))
    arrays = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]} if parts else {}
    return Agents(**arrays, depots=depots)
