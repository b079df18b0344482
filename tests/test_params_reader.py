"""The one reader of data/params: every table checked (columns, basis, source, unit, numbers),
copies handed out, units asked for, and no model module reading a parameter file itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from szplan.data import data_path, tables
from szplan.data.tables import ParamsError

ROOT = Path(__file__).resolve().parent.parent
MODEL_FOLDERS = ("fleetsim", "network", "demand", "dashboard")

GENERAL = "parameter,value,unit,basis,source_or_reason\n"


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A params folder of the test's own, read by the reader in place of the shipped one."""
    monkeypatch.setattr(tables, "data_path", lambda *parts: tmp_path.joinpath(*parts[1:]))
    tables._load.cache_clear()
    tables._frame.cache_clear()

    def write(name: str, text: str) -> None:
        (tmp_path / name).write_text(text, encoding="utf-8")

    yield write
    tables._load.cache_clear()
    tables._frame.cache_clear()


def test_every_table_in_params_is_registered_and_passes():
    files = sorted(p.name for p in data_path("params").glob("*.csv"))
    assert files == list(tables.table_names())
    for name in files:
        frame = tables.read_params(name)
        assert len(frame) > 0, name
        assert {"basis", "source_or_reason", *tables.TABLES[name].columns} <= set(frame.columns), name


def test_a_table_missing_a_column_is_refused_naming_it(shipped):
    shipped("general.csv", "parameter,value,basis,source_or_reason\nbase_year,2014,sourced,the report\n")
    with pytest.raises(ParamsError, match=r"^data/params/general.csv: missing column unit$"):
        tables.read_params("general.csv")


def test_a_bad_basis_is_refused_with_its_line(shipped):
    shipped("general.csv", GENERAL + "base_year,2014,year,sourced,the report\nquota,1,vehicles/yr,guess,a guess\n")
    with pytest.raises(ParamsError, match=r"general.csv line 3: basis must be 'sourced' or 'assumption', got 'guess'"):
        tables.scalar_params("general.csv")


def test_an_empty_source_is_refused(shipped):
    shipped("general.csv", GENERAL + "base_year,2014,year,sourced,\n")
    with pytest.raises(ParamsError, match=r"general.csv line 2: source_or_reason is empty"):
        tables.read_params("general.csv")


def test_an_empty_unit_and_a_word_for_a_number_are_refused(shipped):
    shipped("general.csv", GENERAL + "base_year,2014,,sourced,the report\n")
    with pytest.raises(ParamsError, match=r"general.csv line 2: unit is empty"):
        tables.read_params("general.csv")
    tables._load.cache_clear()
    shipped("general.csv", GENERAL + "base_year,twenty,year,sourced,the report\n")
    with pytest.raises(ParamsError, match=r"general.csv line 2: value must be a finite number, got 'twenty'"):
        tables.read_params("general.csv")


def test_a_repeated_parameter_is_refused(shipped):
    shipped("general.csv", GENERAL + "base_year,2014,year,sourced,the report\nbase_year,2015,year,sourced,again\n")
    with pytest.raises(ParamsError, match=r"general.csv line 3: base_year repeats line 2"):
        tables.scalar_params("general.csv")


def test_errors_are_one_line_in_both_languages(shipped):
    shipped("general.csv", GENERAL + "base_year,2014,year,maybe,the report\n")
    with pytest.raises(ParamsError) as caught:
        tables.read_params("general.csv")
    assert "\n" not in str(caught.value) and "general.csv" in caught.value.zh and "basis" in caught.value.zh


def test_an_unregistered_table_is_refused():
    with pytest.raises(ParamsError, match="not a registered parameter table"):
        tables.read_params("no_such_table.csv")


