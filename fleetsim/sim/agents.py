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
``duty_cycles.csv``) shifted together by a random start offset. A vehicle's day runs from its
first departure to the same time the next day, so a night shift that runs past midnight is one
block (a taxi's night shift ends at 28.5 h on the day clock) and nothing is cut at midnight.

Activity: not every vehicle drives every day. On a day type, each agent drives with the
segment's activity share (``activity.csv``); a driving vehicle covers the segment's annual km
over its active days (lognormal around that mean), so the year's km is the stock model's own
figure whatever the day type.

Every random number an agent needs during the day (where it is when it seeks energy, whether it
answers time-of-use prices, the spread of its timer) is drawn here, up front, so the day does
not depend on the order in which events happen.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from szplan.demand import StockParams, load_vehicle_params
from szplan.network import NetworkParams, load_zones, travel_matrices
from szplan.network.stations import freight_sites, zone_of_points

from .daytypes import DayType, activity_share, annual_active_days
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
    """One entry per agent; a store quantity is in the agent's ``store_unit`` (kWh or kg)."""

    segment: np.ndarray          # str
    powertrain: np.ndarray       # str
    weight: np.ndarray           # int64, vehicles each agent stands for
    base_zone: np.ndarray        # zone index (into the travel matrices)
    work_zone: np.ndarray        # zone index of the work place (commuters), else base zone
    depot: np.ndarray            # depot index, -1 when none
    daily_km: np.ndarray
    store_capacity: np.ndarray   # usable store, in store_unit: battery kWh (BEV, PHEV), tank kg (LNG, FCEV)
    store_per_km: np.ndarray     # store_unit per km (electric kWh/km, LNG or hydrogen kg/km), weather included
    petrol_l_per_km: np.ndarray  # PHEV petrol in fuel mode, else 0
    start_store: np.ndarray      # store_unit in store at the first departure
    home_charger: np.ndarray     # bool
    blocks: np.ndarray           # (n, MAX_BLOCKS, 2) start/end minute; NaN where absent
    active: np.ndarray           # bool, drives on the simulated day
    responsive: np.ndarray       # bool, moves charging into the valley when the dwell allows
    ac_user: np.ndarray          # bool, a car without a home pile that charges at public AC piles
    roam_zone: np.ndarray        # (n, MAX_BLOCKS) zone index where the vehicle is if it seeks energy
    timer_u: np.ndarray          # uniform draw in [0, 1): where in the timer spread a valley charge starts
    depots: list[Depot] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def store_unit(self) -> np.ndarray:
        """Unit of each agent's store: ``kWh`` for batteries, ``kg`` for LNG and hydrogen tanks."""
        return np.where(np.isin(self.powertrain, ("LNG", "FCEV")), "kg", "kWh")

    @functools.cached_property
    def _segment_codes(self) -> tuple[np.ndarray, list[str]]:
        codes, names = pd.factorize(self.segment)
        return codes, list(names)

    def per_segment(self, values: dict[str, float]) -> np.ndarray:
        """``values[segment]`` for every agent (NaN where a segment has none); through integer
        codes, as string look-ups on millions of agents take seconds."""
        codes, names = self._segment_codes
        table = np.array([values.get(name, np.nan) for name in names] + [np.nan], dtype=float)
        return table[codes]

    def of_segment(self, *names: str) -> np.ndarray:
        """True for agents of one of the segments ``names``."""
        codes, known = self._segment_codes
        return np.isin(codes, [k for k, name in enumerate(known) if name in names])

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
        blocks[:, k, 1] = np.maximum(end * 60 + offset, blocks[:, k, 0] + 1)
    # the day ends where the next one begins
    blocks[:, :, 1] = np.minimum(blocks[:, :, 1], blocks[:, :1, 0] + 1439.0)
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


def draw_agents(fleet: pd.DataFrame, *, sample: float, day: DayType, stock: StockParams,
                network: NetworkParams, rng: np.random.Generator, response: dict[str, float]) -> Agents:
    """Agents for ``fleet`` (``segment, powertrain, vehicles`` of the scenario year) on ``day``.

    Only the powertrains in :data:`SIM_POWERTRAINS` become agents. Annual km and home-charging
    access come from the scenario's stock parameters, so the simulated day and the stock
    model's yearly energy rest on the same figures. ``response`` is the share of each segment's
    drivers who answer time-of-use prices (:func:`szplan.fleetsim.sim.tariff.response_shares`).
    """
    zone_ids, time_min, _ = travel_matrices(network)
    zone_index = {int(z): k for k, z in enumerate(zone_ids)}
    zones = load_zones().set_index("zone_id").loc[zone_ids]
    population = zones["population"].to_numpy(float)
    attraction = zones["road_length_km"].clip(lower=0.1).to_numpy(float)
    vehicles = load_vehicle_params()
    beta = sim_constants()["commute_beta_per_min"]
    work_choice = gravity(attraction, time_min, beta)
    heat = day.energy_factor()
    roam_choice = work_choice  # drivers needing energy are where the roads are

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
        spec = dict(zip(spec["parameter"], spec["value"].astype(float), strict=True))
        if seg in depot_of_segment:
            depot = rng.choice(depot_of_segment[seg], n)
            base = np.array([depots[d].zone for d in depot], dtype=np.int64)
        else:
            depot = np.full(n, -1, dtype=np.int64)
            base = rng.choice(len(zone_ids), n, p=population / population.sum())
        work = _draw_rows(work_choice, base, rng) if seg in COMMUTE_SEGMENTS else base.copy()
        mean_km = stock.segment_params(seg).annual_km / annual_active_days(seg)
        cv = duty["km_cv"]
        sigma = np.sqrt(np.log(1 + cv**2))
        active = rng.random(n) < activity_share(seg, day.weekday)
        km = np.where(active, mean_km * np.exp(rng.normal(-sigma**2 / 2, sigma, n)), 0.0)
        capacity = np.full(n, spec["capacity"])
        per_km = np.full(n, spec["energy_per_km"] * (heat if pt in ("BEV", "PHEV") else 1.0))
        home = (rng.random(n) < stock.home_charging_access_share) if seg == "private_car" and pt in ("BEV", "PHEV") \
            else np.zeros(n, dtype=bool)
        at_depot = seg in depot_of_segment and pt in ("BEV", "PHEV") and duty.get("depot_chargers_per_vehicle", 0) > 0
        start = capacity * _start_soc(duty, pt, home | at_depot, rng)
        blocks = _blocks(seg, n, rng)
        no_home_bev = (seg == "private_car") & (pt == "BEV") & ~home
        ac_user = no_home_bev & (rng.random(n) < duty.get("public_ac_user_share", 0.0))
        share = np.where(home, response.get("private_car_home", 0.0), response.get(seg, 0.0))
        responsive = rng.random(n) < share
        roam = np.stack([_draw_rows(roam_choice, base, rng) for _ in range(MAX_BLOCKS)], axis=1)
        timer_u = rng.random(n)
        if seg in COMMUTE_SEGMENTS:
            # a commute leg lasts at least the network's travel time home -> work
            leg = time_min[base, work]
            for k in (0, 1):
                blocks[:, k, 1] = np.minimum(np.maximum(blocks[:, k, 1], blocks[:, k, 0] + leg), 1439.0)
        parts.append(dict(
            segment=np.full(n, seg, dtype=object), powertrain=np.full(n, pt, dtype=object), weight=weights,
            base_zone=base, work_zone=work, depot=depot, daily_km=km, store_capacity=capacity,
            store_per_km=per_km, petrol_l_per_km=np.full(n, spec.get("fuel_per_km", 0.0)), start_store=start,
            home_charger=home,
            blocks=blocks, active=active, responsive=responsive, ac_user=ac_user, roam_zone=roam, timer_u=timer_u,
        ))
    arrays = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]} if parts else {}
    return Agents(**arrays, depots=depots)
