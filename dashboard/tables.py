"""Tables the pages show, built by pure functions from result tables (rows ready for a
``dash_table.DataTable``: numbers already formatted in each row's own unit)."""
from __future__ import annotations

import math

import pandas as pd

from szplan.data import i18n

from .figures import plan_targets
from .figures_day import station_group
from .style import nice_name

__all__ = ["target_status", "targets_table", "station_table", "station_rows_in", "figures_comparison",
           "format_value"]

#: the station table's columns whose values are codes said in the visitor's language, and the
#: catalogue prefix of each (a value without an entry is shown as it is)
_CODED = {"district": "district.", "group": "group.", "source": "source.", "kind": "fig.", "equipment": "equipment."}


def format_value(value: float, unit: str, *, signed: bool = False) -> str:
    """A number in ``unit``: fractions with three decimals, counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    sign = "+" if signed else ""
    if "fraction" in unit or abs(value) < 10 and value != int(value):
        return f"{value:{sign}.3f}"
    return f"{value:{sign},.0f}"


def target_status(verdict) -> str:
    """The row's status: the ``verdict`` of ``targets`` (``short``, ``within``, ``exceeded``), or
    ``not modelled`` when it is empty."""
    if verdict is None or verdict is pd.NA or (isinstance(verdict, float) and math.isnan(verdict)) or verdict == "":
        return "not modelled"
    return str(verdict)


def targets_table(targets: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Every target of the plan with its verdict and the gap (modelled − target) in its own unit
    and in %.

    Parameters
    ----------
    targets : pandas.DataFrame
        The run's ``targets`` table.
    lang : str
        ``en`` or ``zh``; in Chinese the target is named by the plan's own wording.

    Returns
    -------
    pandas.DataFrame
        ``target, year, metric, wording, bound, target_value, modelled, gap, gap_pct, unit,
        verdict, status`` as strings; ``status`` is the untranslated verdict (the row's colour).
    """
    plan = plan_targets().set_index("target_id")
    rows = []
    for row in targets.itertuples(index=False):
        known = row.target_id in plan.index
        unit = str(plan["unit"].get(row.target_id, "")) if known else ""
        wording = str(plan["seed_wording"].get(row.target_id, "")) if known else ""
        modelled = float(row.modelled_value) if pd.notna(row.modelled_value) else math.nan
        status = target_status(row.verdict)
        shown = status != "not modelled"
        rows.append({
            "target": wording if lang == "zh" and wording else row.target_id,
            "year": int(row.year),
            "metric": nice_name(row.metric),
            "wording": wording,
            "bound": i18n.text(f"bound.{row.bound}", lang),
            "target_value": format_value(float(row.target_value), unit),
            "modelled": format_value(modelled, unit) if shown else i18n.verdict_text(None, lang),
            "gap": format_value(float(row.gap), unit, signed=True) if shown else "",
            "gap_pct": f"{row.gap_pct:+.1f}%" if shown and pd.notna(row.gap_pct) else "",
            "unit": i18n.unit_name(unit, lang),
            "verdict": i18n.verdict_text(row.verdict if shown else None, lang),
            "status": status,
        })
    return pd.DataFrame(rows, columns=["target", "year", "metric", "wording", "bound", "target_value", "modelled",
                                       "gap", "gap_pct", "unit", "verdict", "status"])


def station_table(stations: pd.DataFrame, station_use: pd.DataFrame, siting: pd.DataFrame | None = None,
                  zones: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per simulated station and equipment type (the run's ``station_use``): where, what,
    how busy, how long the waits.

    Planned sites are rows of ``station_use`` like any other (the run simulated them); a
    ``siting`` table adds the phase year each was first built in, ``zones`` the district.
    """
    use = station_use.merge(stations[["station_id", "source", "kind"]], on="station_id", how="left")
    built = pd.Series(dtype="float64")
    if siting is not None and not siting.empty:
        built = siting.groupby("site")["year_built"].min()
    district = zones.set_index("zone_id")["district"] if zones is not None else pd.Series(dtype=object)
    group = station_group(use["station_id"]).where(~use["station_id"].astype(str).str.startswith("plan-"), "planned")
    out = pd.DataFrame({
        "station_id": use["station_id"].astype(str),
        "group": group.to_numpy(),
        "source": use["source"].fillna("").astype(str),
        "kind": use["kind"].fillna("").astype(str),
        "zone_id": use["zone_id"].astype(int),
        "district": use["zone_id"].map(district).fillna("").astype(str),
        "year_built": use["station_id"].map(built).astype("Int64").astype(str).replace("<NA>", ""),
        "equipment": use["equipment"].astype(str),
        "units": use["units"].astype(int),
        "utilisation_pct": (100.0 * use["utilisation"]).round(1),
        "wait_p50_min": use["wait_p50_min"].round(1),
        "wait_p95_min": use["wait_p95_min"].round(1),
        "served_vehicles": use["served_vehicles"].astype(int),
        "balked_vehicles": use["balked_vehicles"].astype(int),
        "max_queue": use["max_queue"].astype(int),
    })
    return out.sort_values(["utilisation_pct", "station_id"], ascending=[False, True], ignore_index=True)


def station_rows_in(rows: list[dict], lang: str = "en") -> list[dict]:
    """Rows of :func:`station_table` with district, group, source, kind and equipment said in
    ``lang`` (English rows are returned as they are: their values are the results' own codes)."""
    if lang == "en":
        return rows
    catalogue = i18n.catalogue()

    def say(column: str, value):
        key = f"{_CODED[column]}{value}"
        return catalogue[key].get(lang) or value if key in catalogue else value

    return [{k: say(k, v) if k in _CODED else v for k, v in row.items()} for row in rows]


def figures_comparison(figures: dict[str, pd.DataFrame], targets: dict[str, pd.DataFrame] | None = None,
                       lang: str = "en") -> pd.DataFrame:
    """Key figures of several runs side by side: one row per figure, one column per run label;
    figure names and units in ``lang``."""
    names: list[str] = []
    units: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for label, frame in figures.items():
        values[label] = {}
        for fig, value, unit in zip(frame["figure"], frame["value"], frame["unit"], strict=True):
            if fig not in units:
                names.append(fig)
                units[fig] = str(unit)
            values[label][fig] = format_value(float(value), str(unit))
        year = int(frame["year"].iloc[0]) if len(frame) else None
        values[label]["year"] = str(year) if year is not None else ""
    rows = [{"figure": i18n.figure_name("scenario_year", lang), "unit": "",
             **{lbl: values[lbl]["year"] for lbl in figures}}]
    rows += [{"figure": i18n.figure_name(f, lang), "unit": i18n.unit_name(units[f], lang),
              **{lbl: values[lbl].get(f, "") for lbl in figures}} for f in names]
    if targets:
        met = {}
        for label, frame in targets.items():
            computed = frame[frame["modelled_value"].notna()]
            counts = computed["verdict"].value_counts()
            met[label] = i18n.text("ui.targets_met_count", lang,
                                   met=int(computed["met"].fillna(False).astype(bool).sum()), n=len(computed),
                                   **{v: int(counts.get(v, 0)) for v in ("within", "exceeded", "short")})
        rows.append({"figure": i18n.figure_name("targets_met_of_modelled", lang), "unit": "", **met})
    return pd.DataFrame(rows)
