"""The public charging network of any year 2022-2035, grown from the observed stations.

The shipped station data (ST-EVCDP, 2022) is a sample: 1,706 stations and 22,872 piles, where
the city reported 125,000 public piles at the end of 2021 and 10,956 charging stations in mid-2024.
:func:`stations_of_year` keeps the sample's geography and grows it to the city's totals of that
year, read from ``data/params/infrastructure_growth.csv``: public AC piles (7 kW), public DC piles
by class (60 kW for the 2022 stock, 120 kW for DC built later, 480 kW-class liquid-cooled
superchargers) and the reported number of supercharging stations.

How growth lands
----------------
* **Existing stations are kept as observed.** Every ST-EVCDP station is in every year with its
  own piles; growth only adds stations, so no pile is ever removed between years.
* **New AC and DC piles go to zones** in proportion to a weight: ``existing_weight`` × the zone's
  share of the sample's piles of the same kind (AC or DC) + the rest × its share of residents.
  The sample shows where operators have built and found demand; residents carry the demand of
  the outer districts that the app-based sample covers thinly (its stations lie in 275 of the
  491 zones). Each year's addition is apportioned to zones by largest remainder, so the totals
  are exact integers, and cut into stations of the sample's mean size (13.4 piles) at the zone
  centroid, because the city's stations are many and small (10,956 in 2024), not a few large.
* **Supercharging stations are new stations** holding ``dc_480kw_per_supercharging_station``
  480 kW piles each, placed by the DC weight: the city built them at commercial complexes,
  bus depots and industrial parks, where the sample's DC piles already are.

The LNG, hydrogen and swap sites are not in the public charging data; :func:`assumed_sites`
returns the assumed sites of ``data/params/assumed_stations.csv`` with dispenser counts scaled to
a given LNG or fuel-cell fleet (a constant number of vehicles per dispenser, never below the
assumed base).

Everything is deterministic (no random numbers) and cached per year.
"""
from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pandas as pd

from szplan.data.tables import read_params

from .errors import NetworkError
from .roads import load_zones
from .stations import equipment_names, existing_stations, new_station_table, station_kind, zone_of_points

__all__ = ["FIRST_YEAR", "LAST_YEAR", "growth_path", "growth_params", "stations_of_year", "assumed_sites"]

log = logging.getLogger(__name__)

FIRST_YEAR, LAST_YEAR = 2022, 2035

#: path metric -> equipment column of the station table
_CLASS_OF_METRIC = {
    "public_ac_7kw": "ac_7kw",
    "public_dc_60kw": "dc_60kw",
    "public_dc_120kw": "dc_120kw",
    "public_dc_480kw": "dc_480kw",
}
_PATH_METRICS = [*_CLASS_OF_METRIC, "public_piles", "supercharging_stations"]


def _read_growth_file() -> pd.DataFrame:
    return read_params("infrastructure_growth.csv")


def growth_path() -> pd.DataFrame:
    """The path by year (index ``year`` 2022-2035, one integer column per metric; a new frame)."""
    return _growth_path().copy()


@lru_cache(maxsize=1)
def _growth_path() -> pd.DataFrame:
    return check_path(_read_growth_file())


def check_path(table: pd.DataFrame) -> pd.DataFrame:
    """The year rows of a growth table as a year x metric frame of whole counts.

    Raises :class:`NetworkError` when a year or metric is missing, a count is negative or not
    whole, a count falls from one year to the next, or the classes do not add up.
    """
    table = table[table["year"].notna()]
    wide = table.pivot(index="year", columns="metric", values="value")
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    if sorted(wide.index) != years:
        raise NetworkError(f"infrastructure_growth.csv: year: needs every year {FIRST_YEAR}-{LAST_YEAR}")
    absent = [m for m in _PATH_METRICS if m not in wide or wide[m].isna().any()]
    if absent:
        raise NetworkError(f"infrastructure_growth.csv: metric: {absent} missing for some year")
    wide = wide[_PATH_METRICS].loc[years]
    if (wide < 0).any().any() or (wide % 1 != 0).any().any():
        raise NetworkError("infrastructure_growth.csv: value: counts must be whole and >= 0")
    wide = wide.astype("int64")
    falling = [m for m in _PATH_METRICS if (wide[m].diff().dropna() < 0).any()]
    if falling:
        raise NetworkError(f"infrastructure_growth.csv: value: {falling} fall between years")
    if (wide[list(_CLASS_OF_METRIC)].sum(axis=1) != wide["public_piles"]).any():
        raise NetworkError("infrastructure_growth.csv: public_piles differs from the sum of its classes")
    wide.index.name = "year"
    return wide


