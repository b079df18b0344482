"""The message catalogue: every key in both languages, every key the code uses present."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from szplan.data import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_has_both_languages_with_the_same_fields():
    fields = re.compile(r"\{(\w+)")
    for key, entry in i18n.catalogue().items():
        assert entry["en"].strip() and entry["zh"].strip(), key
        assert set(fields.findall(entry["en"])) == set(fields.findall(entry["zh"])), key


def test_chinese_entries_are_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    wordy = [k for k in i18n.catalogue() if k.startswith(("cli.", "nav.", "page.", "verdict.", "col.", "ui."))]
    missing = [k for k in wordy if not cjk.search(i18n.text(k, "zh")) and k not in ("cli.stage",)]
    assert missing == []


def test_every_key_the_code_uses_exists():
    used = set()
    pattern = re.compile(r"""\b(?:text|_say|_t|tr|of|Problem|_Refused|_refusal|hover|_band_hover)\("""
                         r"""(?:args, |error, )?["']([a-z_]+\.[A-Za-z0-9_. ]+)["']""")
    for folder in ("fleetsim", "dashboard", "demand", "network", "data"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys: the test would pass for nothing"
    assert sorted(used - set(i18n.catalogue())) == []


def test_language_from_choice_and_locale():
    assert i18n.language("zh") == "zh" and i18n.language("en") == "en"
    assert i18n.language(None, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.language(None, {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.language(None, {}) == "en"
    with pytest.raises(ValueError, match="--lang"):
        i18n.language("fr")


def test_verdicts_and_units_translate():
    assert i18n.verdict_text("exceeded", "zh") == "超出"
    assert i18n.verdict_text(float("nan"), "en") == "not modelled"
    assert i18n.unit_name("vehicles", "zh") == "辆" and i18n.unit_name("kg/h", "zh") == "kg/h"
    assert i18n.figure_name("nev_stock", "zh") == "新能源汽车保有量"
    assert i18n.figure_name("some_new_figure", "zh") == "some new figure"


def test_a_row_with_an_unquoted_comma_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "messages.csv"
    bad.write_text("key,en,zh\nhelp.x,one,二，三,四\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "_FILE", bad)
    with pytest.raises(ValueError, match="help.x.*three fields"):
        i18n.catalogue.__wrapped__()


def test_translatable_errors_carry_both_languages():
    from szplan.demand import DemandError

    err = DemandError.of("stock.unknown_target", got="'x'", known="a, b")
    assert str(err) == "--target: unknown target id 'x'; known: a, b"
    assert i18n.error_text(err, "zh") == "--target：未知的目标编号 'x'；已知：a, b"
    assert i18n.error_text(ValueError("plain"), "zh") == "plain"  # uncatalogued errors keep their text


def test_model_notes_and_log_lines_in_the_command_language():
    """A plan's note is English where it is stored (manifest, log) and Chinese under --lang zh,
    with the level named in Chinese; other log lines keep their arguments as they are."""
    import json
    import logging

    from szplan.data.i18n import Note
    from szplan.fleetsim.cli import _LogFormatter

    note = Note.of("note.over_budget", year=2030, needed=1.5e9, budget=1.0e9, over=0.5e9)
    assert json.loads(json.dumps([note])) == [
        "2030: sizing to the service level needs CNY 1,500,000,000, over the budget of CNY 1,000,000,000 by "
        "CNY 500,000,000"]
    record = logging.LogRecord("szplan.fleetsim.runs.run", logging.WARNING, "", 1, "%s", (note,), None)
    assert _LogFormatter("zh").format(record) == (
        "警告：2030 年：按服务水平配置需投资 1,500,000,000 元，超出 1,000,000,000 元的预算 500,000,000 元")
    assert _LogFormatter("en").format(record) == f"WARNING szplan.fleetsim.runs.run: {note}"
    plain = logging.LogRecord("x", logging.INFO, "", 1, "plan %d: %d sites", (2025, 3), None)
    assert _LogFormatter("zh").format(plain) == "信息：plan 2025: 3 sites"
