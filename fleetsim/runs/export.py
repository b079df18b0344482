"""What a planner hands on: a results folder as CSV, Excel, GeoJSON or GeoPackage.

Station coordinates in the shipped data are GCJ-02, the datum of Chinese web maps; GIS layers
and most other software expect WGS-84. :func:`gcj02_to_wgs84` inverts the published GCJ-02
transform (the Krasovsky-ellipsoid offset of the "eviltransform" reference implementation) by
fixed-point iteration, to well under a metre; every export names the conversion it applied.

Every export holds the same tables (:func:`export_tables`): stations with their simulated use,
district and zone; the station plan with its district; the plan by district
(:func:`district_summary`); every target with its verdict; the key figures; the zones. Files are
written to a temporary name beside the destination and renamed into place, so an existing file
is replaced whole or not at all.

The module needs only pandas and pyarrow (openpyxl for xlsx), never the model, so the dashboard
serves the same files as the command line.
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import sqlite3
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from szplan.data import i18n

from ..errors import ResultsError
from .results import read_manifest, read_table

__all__ = ["FORMATS", "CONVERSION", "gcj02_to_wgs84", "wgs84_to_gcj02", "district_summary", "export_tables",
           "export_bytes", "export_results", "default_export_path"]

log = logging.getLogger(__name__)

#: export formats and their file suffixes
FORMATS = {"csv": ".zip", "xlsx": ".xlsx", "geojson": ".geojson", "gpkg": ".gpkg"}
#: how coordinates were converted, written into every export
CONVERSION = ("lon/lat: WGS-84 (EPSG:4326), converted from the source's GCJ-02 by inverting the GCJ-02 "
              "offset (Krasovsky ellipsoid, a = 6378245 m, e2 = 0.00669342162296594323) by fixed-point "
              "iteration to < 0.01 m; lon_gcj02/lat_gcj02 keep the source values")

_A_M, _EE = 6378245.0, 0.00669342162296594323
#: equipment columns counted as chargers, by power class
CHARGER_COLUMNS = ("ac_7kw", "dc_60kw", "dc_120kw", "dc_480kw", "depot_dc_120kw")
_OTHER_UNITS = ("lng_dispenser", "h2_dispenser", "swap_bay")


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS-84 ``lon, lat``: the published polynomial-and-sine form."""
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((_A_M * (1.0 - _EE)) / (magic * np.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180.0 / (_A_M / np.sqrt(magic) * np.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 to GCJ-02 (the forward transform; points in China only, which Shenzhen's are)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon, lat, *, tol_deg: float = 1e-10, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 to WGS-84: the WGS-84 point whose forward transform is ``lon, lat``.

    The offset changes by less than a millimetre per metre, so the iteration
    ``w <- w - (forward(w) - g)`` contracts fast: 3-4 rounds reach 1e-10 degrees (about 0.01 mm).
    """
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if np.nanmax(np.abs(np.concatenate([np.ravel(e_lon), np.ravel(e_lat), [0.0]]))) < tol_deg:
            break
    return w_lon, w_lat


def _with_wgs84(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.rename(columns={"lon": "lon_gcj02", "lat": "lat_gcj02"})
    lon, lat = gcj02_to_wgs84(out["lon_gcj02"].to_numpy(float), out["lat_gcj02"].to_numpy(float))
    out.insert(out.columns.get_loc("lon_gcj02"), "lon", np.round(lon, 7))
    out.insert(out.columns.get_loc("lon_gcj02"), "lat", np.round(lat, 7))
    return out


def district_summary(siting: pd.DataFrame, zones: pd.DataFrame, station_use: pd.DataFrame | None = None,
                     *, year: int | None = None) -> pd.DataFrame:
    """The station plan by district: sites, chargers by power class, other units, capex, demand.

    Parameters
    ----------
    siting : pandas.DataFrame
        The run's ``siting`` table (one row per site and phase year).
    zones : pandas.DataFrame
        ``zone_id, district`` at least.
    station_use : pandas.DataFrame, optional
        The run's ``station_use``: adds ``served_vehicles``, the vehicles the planned sites
        served in the simulated day (weighted).
    year : int, optional
        Count the sites built up to this phase year (default every phase year).

    Returns
    -------
    pandas.DataFrame
        One row per district with a planned site, then a ``total`` row: ``district, sites``,
        the unit columns, ``capex_cny``, ``arrivals_per_day`` (the plan's daily arrivals) and
        ``served_vehicles`` (when ``station_use`` is given).
    """
    built = siting if year is None else siting[siting["year_built"] <= year]
    units = [c for c in (*CHARGER_COLUMNS, *_OTHER_UNITS) if c in built.columns]
    district = built["zone_id"].map(zones.set_index("zone_id")["district"]).fillna("unknown")
    frame = built.assign(district=district)
    out = frame.groupby("district", sort=True).agg(
        sites=("site", "nunique"), **{c: (c, "sum") for c in units}, capex_cny=("capex_cny", "sum"),
        arrivals_per_day=("arrivals_per_day", "sum"))
    if station_use is not None:
        served = station_use.groupby("station_id")["served_vehicles"].sum()
        site_district = frame.drop_duplicates("site").set_index("site")["district"]
        out["served_vehicles"] = served.reindex(site_district.index).fillna(0).groupby(site_district).sum()
        out["served_vehicles"] = out["served_vehicles"].fillna(0).astype("int64")
    out = out.sort_values(["sites", "capex_cny"], ascending=False)
    total = out.sum(numeric_only=True)
    total["sites"] = frame["site"].nunique()
    out.loc["total"] = total
    out = out.reset_index()
    for col in ("sites", *units):
        out[col] = out[col].astype("int64")
    return out


def _with_district(frame: pd.DataFrame, district: pd.Series) -> pd.DataFrame:
    """``frame`` with ``district`` (from ``zone_id`` unless it has one) and ``district_zh``, its
    Chinese name, beside it."""
    out = frame.copy()
    if "district" not in out.columns:
        out.insert(out.columns.get_loc("zone_id") + 1, "district", out["zone_id"].map(district))
    names_zh = [i18n.district_name(d, "zh") for d in out["district"]]
    out.insert(out.columns.get_loc("district") + 1, "district_zh", names_zh)
    return out


def export_tables(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables every export holds, coordinates in WGS-84 (see :data:`CONVERSION`).

    ``about`` (the run, the conversion, the sources), ``stations`` (each station with its
    simulated use summed over equipment types, district and zone), ``plan`` and ``districts``
    when the run has a station plan, ``targets``, ``figures`` and ``zones``.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    zones = read_table(run_dir, "zones")
    district = zones.set_index("zone_id")["district"]
    stations = read_table(run_dir, "stations")
    use = read_table(run_dir, "station_use")
    agg = use.groupby("station_id").agg(served_vehicles=("served_vehicles", "sum"),
                                        balked_vehicles=("balked_vehicles", "sum"),
                                        utilisation_max=("utilisation", "max"),
                                        wait_p95_max_min=("wait_p95_min", "max"))
    stations = stations.merge(agg, left_on="station_id", right_index=True, how="left")
    tables = {"stations": _with_wgs84(_with_district(stations, district))}
    scenario = manifest.get("scenario", {})
    about = [("run", run_dir.name), ("scenario", str(scenario.get("name", ""))),
             ("year", str(scenario.get("year", ""))), ("seed", str(manifest.get("seed", ""))),
             ("sample", str(scenario.get("simulation", {}).get("sample", ""))),
             ("station plan", "yes" if manifest.get("siting") else "no"),
             ("coordinates", CONVERSION),
             ("zone ids", "traffic zones of UrbanEV (CC0-1.0); districts from transbigdata (BSD-3-Clause)"),
             ("stations", "ST-EVCDP (MIT) public chargers; other rows modelled or planned (column source)")]
    if manifest.get("siting") and (run_dir / "siting.parquet").exists():
        siting = read_table(run_dir, "siting")
        tables["plan"] = _with_wgs84(_with_district(siting, district))
        # the sites standing in the simulated year, whose served demand the run measured
        year = scenario.get("year")
        summary = district_summary(siting, zones, use, year=int(year) if year else None)
        tables["districts"] = _with_district(summary, district)
    tables["targets"] = read_table(run_dir, "targets")
    tables["figures"] = read_table(run_dir, "figures")
    tables["zones"] = _with_wgs84(_with_district(zones, district))
    tables = {"about": pd.DataFrame(about, columns=["item", "value"]), **tables}
    return tables


def _csv_zip(tables: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            # fixed timestamps keep the same results byte-identical; BOM so Excel reads the Chinese
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))
    return buffer.getvalue()


def _xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    try:
        import openpyxl  # noqa: F401
    except ImportError as err:  # a dependency of the package; only a broken install lacks it
        raise ResultsError.of("export.needs_openpyxl") from err
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        for sheet in writer.book.worksheets:
            sheet.freeze_panes = "A2"
    return _restamp(buffer.getvalue())


def _restamp(data: bytes) -> bytes:
    """The zip ``data`` (an xlsx is one) with every entry dated 2020-01-01, so that the same
    tables give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            body = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl writes the time of saving here
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", body)
            target.writestr(info, body)
    return out.getvalue()


def _features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Existing stations and planned sites as one point layer (``layer`` says which); a planned
    site the run simulated is drawn once, as planned (its use is in the stations table)."""
    stations = tables["stations"]
    parts = [stations.assign(layer="station")]
    if "plan" in tables:
        plan = tables["plan"].rename(columns={"site": "station_id"})
        parts = [stations[~stations["station_id"].isin(plan["station_id"])].assign(layer="station"),
                 plan.assign(layer="planned", source="plan")]
    return pd.concat(parts, ignore_index=True)


def _json_value(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return None if value is pd.NA or value is None else value


def _geojson(tables: dict[str, pd.DataFrame]) -> bytes:
    points = _features(tables)
    props = [c for c in points.columns if c not in ("lon", "lat")]
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                 "properties": {c: _json_value(r[c]) for c in props}}
                for r in points.to_dict("records")]
    about = dict(zip(tables["about"]["item"], tables["about"]["value"], strict=True))
    # RFC 7946: GeoJSON is WGS-84 by definition; the conversion and the tables without a
    # location (targets, key figures, the plan by district) are foreign members
    tabular = {name: [{c: _json_value(v) for c, v in r.items()} for r in tables[name].to_dict("records")]
               for name in ("targets", "figures", "districts") if name in tables}
    doc = {"type": "FeatureCollection", "name": "stations", "conversion": CONVERSION, "about": about,
           **tabular, "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_GPKG_TYPES = {"i": "INTEGER", "u": "INTEGER", "b": "BOOLEAN", "f": "DOUBLE"}


def _gpkg(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """A GeoPackage 1.2 (OGC 12-128r15): the point layer ``stations`` plus the other tables as
    attribute tables, written with the standard library's sqlite3."""
    con = sqlite3.connect(path)
    try:
        con.executescript(f"""
            PRAGMA application_id = {0x47504B47};
            PRAGMA user_version = 10200;
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
              organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
              definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
              identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL
              DEFAULT '2020-01-01T00:00:00.000Z', min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
              srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
              geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
              m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
        """)
        wkt = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
               'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')
        con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", [
            ("WGS 84 geodetic", 4326, "EPSG", 4326, wkt, CONVERSION),
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        ])
        points = _features(tables)
        _gpkg_table(con, "stations", points.drop(columns=["lon", "lat"]), points[["lon", "lat"]])
        for name, frame in tables.items():
            if name not in ("stations", "plan"):
                _gpkg_table(con, name, frame, None)
        con.commit()
    finally:
        con.close()


def _gpkg_table(con: sqlite3.Connection, name: str, frame: pd.DataFrame, xy: pd.DataFrame | None) -> None:
    columns = [f'"{c}" {_GPKG_TYPES.get(frame[c].dtype.kind, "TEXT")}' for c in frame.columns]
    geom = ['"geom" POINT'] if xy is not None else []
    con.execute(f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, {", ".join(geom + columns)})')
    rows = []
    for i, record in enumerate(frame.itertuples(index=False)):
        values = [_json_value(v) for v in record]
        values = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in values]
        if xy is not None:
            lon, lat = float(xy["lon"].iat[i]), float(xy["lat"].iat[i])
            # GeoPackage binary: magic, version 0, flags (little-endian, no envelope), srs id, WKB point
            values = [b"GP\x00\x01" + struct.pack("<i", 4326) + struct.pack("<BIdd", 1, 1, lon, lat), *values]
        rows.append(values)
    names = (["geom"] if xy is not None else []) + [f'"{c}"' for c in frame.columns]
    con.executemany(f'INSERT INTO "{name}" ({", ".join(names)}) VALUES ({",".join("?" * len(names))})', rows)
    if xy is not None:
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, "
                    "srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, 4326)",
                    (name, name, xy["lon"].min(), xy["lat"].min(), xy["lon"].max(), xy["lat"].max()))
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)", (name,))
    else:
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES (?, 'attributes', ?)",
                    (name, name))


