"""One message catalogue, Simplified Chinese and English, for the command line and the dashboard.

The messages live in ``data/messages.csv`` (``key, en, zh``), one row per message,
``str.format`` fields in braces. :func:`text` looks a key up in a language; :func:`language`
picks the language from an explicit choice, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``, ``LANGUAGE``), else English. The module needs only the standard library, so any
command may import it without slowing its start.
"""
from __future__ import annotations

import csv
import functools
import os
from pathlib import Path

__all__ = ["LANGUAGES", "catalogue", "language", "text", "verdict_text", "figure_name", "unit_name", "district_name",
           "error_text",
           "Translatable", "Problem", "Note"]

#: the languages of the catalogue, the default first
LANGUAGES = ("en", "zh")
_FILE = Path(__file__).resolve().parent / "messages.csv"


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every message: ``{key: {"en": ..., "zh": ...}}`` (read once)."""
    with _FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        key = row["key"].strip()
        if None in row or any(row.get(lang) is None for lang in LANGUAGES):
            raise ValueError(f"{_FILE.name}: key {key!r} has not the three fields key, en, zh (quote a comma)")
        if key in out:
            raise ValueError(f"{_FILE.name}: key {key!r} appears twice")
        out[key] = {lang: row[lang] for lang in LANGUAGES}
    return out


def language(choice: str | None = None, environ=None) -> str:
    """``zh`` or ``en``: ``choice`` when given, else from the locale variables, else ``en``.

    Any ``zh*`` locale (``zh_CN.UTF-8``, ``zh_TW``...) gives Chinese: the catalogue holds
    Simplified Chinese only, which a reader of Traditional Chinese reads too.
    """
    if choice:
        lang = choice.lower().split("_")[0].split("-")[0]
        if lang not in LANGUAGES:
            raise ValueError(f"--lang: {choice!r} is not one of {', '.join(LANGUAGES)}")
        return lang
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def text(key: str, lang: str = "en", /, **fields) -> str:
    """The message ``key`` in ``lang``, formatted with ``fields``; an unknown key raises KeyError
    (a test checks every key the code uses)."""
    entry = catalogue()[key]
    message = entry.get(lang) or entry["en"]
    return message.format(**fields) if fields else message


def verdict_text(verdict, lang: str = "en") -> str:
    """``short``/``within``/``exceeded`` (or empty: not modelled) in ``lang``."""
    if verdict is None or verdict != verdict or verdict == "":  # None, NaN or empty: not modelled
        return text("verdict.not_modelled", lang)
    return text(f"verdict.{verdict}", lang)


def figure_name(name: str, lang: str = "en") -> str:
    """A key figure's or metric's name for people (``figure.<name>`` when catalogued)."""
    key = f"figure.{name}"
    if key in catalogue():
        return text(key, lang)
    return name.replace("_", " ")


def unit_name(unit: str, lang: str = "en") -> str:
    """A unit in ``lang`` (``unit.<unit>`` when catalogued, else as given)."""
    key = f"unit.{unit}"
    return text(key, lang) if key in catalogue() else str(unit)


def district_name(name, lang: str = "en") -> str:
    """A district's name in ``lang`` (``district.<name>`` when catalogued, else as given)."""
    key = f"district.{name}"
    return text(key, lang) if key in catalogue() else ("" if name is None or name != name else str(name))


def error_text(err, lang: str = "en") -> str:
    """An error's (or a :class:`Note`'s) message in ``lang``: its Chinese text (``zh``) when
    asked and known."""
    localised = getattr(err, "zh", None) if lang == "zh" else None
    return localised or str(err)


class Translatable:
    """Mixin of the packages' error classes: an error made by :meth:`of` from a catalogue message
    carries its Chinese text (``zh``) beside the English one (``str``)."""

    zh: str | None = None

    @classmethod
    def of(cls, key: str, **fields):
        """The error of catalogue message ``key`` with ``fields``, in both languages."""
        err = cls(text(key, "en", **fields))
        err.zh = text(key, "zh", **fields)
        return err


class Problem(Translatable, ValueError):
    """A parameter model's own check failing inside validation, by catalogue key, so that the
    error can be said in either language (``str`` is English, ``zh`` Chinese)."""

    def __init__(self, key: str, **fields):
        super().__init__(text(key, "en", **fields))
        self.zh = text(key, "zh", **fields)


class Note(str):
    """A remark of the model for people (a plan's shortfall, the truck corridors): a ``str`` in
    English, written as such into manifests and logs, with its Chinese text in ``zh``."""

    zh: str | None = None

    @classmethod
    def of(cls, key: str, **fields) -> Note:
        note = cls(text(key, "en", **fields))
        note.zh = text(key, "zh", **fields)
        return note
