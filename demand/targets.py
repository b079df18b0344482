"""The plan's targets, the metrics the stock model computes for them, and the calibration.

Metrics are a tidy table ``metric, year, value`` so that other parts of the program can append
their own rows (charging points, VPP MW, ...) before :func:`evaluate_targets`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from szplan.data import data_path

from .errors import DemandError
from .params import NEV_POWERTRAINS, StockParams, general_params
from .stock import BASE_YEAR, project_stock

__all__ = [
    "TARGET_COLUMNS",
    "VERDICTS",
    "load_targets",
    "target_verdict",
    "stock_metrics",
    "evaluate_targets",
    "calibration_table",
]

TARGET_COLUMNS = (
    "target_id",
    "year",
    "metric",
    "target_value",
    "modelled_value",
    "unit",
    "bound",
    "verdict",
    "direction",
    "gap",
    "gap_pct",
    "met",
    "seed_wording",
)
#: Verdicts of a modelled target: below it, at it (within the band), above it.
VERDICTS = ("short", "within", "exceeded")
_ELECTRIC = ("BEV", "FCEV")
_PUBLIC_FLEET = ("bus", "taxi", "ride_hailing")
_CLEAN_MANDATE = ("port_tractor", "waste_transfer")


def load_targets() -> pd.DataFrame:
    """Every quantified target of the plan (``data/facts/targets.csv``) as a DataFrame."""
    return pd.read_csv(data_path("facts", "targets.csv"))


def stock_metrics(
    stock: pd.DataFrame,
    energy: pd.DataFrame | None = None,
    *,
    params: StockParams | None = None,
) -> pd.DataFrame:
    """Target and calibration metrics computable from the stock (and energy) tables.

    ``nev_stock`` counts BEV + PHEV + FCEV: China's definition of a new-energy vehicle
    (新能源汽车). LNG vehicles are "clean energy" (清洁能源) vehicles: they burn fossil gas in
    an internal-combustion engine, with lower pollutant and somewhat lower CO2 emissions than
    diesel, but they are not NEVs. Hence the plan's share target counts "NEV or clean"
    (``new_vehicle_nev_or_clean_share`` = NEV + LNG new vehicles over all new vehicles) while
    its stock target counts NEVs only.

    Other metrics: ``motor_vehicle_stock``, ``bev_stock``, ``phev_stock``, ``fcev_stock``,
    ``lng_vehicle_stock``, ``new_vehicles``, ``nev_new_registrations``,
    ``nev_share_of_new_registrations``, ``bus_taxi_ridehail_electric_share`` (BEV + FCEV: both
    drive electrically), ``port_tractor_and_waste_transfer_clean_share`` (non-ICE),
    ``private_plugin_stock`` (private BEV + PHEV), segment metrics named as in
    ``stock_history.csv`` (``bus_stock_electric``, ``taxi_stock``, ``taxi_stock_bev``,
    ``ridehail_stock``, ``logistics_stock_electric``) and electric shares of heavy trucks and
    sanitation trucks. With ``params``: ``private_home_chargers`` (private plug-in stock times
    ``home_charging_access_share``). With ``energy``: ``road_<carrier>_<unit>`` totals and
    ``road_ttw_co2_t``, ``road_wtw_co2_t``.

    Returns
    -------
    pandas.DataFrame
        ``metric, year, value`` (value float).
    """
    years = np.sort(stock["year"].unique())
    pt, seg = stock["powertrain"], stock["segment"]

    def total(mask, column="vehicles") -> pd.Series:
        return stock.loc[mask, column].groupby(stock.loc[mask, "year"]).sum().reindex(
            years, fill_value=0
        ).astype(float)

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return num.where(den > 0) / den.where(den > 0)

    every = pd.Series(True, index=stock.index)
    nev, lng = pt.isin(NEV_POWERTRAINS), pt == "LNG"
    public, mandated = seg.isin(_PUBLIC_FLEET), seg.isin(_CLEAN_MANDATE)
    new_all = total(every, "new_vehicles")
    nev_new = total(nev, "new_vehicles")
    series = {
        "motor_vehicle_stock": total(every),
        "nev_stock": total(nev),
        "bev_stock": total(pt == "BEV"),
        "phev_stock": total(pt == "PHEV"),
        "fcev_stock": total(pt == "FCEV"),
        "lng_vehicle_stock": total(lng),
        "new_vehicles": new_all,
        "nev_new_registrations": nev_new,
        "nev_share_of_new_registrations": ratio(nev_new, new_all),
        "new_vehicle_nev_or_clean_share": ratio(total(nev | lng, "new_vehicles"), new_all),
        "bus_taxi_ridehail_electric_share": ratio(
            total(public & pt.isin(_ELECTRIC)), total(public)
        ),
        "port_tractor_and_waste_transfer_clean_share": ratio(
            total(mandated & (pt != "ICE")), total(mandated)
        ),
        "private_plugin_stock": total((seg == "private_car") & pt.isin(("BEV", "PHEV"))),
        "bus_stock_electric": total((seg == "bus") & pt.isin(_ELECTRIC)),
        "taxi_stock": total(seg == "taxi"),
        "taxi_stock_bev": total((seg == "taxi") & (pt == "BEV")),
        "ridehail_stock": total(seg == "ride_hailing"),
        "logistics_stock_electric": total((seg == "light_logistics") & (pt == "BEV")),
        "heavy_truck_electric_share": ratio(
            total((seg == "heavy_truck") & pt.isin(_ELECTRIC)), total(seg == "heavy_truck")
        ),
        "sanitation_electric_share": ratio(
            total((seg == "sanitation") & pt.isin(_ELECTRIC)), total(seg == "sanitation")
        ),
    }
    if params is not None:
        series["private_home_chargers"] = (
            series["private_plugin_stock"] * params.home_charging_access_share
        ).round()
    if energy is not None:
        grouped = energy.groupby(["carrier", "unit", "year"])["energy"].sum()
        for (carrier, unit), part in grouped.groupby(level=[0, 1]):
            name = f"road_{carrier}_{unit.lower()}"
            series[name] = part.droplevel([0, 1]).reindex(years, fill_value=0.0)
        for col in ("ttw_co2_t", "wtw_co2_t"):
            series[f"road_{col}"] = energy.groupby("year")[col].sum().reindex(years, fill_value=0.0)
    frames = [
        pd.DataFrame({"metric": name, "year": years.astype(np.int64), "value": s.to_numpy(float)})
        for name, s in series.items()
    ]
    return pd.concat(frames, ignore_index=True)


def target_verdict(target_value, modelled_value, bound, *, about_tolerance: float | None = None) -> pd.DataFrame:
    """Where modelled values lie against their targets: one rule for every caller.

    A target worded "about" (左右) is ``within`` when the modelled value lies within
    ``about_tolerance`` (relative to the target) of it, ``short`` below that band and
    ``exceeded`` above it. A target worded "at least" (以上, 不少于, 达到) is ``short`` below the
    target, ``within`` from the target up to the same band above it and ``exceeded`` beyond.
    A target is met when it is ``within``, or ``exceeded`` for an "at least" target: exceeding
    an "about" figure is not a failure of the plan but says the plan's figure is out of date,
    which is why the verdict, not a yes/no, is what a planner reads.

    Parameters
    ----------
    target_value, modelled_value : array-like of float
        The plan's figures and the modelled ones (NaN when not modelled).
    bound : array-like of str
        ``about`` or ``at_least``.
    about_tolerance : float, optional
        Relative band; default ``general.csv``'s ``about_tolerance`` (0.05).

    Returns
    -------
    pandas.DataFrame
        ``verdict`` (``short``, ``within``, ``exceeded``; empty when not modelled),
        ``direction`` (``above``, ``below``, ``on``: the side of the target the modelled value
        lies on), ``gap`` (modelled - target, in the target's unit), ``gap_pct`` (gap over the
        target, in %) and ``met`` (nullable boolean).
    """
    tol = general_params()["about_tolerance"] if about_tolerance is None else about_tolerance
    target = np.asarray(target_value, dtype=float)
    modelled = np.asarray(modelled_value, dtype=float)
    bound = np.asarray(bound, dtype=object)
    bad = sorted(set(bound) - {"about", "at_least"})
    if bad:
        raise DemandError(f"target bound {bad} unknown; use 'about' or 'at_least'")
    # A relative epsilon so that a value equal to the target in print is not "short" by rounding.
    eps = 1e-9 * np.maximum(np.abs(target), 1.0)
    band = tol * np.abs(target)
    gap = modelled - target
    about = bound == "about"
    low = np.where(about, -band, 0.0) - eps
    verdict = np.where(gap < low, "short", np.where(gap > band + eps, "exceeded", "within")).astype(object)
    direction = np.where(np.abs(gap) <= eps, "on", np.where(gap > 0, "above", "below")).astype(object)
    missing = np.isnan(modelled)
    verdict[missing] = None
    direction[missing] = None
    met = pd.array((verdict == "within") | (~about & (verdict == "exceeded")), dtype="boolean")
    met[missing] = pd.NA
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_pct = np.where(target != 0, 100.0 * gap / np.abs(target), np.nan)
    return pd.DataFrame({"verdict": verdict, "direction": direction, "gap": gap, "gap_pct": gap_pct,
                         "met": met})


def evaluate_targets(
    metrics: pd.DataFrame,
    *,
    targets: pd.DataFrame | None = None,
    about_tolerance: float | None = None,
) -> pd.DataFrame:
    """Check every target against modelled metrics.

    Parameters
    ----------
    metrics : pandas.DataFrame
        ``metric, year, value`` rows from any part of the program (at most one per metric and
        year).
    targets : pandas.DataFrame, optional
        Default :func:`load_targets`.
    about_tolerance : float, optional
        Relative band for targets worded "about"; default 0.05 (``general.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per target, in the targets' order, columns :data:`TARGET_COLUMNS`; the
        verdict, gap and met columns come from :func:`target_verdict` and are empty for a
        target the model does not compute (``modelled_value`` NaN).
    """
    targets = load_targets() if targets is None else targets
    missing = {"metric", "year", "value"} - set(metrics.columns)
    if missing:
        raise DemandError(f"evaluate_targets: metrics lack column(s) {sorted(missing)}")
    dup = metrics.duplicated(["metric", "year"], keep=False)
    if dup.any():
        pairs = sorted(set(zip(metrics.loc[dup, "metric"], metrics.loc[dup, "year"], strict=True)))[:5]
        raise DemandError(f"evaluate_targets: several values for (metric, year) {pairs}")
    values = metrics[["metric", "year", "value"]].astype({"year": np.int64, "value": float})
    merged = targets.astype({"year": np.int64}).merge(
        values, on=["metric", "year"], how="left", validate="many_to_one"
    )
    target = merged["value_x"].astype(float)
    modelled = merged["value_y"].astype(float)
    verdict = target_verdict(target, modelled, merged["bound"], about_tolerance=about_tolerance)
    text = {c: (merged[c].fillna("").astype(str) if c in merged else "") for c in ("unit", "seed_wording")}
    return pd.DataFrame(
        {
            "target_id": merged["target_id"],
            "year": merged["year"],
            "metric": merged["metric"],
            "target_value": target,
            "modelled_value": modelled,
            "unit": text["unit"],
            "bound": merged["bound"],
            **{c: verdict[c] for c in ("verdict", "direction", "gap", "gap_pct", "met")},
            "seed_wording": text["seed_wording"],
        }
    )


# Reported figures outside stock_history.csv that the baseline is also checked against.
#: reported shares of ``facts/segment_facts.csv`` compared with the model: date, metric, and the
#: fact's segment and name in that file (a range such as ``0.24-0.30`` is compared at its midpoint)
_SEGMENT_FACTS = (
    ("2024-12-31", "heavy_truck_electric_share", "heavy_truck", "dump trucks and lorries electric share",
     "for dump trucks and lorries; the article is of early 2025, dated end-2024 here"),
    ("2024-12-31", "sanitation_electric_share", "sanitation", "garbage trucks electric share",
     "garbage trucks; the article is of early 2025, dated end-2024 here"),
)
_RANGE = re.compile(r"\s*([0-9.]+)\s*-\s*([0-9.]+)\s*")
_FLOWS = {"nev_new_registrations_ytd": "nev_new_registrations"}
_SHARES = {"nev_share_of_new_registrations", "heavy_truck_electric_share",
           "sanitation_electric_share"}


def _segment_facts() -> pd.DataFrame:
    """The rows of :data:`_SEGMENT_FACTS` with their values read from ``facts/segment_facts.csv``."""
    facts = pd.read_csv(data_path("facts", "segment_facts.csv"), dtype=str)
    rows = []
    for date, metric, segment, fact, note in _SEGMENT_FACTS:
        hit = facts[(facts["segment"] == segment) & (facts["fact"] == fact)]
        if len(hit) != 1:
            raise DemandError(f"data/facts/segment_facts.csv: needs one row {segment!r}, {fact!r} (found {len(hit)})")
        text, unit = str(hit["value"].iat[0]), str(hit["unit"].iat[0])
        if m := _RANGE.fullmatch(text):
            value, note = (float(m.group(1)) + float(m.group(2))) / 2, f"{text} (midpoint) {note}"
        else:
            try:
                value = float(text)
            except ValueError:
                raise DemandError(f"data/facts/segment_facts.csv: {fact!r}: value {text!r} is not a number "
                                  "or a range") from None
        rows.append((date, metric, value, unit, note, "facts/segment_facts.csv"))
    return pd.DataFrame(rows, columns=["date", "metric", "value", "unit", "note", "source"])


def calibration_table(params: StockParams | None = None) -> pd.DataFrame:
    """Reported history against the modelled baseline, with relative errors.

    Stocks dated inside a year are interpolated linearly between the modelled year-ends
    (the end-2014 figure is the model's initial condition, so it matches by construction);
    year-to-date registrations are the modelled year's flow pro rata (no seasonality); shares
    are the modelled year's.

    Returns
    -------
    pandas.DataFrame
        ``date, metric, reported, modelled, rel_error, unit, comparison, note, source``;
        ``rel_error = modelled / reported - 1``.
    """
    params = StockParams() if params is None else params
    stock = project_stock(params, include_base_year=True)
    table = stock_metrics(stock).pivot(index="year", columns="metric", values="value")
    history = pd.read_csv(data_path("facts", "stock_history.csv"))
    history = pd.concat([history, _segment_facts()], ignore_index=True)
    rows = []
    for rec in history.itertuples(index=False):
        model_metric = _FLOWS.get(rec.metric, rec.metric)
        if model_metric not in table.columns:
            continue
        date = pd.Timestamp(rec.date)
        year = date.year
        frac = date.day_of_year / (366 if date.is_leap_year else 365)
        series = table[model_metric]
        if year not in series.index:
            continue
        if rec.metric in _FLOWS:
            modelled = series[year] * frac
            how = "pro-rata share of the modelled year's flow (no seasonality)"
        elif rec.metric in _SHARES:
            modelled, how = series[year], "modelled year"
        elif frac >= 1.0 or year == BASE_YEAR:
            modelled = series[year]
            how = "initial condition" if year == BASE_YEAR else "modelled year-end"
        else:
            modelled = series[year - 1] + frac * (series[year] - series[year - 1])
            how = "interpolated between modelled year-ends"
        rows.append(
            {
                "date": rec.date,
                "metric": rec.metric,
                "reported": float(rec.value),
                "modelled": float(modelled),
                "rel_error": float(modelled) / float(rec.value) - 1.0,
                "unit": rec.unit,
                "comparison": how,
                "note": "" if pd.isna(rec.note) else rec.note,
                "source": rec.source,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["date", "metric"], ignore_index=True)
