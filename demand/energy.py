"""Yearly energy use and CO2 of the road fleet.

Activity is the fleet in service during the year times the segment's ``annual_km``
(``data/params/segments.csv``). The stock table holds each year's end; the fleet in service is
the mean of the year's end and the year before's (the stock grows evenly through the year), and
the first year of the table, with no year before it, counts its own stock. The year-end stock
alone would overstate a fleet growing by a quarter a year, as Shenzhen's NEVs do, by an eighth.
Energy per km and the PHEV split come from ``data/params/vehicles.csv``;
``energy_per_km`` is counted at the charger or pump, so charging losses are included.

Schema of :func:`energy_by_year` (tidy, one row per year × segment × powertrain × carrier):

==================  =====================================================================
``year``            int
``segment``         str
``powertrain``      ``BEV, PHEV, LNG, FCEV, ICE``
``carrier``         ``electricity, petrol, diesel, lng, hydrogen`` (a PHEV has an electricity
                    and a petrol row; an ICE segment may have petrol and diesel rows by its
                    ``ice_diesel_share``)
``vehicle_km``      float, vehicle-km driven on that carrier
``energy``          float, amount of the carrier in ``unit``
``unit``            ``GWh`` (electricity), ``ML`` (petrol, diesel: megalitres), ``t`` (LNG and
                    hydrogen: tonnes)
``final_energy_gwh`` float, energy content at the lower heating value (``fuels.csv``)
``ttw_co2_t``       float, tank-to-wheel CO2 in tonnes
``wtw_co2_t``       float, well-to-wheel CO2 in tonnes: tank-to-wheel plus well-to-tank;
                    electricity at the grid factor of the year (``grid_factor_path``),
                    hydrogen at its production route (``hydrogen_production_route``)
==================  =====================================================================
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DemandError
from .params import StockParams, fuel_params, load_vehicle_params

__all__ = ["ENERGY_COLUMNS", "CARRIER_UNITS", "grid_factor", "energy_by_year"]

ENERGY_COLUMNS = (
    "year",
    "segment",
    "powertrain",
    "carrier",
    "vehicle_km",
    "energy",
    "unit",
    "final_energy_gwh",
    "ttw_co2_t",
    "wtw_co2_t",
)
# carrier -> (unit of `energy`, base units per unit: kWh per GWh, L per ML, kg per t)
CARRIER_UNITS = {
    "electricity": ("GWh", 1e6),
    "petrol": ("ML", 1e6),
    "diesel": ("ML", 1e6),
    "lng": ("t", 1e3),
    "hydrogen": ("t", 1e3),
}
_PT_CARRIER = {"BEV": "electricity", "LNG": "lng", "FCEV": "hydrogen"}


def grid_factor(years, params: StockParams) -> np.ndarray:
    """Grid CO2 factor (kgCO2/kWh) for ``years``, linear between the path's years, held outside."""
    path = params.grid_factor_path
    xs = np.array(sorted(path), dtype=float)
    return np.interp(np.asarray(years, dtype=float), xs, [path[int(x)] for x in xs])


def _carrier_rows(params: StockParams, segments) -> pd.DataFrame:
    """Per segment × powertrain: carrier, share of the km, base units per km, annual km."""
    table = load_vehicle_params()
    value = table.set_index(["segment", "powertrain", "parameter"])["value"]
    rows = []
    for seg_name in segments:
        seg = params.segment_params(seg_name)

        def get(pt: str, param: str, _seg: str = seg_name) -> float:
            try:
                return float(value.loc[(_seg, pt, param)])
            except KeyError:
                raise DemandError(
                    f"data/params/vehicles.csv: no {param} for {_seg} {pt}"
                ) from None

        for pt in seg.powertrains:
            if pt in _PT_CARRIER:
                parts = [(_PT_CARRIER[pt], 1.0, get(pt, "energy_per_km"))]
            elif pt == "PHEV":
                share = get(pt, "electric_km_share")
                parts = [
                    ("electricity", share, get(pt, "energy_per_km")),
                    ("petrol", 1.0 - share, get(pt, "fuel_per_km")),
                ]
            else:
                per_km = get(pt, "energy_per_km")
                parts = [
                    ("petrol", 1.0 - seg.ice_diesel_share, per_km),
                    ("diesel", seg.ice_diesel_share, per_km),
                ]
            for carrier, km_share, per_km in parts:
                if km_share > 0:
                    rows.append((seg_name, pt, carrier, km_share, per_km, seg.annual_km))
    return pd.DataFrame(
        rows, columns=["segment", "powertrain", "carrier", "km_share", "per_km", "annual_km"]
    )


