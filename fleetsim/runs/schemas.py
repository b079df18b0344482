"""The schema of every results table: column, Arrow type, unit and meaning.

This module is the written-down schema; the writer refuses a table that does not match it.
``fleetsim tables`` prints it as Markdown.
"""
from __future__ import annotations

import pyarrow as pa

__all__ = ["TABLES", "OPTIONAL_TABLES", "arrow_schema", "markdown"]

_I, _F, _S, _B = pa.int64(), pa.float64(), pa.string(), pa.bool_()

_EQUIPMENT_COUNTS = [
    ("ac_7kw", _I, "piles", "AC 7 kW chargers"),
    ("dc_60kw", _I, "piles", "DC 60 kW chargers"),
    ("dc_120kw", _I, "piles", "DC 120 kW chargers"),
    ("dc_480kw", _I, "piles", "DC 480 kW ultra-fast chargers"),
    ("depot_dc_120kw", _I, "piles", "DC 120 kW depot chargers"),
    ("lng_dispenser", _I, "dispensers", "LNG dispensers"),
    ("h2_dispenser", _I, "dispensers", "hydrogen dispensers"),
    ("swap_bay", _I, "bays", "battery-swap bays"),
]

#: name -> (description, [(column, arrow type, unit, meaning), ...])
TABLES: dict[str, tuple[str, list[tuple[str, pa.DataType, str, str]]]] = {
    "zones": (
        "the 491 traffic zones of the network, one row each",
        [
            ("zone_id", _I, "", "traffic zone id (TAZ id of the source)"),
            ("lon", _F, "deg", "centroid longitude (source datum, see network.stations)"),
            ("lat", _F, "deg", "centroid latitude"),
            ("area_km2", _F, "km2", "zone area"),
            ("road_length_km", _F, "km", "road length inside the zone, as given by the source"),
            ("district", _S, "", "district the centroid lies in"),
            ("core", _B, "", "true in Futian, Luohu and Nanshan (core speed applies)"),
            ("population", _I, "persons", "estimated residents (district population by road length)"),
            ("centroid_repaired", _B, "", "true when the source centroid was missing"),
            ("degree", _I, "links", "number of neighbouring zones in the graph"),
            ("mean_time_min", _F, "min", "mean shortest travel time to every other zone"),
        ],
    ),
    "stations": (
        "energy stations of the run: existing chargers, assumed or planned sites, modelled depots",
        [
            ("station_id", _S, "", "station id, prefixed by its source"),
            ("source", _S, "", "data source"),
            ("zone_id", _I, "", "traffic zone holding the station"),
            ("lon", _F, "deg", "longitude (source datum)"),
            ("lat", _F, "deg", "latitude (source datum)"),
            ("kind", _S, "", "charging, swapping, lng, h2, integrated (2+ supplies) or none"),
            *_EQUIPMENT_COUNTS,
        ],
    ),
    "stock": (
        "vehicle stock by year, segment and powertrain (end of year)",
        [
            ("year", _I, "", "calendar year"),
            ("segment", _S, "", "vehicle segment"),
            ("powertrain", _S, "", "BEV, PHEV, LNG, FCEV or ICE"),
            ("vehicles", _I, "vehicles", "stock at the end of the year"),
            ("new_vehicles", _I, "vehicles", "registered during the year"),
            ("retired", _I, "vehicles", "retired during the year (stock = last year + new - retired)"),
        ],
    ),
    "energy_by_year": (
        "yearly energy use and CO2 by segment, powertrain and carrier",
        [
            ("year", _I, "", "calendar year"),
            ("segment", _S, "", "vehicle segment"),
            ("powertrain", _S, "", "powertrain"),
            ("carrier", _S, "", "electricity, petrol, diesel, lng or hydrogen"),
            ("vehicle_km", _F, "km", "distance driven on this carrier by the fleet in service in the year"),
            ("energy", _F, "see unit", "energy in the carrier's own unit"),
            ("unit", _S, "", "unit of energy (GWh, ML, t)"),
            ("final_energy_gwh", _F, "GWh", "energy at the lower heating value"),
            ("ttw_co2_t", _F, "t", "tank-to-wheel CO2"),
            ("wtw_co2_t", _F, "t", "well-to-wheel CO2"),
        ],
    ),
    "targets": (
        "every target of the plan with the modelled value where the model computes it",
        [
            ("target_id", _S, "", "target id (targets.csv)"),
            ("year", _I, "", "target year"),
            ("metric", _S, "", "what is measured"),
            ("target_value", _F, "see targets.csv", "the plan's figure"),
            ("modelled_value", _F, "same", "the run's figure; empty when not modelled"),
            ("unit", _S, "", "unit of the target and modelled values (targets.csv)"),
            ("bound", _S, "", "about (within 5% of the target) or at_least (>= the target)"),
            ("verdict", _S, "", "short, within or exceeded (demand.target_verdict); empty when not modelled"),
            ("direction", _S, "", "above, below or on: the side of the target the modelled value lies on"),
            ("gap", _F, "same", "modelled - target, in the target's unit"),
            ("gap_pct", _F, "%", "gap over the target value"),
            ("met", pa.bool_(), "", "within, or exceeded for an at_least target; empty when not modelled"),
            ("seed_wording", _S, "", "the plan's own wording of the target (Chinese)"),
        ],
    ),
    "sessions": (
        "every charging, refuelling and swap session of the simulated day",
        [
            ("vehicle", _I, "", "agent index (vehicles table)"),
            ("segment", _S, "", "vehicle segment"),
            ("powertrain", _S, "", "powertrain"),
            ("station_id", _S, "", "station (stations table), or 'home' for a private pile"),
            ("equipment", _S, "", "equipment type used"),
            ("zone_id", _I, "", "zone of the station (home zone for home sessions)"),
            ("origin_zone_id", _I, "", "zone where the vehicle decided to seek energy"),
            ("arrive_min", _F, "min", "arrival, minutes since midnight (0-1440: the day is periodic)"),
            ("start_min", _F, "min", "start of service (may pass 1440: the next morning)"),
            ("charge_start_min", _F, "min", "energy starts to flow (after handling; later for a valley timer)"),
            ("charge_end_min", _F, "min", "energy stops flowing"),
            ("end_min", _F, "min", "end of service (the vehicle leaves the pile)"),
            ("wait_min", _F, "min", "queueing time"),
            ("energy", _F, "see unit", "energy delivered"),
            ("unit", _S, "", "kWh or kg"),
            ("weight", _I, "vehicles", "vehicles the agent stands for"),
        ],
    ),
    "load": (
        "15-minute energy demand by zone, carrier and segment, city totals (weighted)",
        [
            ("time_min", _I, "min", "start of the 15-minute slot"),
            ("zone_id", _I, "", "zone"),
            ("carrier", _S, "", "electricity, lng or h2"),
            ("segment", _S, "", "vehicle segment"),
            ("value", _F, "see unit", "mean power (kW) or flow (kg/h) over the slot"),
            ("unit", _S, "", "kW or kg/h"),
        ],
    ),
    "flexibility": (
        "charging power and the part of it that could be deferred, per 15-minute slot",
        [
            ("time_min", _I, "min", "start of the 15-minute slot"),
            ("segment", _S, "", "vehicle segment"),
            ("charger", _S, "", "public, depot or home"),
            ("charging_kw", _F, "kW", "mean charging power of the slot"),
            ("flexible_kw", _F, "kW", "part of it from sessions that stay plugged in at least 15 min "
             "longer than they need"),
        ],
    ),
    "vpp": (
        "what EV charging can give the virtual power plant, per hour and charger class",
        [
            ("hour", _I, "h", "hour of the day"),
            ("charger", _S, "", "public, depot or home"),
            ("in_window", _B, "", "inside a dispatch window (data/params/vpp.csv)"),
            ("charging_mw", _F, "MW", "mean charging power of the hour"),
            ("deferrable_mw", _F, "MW", "part of it from sessions that could pause and still finish"),
            ("enrolled_share", _F, "fraction", "share of that power behind an enrolled VPP operator"),
            ("dispatchable_mw", _F, "MW", "deferrable x enrolled x event response, in dispatch windows only"),
        ],
    ),
    "unserved": (
        "energy demand that found no station: turned away by queues or out of reach (weighted)",
        [
            ("zone_id", _I, "", "zone where the need arose"),
            ("family", _S, "", "station family sought (dc_public, ac_public, truck_dc, lng, h2, swap)"),
            ("reason", _S, "", "turned_away (every candidate full) or out_of_reach"),
            ("vehicles", _I, "vehicles", "vehicles that went without"),
            ("energy", _F, "see unit", "energy they wanted"),
            ("unit", _S, "", "kWh or kg"),
        ],
    ),
    "station_use": (
        "use of every simulated resource (station x equipment type)",
        [
            ("station_id", _S, "", "station"),
            ("equipment", _S, "", "equipment type"),
            ("zone_id", _I, "", "zone"),
            ("units", _I, "", "real piles, dispensers or bays"),
            ("sim_units", _I, "", "servers in the simulation (scaled by the sample)"),
            ("utilisation", _F, "fraction", "occupied share of the real units' day (weighted sessions)"),
            ("wait_mean_min", _F, "min", "mean wait (full-scale estimate in a sampled run)"),
            ("wait_p50_min", _F, "min", "median wait of sessions served (empty in a sampled run)"),
            ("wait_p95_min", _F, "min", "95th-percentile wait (full-scale estimate in a sampled run)"),
            ("served_agents", _I, "agents", "sessions served in the simulation"),
            ("served_vehicles", _I, "vehicles", "sessions served, weighted"),
            ("balked_vehicles", _I, "vehicles", "arrivals that drove on because of the queue, weighted"),
            ("reneged_vehicles", _I, "vehicles", "drivers who left the queue after waiting too long, weighted"),
            ("max_queue", _I, "agents", "longest queue seen"),
        ],
    ),
    "vehicles": (
        "every simulated agent's day",
        [
            ("vehicle", _I, "", "agent index"),
            ("segment", _S, "", "vehicle segment"),
            ("powertrain", _S, "", "powertrain"),
            ("weight", _I, "vehicles", "vehicles the agent stands for"),
            ("base_zone_id", _I, "", "home or depot zone"),
            ("km", _F, "km", "distance driven"),
            ("energy_used", _F, "see unit", "battery energy (kWh) or gas (kg) used"),
            ("energy_charged", _F, "see unit", "energy taken on"),
            ("start_level", _F, "see unit", "energy in store at the first departure"),
            ("end_level", _F, "see unit", "energy in store at the end (start + charged - used)"),
            ("unit", _S, "", "kWh or kg"),
            ("petrol_l", _F, "L", "petrol used by a PHEV with an empty battery"),
            ("stranded", _B, "", "ran out of reach of any suitable station"),
            ("stopped", _B, "", "stopped driving after being turned away by full stations"),
        ],
    ),
    "siting": (
        "new public sites of the station plan, one row per site and phase year",
        [
            ("site", _S, "", "site id (plan-<zone>)"),
            ("zone_id", _I, "", "zone"),
            ("lon", _F, "deg", "longitude (zone centroid)"),
            ("lat", _F, "deg", "latitude (zone centroid)"),
            ("kind", _S, "", "charging, swapping, lng, h2 or integrated (2+ supplies)"),
            *_EQUIPMENT_COUNTS,
            ("capex_cny", _F, "CNY", "capital cost of the units (and the site, when new)"),
            ("year_built", _I, "", "phase year"),
            ("arrivals_per_day", _F, "sessions", "daily arrivals assigned by the plan"),
            ("expected_utilisation", _F, "fraction", "busiest-hour load over units (Erlang C sizing)"),
            ("expected_wait_p95_min", _F, "min", "95th-percentile wait by Erlang C"),
        ],
    ),
    "energy_by_daytype": (
        "charging electricity of each day type of the year, by meter scope",
        [
            ("day_type", _S, "", "day type (data/params/day_types.csv)"),
            ("days_per_year", _I, "days", "days of that type in a year"),
            ("sample", _F, "fraction", "fraction of the fleet simulated for it"),
            ("scope", _S, "", "grid_metered (public, depot and swap stations) or home (private piles)"),
            ("energy_gwh_day", _F, "GWh", "one such day's electricity, by the fleet in service in its months"),
            ("energy_gwh_year", _F, "GWh", "times the days of that type"),
        ],
    ),
    "calibration": (
        "the simulated day against what Shenzhen observes",
        [
            ("quantity", _S, "", "what is compared"),
            ("scope", _S, "", "what the observation covers"),
            ("reported", _F, "see unit", "observed value"),
            ("modelled", _F, "see unit", "the model's value on the same scope"),
            ("unit", _S, "", "unit"),
            ("error", _F, "fraction", "(modelled - reported) / reported; 0 within an upper bound"),
            ("source", _S, "", "where the observation comes from"),
        ],
    ),
    "figures": (
        "the run's headline figures for its year",
        [
            ("figure", _S, "", "figure name (see szplan.fleetsim.runs.run.key_figures)"),
            ("year", _I, "", "scenario year"),
            ("value", _F, "see unit", "value"),
            ("unit", _S, "", "unit"),
        ],
    ),
    "co2_daily": (
        "CO2 of the simulated day by segment and powertrain (weighted)",
        [
            ("segment", _S, "", "vehicle segment"),
            ("powertrain", _S, "", "powertrain"),
            ("ttw_co2_t", _F, "t", "tank-to-wheel CO2"),
            ("wtw_co2_t", _F, "t", "well-to-wheel CO2 (grid factor of the year)"),
        ],
    ),
}


#: Tables only some runs write: ``siting`` comes from ``fleetsim site``.
OPTIONAL_TABLES = frozenset({"siting"})


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of table ``name``, units kept as field metadata."""
    _, columns = TABLES[name]
    return pa.schema(
        [pa.field(col, typ, metadata={"unit": unit, "description": text}) for col, typ, unit, text in columns]
    )


def markdown() -> str:
    """Every schema as Markdown, for the README."""
    parts = []
    for name, (text, columns) in TABLES.items():
        parts.append(f"### `{name}.parquet`: {text}\n\n| column | type | unit | meaning |\n|---|---|---|---|")
        parts += [f"| `{c}` | {t} | {u} | {d} |" for c, t, u, d in columns]
        parts.append("")
    return "\n".join(parts)