def export_bytes(run_dir: str | Path, fmt: str) -> bytes:
    """The export of ``run_dir`` in ``fmt`` (one of :data:`FORMATS`) as bytes (the dashboard's
    download buttons)."""
    if fmt not in FORMATS:
        raise ResultsError.of("export.unknown_format", got=repr(fmt), formats=", ".join(FORMATS))
    tables = export_tables(run_dir)
    if fmt == "csv":
        return _csv_zip(tables)
    if fmt == "xlsx":
        return _xlsx(tables)
    if fmt == "geojson":
        return _geojson(tables)
    with tempfile.TemporaryDirectory(prefix="fleetsim-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        _gpkg(tables, path)
        return path.read_bytes()


def default_export_path(run_dir: str | Path, fmt: str) -> Path:
    """``exports/<results folder name><suffix>`` under the working directory."""
    return Path("exports") / f"{Path(run_dir).resolve().name}{FORMATS[fmt]}"


def export_results(run_dir: str | Path, fmt: str, out: str | Path | None = None) -> Path:
    """Write the export of ``run_dir`` in ``fmt`` to ``out`` (default :func:`default_export_path`).

    The file is written beside ``out`` under a temporary name and renamed into place: a
    failure leaves any earlier file as it was.
    """
    if not (Path(run_dir) / "manifest.json").exists():
        raise ResultsError.of("export.not_results", path=run_dir)
    out = Path(out) if out is not None else default_export_path(run_dir, fmt)
    if out.is_dir():
        raise ResultsError.of("export.out_is_folder", path=out)
    if fmt in FORMATS and out.suffix.lower() != FORMATS[fmt]:
        raise ResultsError.of("export.out_suffix", path=out, fmt=fmt, suffix=FORMATS[fmt])
    data = export_bytes(run_dir, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.tmp-", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private; an export is for others, so give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("exported %s as %s to %s (%d bytes)", run_dir, fmt, out, len(data))
    return out
