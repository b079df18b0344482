"""The one loader for every YAML file the program reads (scenario and sweep files).

YAML is a large language and a file may come from anyone, so the loader accepts only what a
scenario needs and refuses the rest before any real work:

* files above ``yaml_max_bytes`` (``data/params/limits.csv``) are refused unread;
* the text must be UTF-8;
* anchors and aliases are refused (an alias bomb expands a small file into gigabytes);
* nesting deeper than ``yaml_max_depth`` is refused before any object is built;
* a mapping may not repeat a key (YAML would silently keep the last one);
* only YAML's safe types are built, with libyaml's C parser when it is installed.

Every error is one line of bounded length; :func:`show` and :func:`one_line` keep the values
and messages of other modules' errors bounded the same way.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from szplan.data.limits import limit

from ..errors import ScenarioError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "load_yaml_file", "parse_yaml", "show", "one_line"]

MAX_BYTES = int(limit("yaml_max_bytes"))
MAX_DEPTH = int(limit("yaml_max_depth"))
_VALUE_CHARS = int(limit("error_value_chars"))
_LINE_CHARS = int(limit("error_line_chars"))

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def show(value: Any, limit_chars: int = _VALUE_CHARS) -> str:
    """``repr(value)`` on one line, cut to ``limit_chars`` characters (with ``...``).

    Large containers are cut before they are rendered, so showing a huge value costs little.
    """
    if isinstance(value, (list, tuple, set, dict)) and len(value) > limit_chars:
        items = list(value.items() if isinstance(value, dict) else value)[:limit_chars]
        value = dict(items) if isinstance(value, dict) else items
    if isinstance(value, (str, bytes)) and len(value) > 4 * limit_chars:
        value = value[: 4 * limit_chars]
    try:
        text = repr(value)
    except RecursionError:  # a structure nested too deep to print: say what it is
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit_chars else text[: limit_chars - 3] + "..."


def one_line(text: str, limit_chars: int = _LINE_CHARS) -> str:
    """``text`` with every run of whitespace as one space, cut to ``limit_chars`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit_chars else text[: limit_chars - 3] + "..."


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing repeated keys in a mapping."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _Refused(f"a mapping key must be a plain value, not {type(key).__name__}",
                               key_node.start_mark) from None
            if key in seen:
                raise _Refused(f"key {show(key)} is given twice in one mapping (first at line "
                               f"{seen[key].line + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    def __init__(self, problem: str, mark=None):
        super().__init__(problem)
        self.problem, self.mark = problem, mark


def _at(mark) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_events(text: str) -> None:
    """Refuse anchors, aliases and deep nesting from the parser's events, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("aliases (*name) are not allowed; write the value out", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused("anchors (&name) are not allowed; write the value out", event.start_mark)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_yaml(text: str, *, origin: str, error: type[ValueError] = ScenarioError) -> Any:
    """YAML text to plain Python data (mappings, lists, strings, numbers, booleans, None).

    Parameters
    ----------
    text
        The file's text.
    origin
        What the text is (usually the file name); every error starts with it.
    error
        The exception class raised, a :class:`ValueError` subclass.

    Raises
    ------
    error
        One line: the file is too large, not YAML, uses anchors or aliases, nests too deep,
        repeats a key, or holds a value YAML's safe types cannot build.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise error(f"{origin}: file too large ({size:,} bytes; at most {MAX_BYTES:,})")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except _Refused as err:
        raise error(one_line(f"{origin}: {err.problem}{_at(err.mark)}")) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or (str(err).splitlines() or ["unreadable"])[0]
        raise error(one_line(f"{origin}: broken YAML{_at(mark)}: {problem}")) from None
    except Exception as err:  # noqa: BLE001
        # a scalar YAML resolves but Python cannot build: the timestamp 2030-02-30 (ValueError),
        # an explicit "!!timestamp" on a non-date (AttributeError inside PyYAML), ...
        raise error(one_line(f"{origin}: unreadable value: {show(str(err))}")) from None


def load_yaml_file(path: str | Path, *, origin: str | None = None,
                   error: type[ValueError] = ScenarioError) -> Any:
    """Read and parse a YAML file with :func:`parse_yaml`; the size is checked before reading.

    Raises
    ------
    error
        The file is missing, unreadable, too large, not UTF-8, or any :func:`parse_yaml` refusal.
    """
    path = Path(path)
    origin = origin or path.name
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{origin}: no such file") from None
    except OSError as err:
        raise error(one_line(f"{origin}: cannot read ({err.strerror or err})")) from None
    if len(data) > MAX_BYTES:
        raise error(f"{origin}: file too large (over {MAX_BYTES:,} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{origin}: not UTF-8 text (byte {err.start})") from None
    return parse_yaml(text, origin=origin, error=error)