def growth_params() -> dict[str, float]:
    """The scalar parameters of the growth rule (rows of the path file without a year; a new dict)."""
    table = _read_growth_file()
    scalars = table[table["year"].isna()]
    return dict(zip(scalars["metric"], scalars["value"].astype(float), strict=True))


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split a whole number in proportion to ``weights`` (largest remainder, ties to the first)."""
    if total == 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = weights / weights.sum() * total
    whole = np.floor(share).astype(np.int64)
    left = int(total - whole.sum())
    order = np.lexsort((np.arange(len(weights)), -(share - whole)))
    whole[order[:left]] += 1
    return whole


@lru_cache(maxsize=1)
def _zone_weights() -> dict[str, np.ndarray]:
    zones = load_zones()
    ids = zones["zone_id"].to_numpy()
    existing = existing_stations()
    w = growth_params()["existing_weight"]
    residents = zones["population"].to_numpy(dtype=float)
    residents = residents / residents.sum()
    weights = {}
    for kind, column in (("ac", "ac_7kw"), ("dc", "dc_60kw")):
        piles = existing.groupby("zone_id")[column].sum().reindex(ids, fill_value=0).to_numpy(dtype=float)
        weights[kind] = w * piles / piles.sum() + (1 - w) * residents
    weights["zone_id"] = ids
    weights["lon"], weights["lat"] = zones["lon"].to_numpy(), zones["lat"].to_numpy()
    return weights


def _rank_in_zone(per_zone: np.ndarray) -> np.ndarray:
    """0, 1, ... within each zone's run of ``per_zone[z]`` new stations."""
    return np.arange(per_zone.sum()) - np.repeat(np.cumsum(per_zone) - per_zone, per_zone)


def _numbered(prefix: str, year: int, per_zone: np.ndarray, zone_ids: np.ndarray) -> pd.DataFrame:
    """``per_zone[z]`` new stations in each zone, ids ``<prefix>-<year>-<zone id>-<k>``."""
    zone = np.repeat(np.arange(len(per_zone)), per_zone)
    ids = [f"{prefix}-{year}-{z}-{i}" for z, i in zip(zone_ids[zone], _rank_in_zone(per_zone), strict=True)]
    return pd.DataFrame({"station_id": ids, "zone": zone, "year_added": year})