def _in_service(stock: pd.DataFrame) -> pd.DataFrame:
    """``stock`` with ``in_service``: the mean of the year's end stock and the year before's."""
    ordered = stock.sort_values(["segment", "powertrain", "year"])
    before = ordered.groupby(["segment", "powertrain"])["vehicles"].shift(1)
    gap = ordered.groupby(["segment", "powertrain"])["year"].diff()
    before = before.where(gap == 1, ordered["vehicles"])
    return ordered.assign(in_service=0.5 * (ordered["vehicles"] + before)).sort_index()


def energy_by_year(stock: pd.DataFrame, params: StockParams | None = None) -> pd.DataFrame:
    """Energy by carrier and CO2 of a projected stock.

    Parameters
    ----------
    stock : pandas.DataFrame
        Output of :func:`demand.project_stock` (``year, segment, powertrain, vehicles, ...``).
    params : StockParams, optional
        The scenario that produced ``stock`` (annual km, diesel share, grid factor path,
        hydrogen route); default the baseline.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ENERGY_COLUMNS` (schema in the module docstring).
    """
    params = StockParams() if params is None else params
    missing = {"year", "segment", "powertrain", "vehicles"} - set(stock.columns)
    if missing:
        raise DemandError(f"energy_by_year: stock lacks column(s) {sorted(missing)}")
    fuels = fuel_params()
    carriers = _carrier_rows(params, stock["segment"].unique())
    frame = _in_service(stock[["year", "segment", "powertrain", "vehicles"]]).merge(
        carriers, on=["segment", "powertrain"], how="inner", validate="many_to_many"
    )
    frame["vehicle_km"] = frame["in_service"] * frame["annual_km"] * frame["km_share"]
    base_units = frame["vehicle_km"] * frame["per_km"]
    unit = frame["carrier"].map({c: u for c, (u, _) in CARRIER_UNITS.items()})
    per_unit = frame["carrier"].map({c: k for c, (_, k) in CARRIER_UNITS.items()})
    lhv = frame["carrier"].map(lambda c: fuels[(c, "lhv")])
    ttw = frame["carrier"].map(lambda c: fuels[(c, "ttw_co2")])
    route = params.hydrogen_production_route
    wtt = frame["carrier"].map(
        lambda c: fuels[(c, f"wtt_co2_{route}")]
        if c == "hydrogen"
        else fuels.get((c, "wtt_co2"), 0.0)
    )
    is_elec = frame["carrier"] == "electricity"
    wtt = wtt.where(~is_elec, pd.Series(grid_factor(frame["year"], params), index=frame.index))
    out = pd.DataFrame(
        {
            "year": frame["year"].astype(np.int64),
            "segment": frame["segment"],
            "powertrain": frame["powertrain"],
            "carrier": frame["carrier"],
            "vehicle_km": frame["vehicle_km"].astype(float),
            "energy": base_units / per_unit,
            "unit": unit,
            "final_energy_gwh": base_units * lhv / 1e6,
            "ttw_co2_t": base_units * ttw / 1e3,
            "wtw_co2_t": base_units * (ttw + wtt) / 1e3,
        }
    )
    return out.sort_values(["year", "segment", "powertrain", "carrier"], ignore_index=True)