def test_mutating_a_returned_frame_or_dict_changes_nothing_next_time():
    frame = tables.read_params("equipment.csv")
    frame.loc[0, "rate"] = -1.0
    frame["extra"] = 1
    again = tables.read_params("equipment.csv")
    assert again.loc[0, "rate"] > 0 and "extra" not in again
    values = tables.scalar_params("simulation.csv")
    values["taper_start_soc"] = 99.0
    assert tables.scalar_params("simulation.csv")["taper_start_soc"] < 1
    groups = tables.grouped_params("duty_cycles.csv")
    groups["bus"].clear()
    assert tables.grouped_params("duty_cycles.csv")["bus"]


def test_model_readers_hand_out_copies():
    from szplan.demand.params import general_params, segment_powertrains
    from szplan.fleetsim.sim.params import duty_params, sim_constants
    from szplan.network.plan.params import siting_defaults
    from szplan.network.stations import load_equipment

    for reader in (general_params, segment_powertrains, duty_params, sim_constants, siting_defaults):
        first = reader()
        first.clear()
        assert reader(), reader.__name__
    equipment = load_equipment()
    equipment["rate"] = 0.0
    assert (load_equipment()["rate"] > 0).all()


def test_a_unit_mismatch_is_refused():
    assert tables.param("simulation.csv", "plug_handling_min", "min") == 2.0
    with pytest.raises(ParamsError, match=r"simulation.csv: plug_handling_min is in min, expected h$"):
        tables.param("simulation.csv", "plug_handling_min", "h")
    with pytest.raises(ParamsError, match="is in fraction, expected %"):
        tables.scalar_params("siting.csv", units={"service_share": "%"})
    with pytest.raises(ParamsError, match="no parameter nothing_here"):
        tables.param("siting.csv", "nothing_here", "min")


def _params_paths(source: str, filename: str) -> list[str]:
    """Lines of ``source`` that build a ``data_path("params", ...)`` path or read a params CSV."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0] if node.args else None
        if name == "data_path" and isinstance(first, ast.Constant) and first.value == "params":
            found.append(f"{filename}:{node.lineno}: data_path('params', ...)")
        elif name == "read_csv" and "params" in ast.unparse(node):
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_a_direct_read():
    bad = 'import pandas as pd\nt = pd.read_csv(data_path("params", "vpp.csv"))\n'
    assert len(_params_paths(bad, "x.py")) == 2
    assert _params_paths('t = read_params("vpp.csv")\n', "x.py") == []


def test_no_model_module_reads_a_params_file_itself():
    found = []
    for folder in MODEL_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found += _params_paths(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)


MOVED = {  # numbers once written in the model code, now rows of data/params with their reasons
    "siting.csv": {"peak_hour_share_default": "fraction", "service_area_min_dc_units": "units",
                   "truck_corridor_min_dc_units": "units", "truck_corridor_flow_coverage": "fraction",
                   "truck_corridor_max_sites": "sites", "freight_gravity_exponent": "dimensionless",
                   "integrated_upgrade_dc_units": "units", "integrated_upgrade_lng_units": "units"},
    "network.csv": {"zone_road_length_floor_km": "km"},
    "simulation.csv": {"energy_sample_max": "fraction"},
}


@pytest.mark.parametrize("name", sorted(MOVED))
def test_moved_numbers_are_rows_with_unit_basis_and_reason(name):
    table = tables.read_params(name).set_index("parameter")
    tables.scalar_params(name, units=MOVED[name])
    for parameter in MOVED[name]:
        assert table.at[parameter, "basis"] == "assumption"
        assert len(table.at[parameter, "source_or_reason"]) > 40, parameter


def test_segment_shares_of_the_calibration_come_from_the_facts_file():
    from szplan.demand.targets import _segment_facts

    facts = _segment_facts().set_index("metric")["value"]
    assert facts["heavy_truck_electric_share"] == pytest.approx((0.24 + 0.30) / 2)
    assert facts["sanitation_electric_share"] == pytest.approx(0.87)


def test_every_table_is_described_in_sources():
    text = data_path("SOURCES.md").read_text(encoding="utf-8")
    assert [n for n in tables.table_names() if f"`{n}`" not in text] == []