def _cut(counts: dict[str, np.ndarray], parts: np.ndarray) -> dict[str, np.ndarray]:
    """Cut each zone's counts into ``parts[z]`` stations, as evenly as whole numbers allow."""
    k = _rank_in_zone(parts)
    safe = np.maximum(parts, 1)  # zones with no station drop out of the repeat anyway
    return {c: np.repeat(v // safe, parts) + (k < np.repeat(v % safe, parts)) for c, v in counts.items()}


@lru_cache(maxsize=1)
def _additions() -> pd.DataFrame:
    """Every station added to the ST-EVCDP sample, with the year it was added (``year_added``)."""
    path, params, zw = growth_path(), growth_params(), _zone_weights()
    base = existing_stations()
    size = params["piles_per_new_station"]
    per_sc = int(params["dc_480kw_per_supercharging_station"])
    if (path["public_dc_480kw"] != path["supercharging_stations"] * per_sc).any():
        raise NetworkError("infrastructure_growth.csv: public_dc_480kw must be "
                           "supercharging_stations x dc_480kw_per_supercharging_station")
    grown = ["public_ac_7kw", "public_dc_60kw", "public_dc_120kw", "supercharging_stations"]
    before = {m: int(base[_CLASS_OF_METRIC[m]].sum()) if m in _CLASS_OF_METRIC else 0 for m in grown}
    parts = []
    for year in path.index:
        delta = {m: int(path.at[year, m]) - before[m] for m in grown}
        if min(delta.values()) < 0:
            raise NetworkError(f"infrastructure_growth.csv: {year}: below the observed ST-EVCDP stations")
        before = {m: int(path.at[year, m]) for m in grown}
        by_zone = {
            "ac_7kw": _apportion(delta["public_ac_7kw"], zw["ac"]),
            "dc_60kw": _apportion(delta["public_dc_60kw"], zw["dc"]),
            "dc_120kw": _apportion(delta["public_dc_120kw"], zw["dc"]),
        }
        piles = sum(by_zone.values())
        n = np.where(piles > 0, np.maximum(1, np.rint(piles / size)), 0).astype(np.int64)
        parts.append(_numbered("growth", year, n, zw["zone_id"]).assign(**_cut(by_zone, n)))
        sc = _apportion(delta["supercharging_stations"], zw["dc"])
        parts.append(_numbered("supercharging", year, sc, zw["zone_id"]).assign(dc_480kw=per_sc))
    added = pd.concat(parts, ignore_index=True)
    zone = added.pop("zone").to_numpy()
    table = pd.DataFrame({
        "station_id": added["station_id"], "source": "grown to reported totals (infrastructure_growth.csv)",
        "zone_id": zw["zone_id"][zone].astype("int64"), "lon": zw["lon"][zone], "lat": zw["lat"][zone],
        **{c: added[c].fillna(0).astype("int64") if c in added else 0 for c in equipment_names()},
    })
    table.insert(5, "kind", station_kind(table))
    table["year_added"] = added["year_added"].to_numpy()
    return table


@lru_cache(maxsize=len(range(FIRST_YEAR, LAST_YEAR + 1)))
def _stations_of_year(year: int) -> pd.DataFrame:
    added = _additions()
    grown = added[added["year_added"] <= year].drop(columns="year_added")
    table = pd.concat([existing_stations(), grown], ignore_index=True)
    log.info("public stations of %d: %d stations, %d piles", year, len(table),
             int(table[list(_CLASS_OF_METRIC.values())].to_numpy().sum()))
    return table


def stations_of_year(year: int) -> pd.DataFrame:
    """The public charging stations of the end of ``year`` (2022-2035) as a station table.

    Every ST-EVCDP station is included with its observed piles; the stations added to reach the
    year's totals follow (ids ``growth-<year>-<zone>-<k>`` and ``supercharging-<year>-<zone>-<k>``).
    The equipment totals equal ``infrastructure_growth.csv`` for that year exactly. A copy is
    returned, so callers may change it.

    Raises
    ------
    ValueError
        ``year`` is not a whole year in 2022-2035.
    """
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise NetworkError(f"year: must be a whole year from {FIRST_YEAR} to {LAST_YEAR} (got {year!r})")
    return _stations_of_year(int(year)).copy()


def assumed_sites(*, lng_vehicles: float | None = None, fcev_vehicles: float | None = None,
                  swap_vehicles: float | None = None) -> pd.DataFrame:
    """The assumed LNG, hydrogen, swap and truck-charging sites, dispensers scaled to a fleet.

    Each LNG site's dispensers become ``max(assumed, ceil(assumed × lng_vehicles / base))``,
    where ``base`` is the fleet the assumed counts serve (assumed dispensers ×
    ``lng_vehicles_per_dispenser``); likewise for hydrogen with ``fcev_vehicles`` and for swap
    bays with ``swap_vehicles`` (battery yard tractors, ``swap_vehicles_per_bay``). ``None``
    keeps the assumed counts.
    """
    params = growth_params()
    sites = read_params("assumed_stations.csv")
    for column, name, fleet in (("lng_dispenser", "lng_vehicles", lng_vehicles),
                                ("h2_dispenser", "fcev_vehicles", fcev_vehicles),
                                ("swap_bay", "swap_vehicles", swap_vehicles)):
        if fleet is None:
            continue
        if isinstance(fleet, bool) or not isinstance(fleet, (int, float, np.number)) or not 0 <= fleet < np.inf:
            raise NetworkError(f"{name}: must be a number >= 0 (got {fleet!r})")
        per = params[f"{name}_per_dispenser" if column != "swap_bay" else f"{name}_per_bay"]
        assumed = sites[column].to_numpy()
        served = assumed.sum() * per
        scaled = np.ceil(assumed * fleet / served).astype(np.int64)
        sites[column] = np.maximum(assumed, scaled)
    counts = [c for c in sites.columns if c in _CLASS_OF_METRIC.values() or c.endswith(("dispenser", "bay"))]
    rows = sites[["station_id", "lon", "lat", *counts]].assign(source="assumed (assumed_stations.csv)")
    rows["zone_id"] = zone_of_points(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    return new_station_table(rows.to_dict("records"))
