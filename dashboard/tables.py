"""Tables the pages show, built by pure functions from result tables (rows ready for a
``dash_table.DataTable``: numbers already formatted in each row's own unit)."""
from __future__ import annotations

import math

import pandas as pd

from .figures import plan_targets
from .figures_day import station_group
from .style import nice_name

__all__ = ["target_status", "targets_table", "station_table", "figures_comparison", "format_value"]

_STATUS = {True: "met", False: "not met"}


def format_value(value: float, unit: str, *, signed: bool = False) -> str:
    """A number in ``unit``: fractions with three decimals, counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    sign = "+" if signed else ""
    if "fraction" in unit or abs(value) < 10 and value != int(value):
        return f"{value:{sign}.3f}"
    return f"{value:{sign},.0f}"


def target_status(met) -> str:
    """``met``, ``not met`` or ``not modelled`` (the nullable ``met`` column of ``targets``)."""
    if met is None or met is pd.NA or (isinstance(met, float) and math.isnan(met)):
        return "not modelled"
    return _STATUS[bool(met)]


def targets_table(targets: pd.DataFrame) -> pd.DataFrame:
    """Every target of the plan with its status and the gap (modelled − target) in its own unit.

    Parameters
    ----------
    targets : pandas.DataFrame
        The run's ``targets`` table.

    Returns
    -------
    pandas.DataFrame
        ``target, year, wording, bound, target_value, modelled, gap, unit, status`` as strings.
    """
    plan = plan_targets().set_index("target_id")
    rows = []
    for row in targets.itertuples(index=False):
        unit = str(plan["unit"].get(row.target_id, "")) if row.target_id in plan.index else ""
        wording = str(plan["seed_wording"].get(row.target_id, "")) if row.target_id in plan.index else ""
        modelled = float(row.modelled_value) if pd.notna(row.modelled_value) else math.nan
        status = target_status(row.met)
        gap = modelled - float(row.target_value)
        rows.append({
            "target": row.target_id,
            "year": int(row.year),
            "metric": nice_name(row.metric),
            "wording": wording,
            "bound": "about (±5%)" if row.bound == "about" else "at least",
            "target_value": format_value(float(row.target_value), unit),
            "modelled": format_value(modelled, unit) if status != "not modelled" else "not modelled",
            "gap": format_value(gap, unit, signed=True) if status != "not modelled" else "",
            "unit": unit,
            "status": status,
        })
    return pd.DataFrame(rows, columns=["target", "year", "metric", "wording", "bound", "target_value",
                                       "modelled", "gap", "unit", "status"])


def station_table(stations: pd.DataFrame, station_use: pd.DataFrame,
                  siting: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per station and equipment type: where, what, how busy, how long the waits.

    Planned sites from a ``siting`` table are appended with source ``planned`` and their
    expected utilisation and wait where the table gives them.
    """
    use = station_use.merge(stations[["station_id", "source", "kind", "lon", "lat"]], on="station_id",
                            how="left")
    out = pd.DataFrame({
        "station_id": use["station_id"].astype(str),
        "group": station_group(use["station_id"]).to_numpy(),
        "source": use["source"].fillna("").astype(str),
        "kind": use["kind"].fillna("").astype(str),
        "zone_id": use["zone_id"].astype(int),
        "equipment": use["equipment"].astype(str),
        "units": use["units"].astype(int),
        "utilisation_pct": (100.0 * use["utilisation"]).round(1),
        "wait_p50_min": use["wait_p50_min"].round(1),
        "wait_p95_min": use["wait_p95_min"].round(1),
        "served_vehicles": use["served_vehicles"].astype(int),
        "balked_vehicles": use["balked_vehicles"].astype(int),
        "max_queue": use["max_queue"].astype(int),
    })
    if siting is not None and not siting.empty:
        util = next((c for c in siting.columns if "utilisation" in c), None)
        wait = next((c for c in siting.columns if "wait" in c), None)
        planned = pd.DataFrame({
            "station_id": siting["site"].astype(str), "group": "planned", "source": "planned",
            "kind": siting["kind"].astype(str), "zone_id": siting["zone_id"].astype(int), "equipment": "",
            "units": siting.filter(regex=r"^(ac_|dc_|depot_|lng_|h2_|swap_)").sum(axis=1).astype(int),
            "utilisation_pct": (100.0 * siting[util]).round(1) if util else float("nan"),
            "wait_p50_min": float("nan"),
            "wait_p95_min": siting[wait].round(1) if wait else float("nan"),
            "served_vehicles": 0, "balked_vehicles": 0, "max_queue": 0,
        })
        out = pd.concat([out, planned], ignore_index=True)
    return out.sort_values(["utilisation_pct", "station_id"], ascending=[False, True], ignore_index=True)


def figures_comparison(figures: dict[str, pd.DataFrame], targets: dict[str, pd.DataFrame] | None = None
                       ) -> pd.DataFrame:
    """Key figures of several runs side by side: one row per figure, one column per run label."""
    names: list[str] = []
    units: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for label, frame in figures.items():
        values[label] = {}
        for fig, value, unit in zip(frame["figure"], frame["value"], frame["unit"]):
            if fig not in units:
                names.append(fig)
                units[fig] = str(unit)
            values[label][fig] = format_value(float(value), str(unit))
        year = int(frame["year"].iloc[0]) if len(frame) else None
        values[label]["year"] = str(year) if year is not None else ""
    rows = [{"figure": "scenario year", "unit": "", **{lbl: values[lbl]["year"] for lbl in figures}}]
    rows += [{"figure": nice_name(f), "unit": units[f], **{lbl: values[lbl].get(f, "") for lbl in figures}}
             for f in names]
    if targets:
        met = {}
        for label, frame in targets.items():
            computed = frame[frame["modelled_value"].notna()]
            met[label] = f"{int(computed['met'].fillna(False).astype(bool).sum())} of {len(computed)}"
        rows.append({"figure": "targets met (of those modelled)", "unit": "", **met})
    return pd.DataFrame(rows)
