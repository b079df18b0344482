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

from szplan.data import i18n
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
                raise _Refused("yaml.key_not_plain", key_node.start_mark, kind=type(key).__name__) from None
            if key in seen:
                raise _Refused("yaml.key_twice", key_node.start_mark, key=show(key), first=seen[key].line + 1)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    """A YAML feature refused while reading: catalogue key, where, and the message's fields."""

    def __init__(self, message_key: str, mark=None, **fields):
        super().__init__(message_key)
        self.message_key, self.mark, self.fields = message_key, mark, fields


def _refusal(error, message_key: str, mark, **fields):
    """``error`` for catalogue message ``message_key`` at ``mark`` (a YAML position or None), in both languages."""
    def say(lang: str) -> str:
        at = i18n.text("yaml.at", lang, line=mark.line + 1, column=mark.column + 1) if mark is not None else ""
        return one_line(i18n.text(message_key, lang, at=at, **fields))

    return error(say("en"), zh=say("zh"))


def _check_events(text: str) -> None:
    """Refuse anchors, aliases and deep nesting from the parser's events, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("yaml.alias", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused("yaml.anchor", event.start_mark)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused("yaml.too_deep", event.start_mark, most=MAX_DEPTH)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_yaml(text: str, *, origin: str, error: type[ScenarioError] = ScenarioError) -> Any:
    """YAML text to plain Python data (mappings, lists, strings, numbers, booleans, None).

    Parameters
    ----------
    text
        The file's text.
    origin
        What the text is (usually the file name); every error starts with it.
    error
        The exception class raised, a :class:`ScenarioError` subclass.

    Raises
    ------
    error
        One line: the file is too large, not YAML, uses anchors or aliases, nests too deep,
        repeats a key, or holds a value YAML's safe types cannot build.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise error.of("yaml.too_large", origin=origin, size=f"{size:,}", most=f"{MAX_BYTES:,}")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except _Refused as err:
        raise _refusal(error, err.message_key, err.mark, origin=origin, **err.fields) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or (str(err).splitlines() or ["unreadable"])[0]
        raise _refusal(error, "yaml.broken", mark, origin=origin, problem=problem) from None
    except Exception as err:  # noqa: BLE001
        # a scalar YAML resolves but Python cannot build: the timestamp 2030-02-30 (ValueError),
        # an explicit "!!timestamp" on a non-date (AttributeError inside PyYAML), ...
        raise error.of("yaml.unreadable_value", origin=origin, value=show(str(err))) from None


def load_yaml_file(path: str | Path, *, origin: str | None = None,
                   error: type[ScenarioError] = ScenarioError) -> Any:
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
        raise error.of("yaml.no_file", origin=origin) from None
    except OSError as err:
        raise error.of("yaml.cannot_read", origin=origin, reason=one_line(str(err.strerror or err))) from None
    if len(data) > MAX_BYTES:
        raise error.of("yaml.too_large", origin=origin, size=f"> {MAX_BYTES:,}", most=f"{MAX_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error.of("yaml.not_utf8", origin=origin, byte=err.start) from None
    return parse_yaml(text, origin=origin, error=error)
