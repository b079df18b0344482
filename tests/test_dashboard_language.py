"""The dashboard in each language: every page's layout and empty state, built as a Chinese (or an
English) request would get it, says nothing in the other language; the Run page's check and
launch messages follow the language they are given."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from szplan.dashboard import create_app
from dash import dcc

from szplan.dashboard.app import PAGES
from szplan.dashboard.figures_map import ZONE_METRICS
from szplan.dashboard.launch import _Progress
from szplan.dashboard.pages import run, scenarios, stations, targets
from szplan.dashboard.reader import ResultsReader
from szplan.dashboard.state import DashboardState, current_state
from szplan.dashboard.ui import LANG_COOKIE

_WORD = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: English words a Chinese page may show: units, file formats, fuels and the command line's name
_ALLOWED_WORDS = {"kwh", "mwh", "gwh", "twh", "cny", "gcj", "wgs", "csv", "xlsx", "zip", "geojson", "geopackage",
                  "excel", "lng", "nev", "utf"}
#: phrases shown as they are in both languages: the map data's attribution and licence, a command
_ALLOWED_PHRASES = ("Qing Yu", "BSD 3-Clause", "fleetsim site", "ST-EVCDP")
#: file names (data sources named in the station table)
_FILE = re.compile(r"[\w./-]+\.(?:csv|parquet|json|yaml|geojson)\b")
#: a Markdown link's address (``[目标](/?run=...)``) and a quoted name (``没有表 'stock'``: a table's name)
_LINK = re.compile(r"\]\([^)]*\)")
_QUOTED = re.compile(r"'[\w.-]+'")
#: DataTable columns holding identifiers (station ids, run folders and names, scenario names)
_ID_COLUMNS = {"station_id", "folder", "run", "scenario"}


class _Cells(HTMLParser):
    """The text of a :func:`dashboard.ui.simple_table` (or any HTML), with the header of its column."""

    def __init__(self):
        super().__init__()
        self.headers: list[str] = []
        self.out: list[tuple[str, str]] = []
        self._tag, self._column = "", -1

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        if tag == "tr":
            self._column = -1
        if tag in ("td", "th"):
            self._column += 1

    def handle_data(self, data):
        if not data.strip():
            return
        if self._tag == "th":
            self.headers.append(data)
        header = self.headers[self._column] if self._tag == "td" and 0 <= self._column < len(self.headers) else ""
        self.out.append((header, data))


#: Plotly's placeholders (``%{y:,.0f}``, ``%{x|%Y}``) and the tags of its texts (``<br>``, ``<extra>``)
_PLACEHOLDER = re.compile(r"%\{[^}]*\}|<[^>]*>")


def _plotly_text(text) -> str | None:
    """A hover template or trace text as a visitor reads it: placeholders and tags left out."""
    return _PLACEHOLDER.sub(" ", text) if isinstance(text, str) else None


def _trace_strings(where: str, trace: dict) -> list[tuple[str, str | None]]:
    """What a trace says on hovering and beside its marks: hover templates, hover texts, texts,
    the colour bar's title."""
    out = []
    for key in ("hovertemplate", "hovertext", "text", "texttemplate"):
        value = trace.get(key)
        for text in value if isinstance(value, (list, tuple)) else [value]:
            out.append((f"{where}.{key}", _plotly_text(text)))
    bar = (trace.get("marker") or {}).get("colorbar") or {}
    title = bar.get("title")
    out.append((f"{where}.colorbar", title.get("text") if isinstance(title, dict) else title))
    return out


def _figure_strings(where: str, fig: dict) -> list[tuple[str, str]]:
    """What a figure shows in words: title, axis titles, notes, names in the legend, hover
    templates and texts, colour-bar titles."""
    out = []
    layout = fig.get("layout", {})
    if isinstance(layout.get("title"), dict):
        out.append((f"{where}.title", layout["title"].get("text")))
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict) and isinstance(axis.get("title"), dict):
            out.append((f"{where}.{key}", axis["title"].get("text")))
    out += [(f"{where}.note", note.get("text")) for note in layout.get("annotations") or []]
    out += [(f"{where}.legend", trace["name"]) for trace in fig.get("data", [])
            if trace.get("name") and trace.get("showlegend", True) is not False]
    out += [s for trace in fig.get("data", []) for s in _trace_strings(where, trace)]
    return out


def visible_strings(node, where: str = "page") -> list[tuple[str, str]]:
    """Every string of a Dash component tree that a visitor reads: children, labels,
    placeholders, titles, option labels, table headers and cells, figure texts. The language
    switch is left out (it names each language in that language)."""
    if isinstance(node, (list, tuple)):
        return [s for child in node for s in visible_strings(child, where)]
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, str):
        return [(where, node)]
    if not isinstance(node, dict) or "props" not in node:
        return []
    props, kind = node["props"], node.get("type")
    where = str(props.get("id") or where)
    if where == "app-lang":
        return []
    out = [(f"{where}.{key}", props[key]) for key in ("label", "placeholder", "title")
           if isinstance(props.get(key), str)]
    for option in props.get("options") or []:
        if isinstance(option, dict):
            out += [(f"{where}.option", option[k]) for k in ("label", "title") if isinstance(option.get(k), str)]
        else:
            out.append((f"{where}.option", str(option)))
    out += [(f"{where}.column", column.get("name")) for column in props.get("columns") or []]
    if kind == "DataTable":
        out.append((f"{where}.filter", (props.get("filter_options") or {}).get("placeholder_text", "filter data...")))
        out += [(f"{where}.{key}", value) for row in props.get("data") or [] for key, value in row.items()
                if isinstance(value, str) and key not in _ID_COLUMNS]
    if kind == "Markdown" and isinstance(props.get("children"), str):
        cells = _Cells()
        cells.feed(props["children"])
        out += [(f"{where}[{header}]", text) for header, text in cells.out]
    elif "children" in props:
        out += visible_strings(props["children"], where)
    if kind == "Graph" and isinstance(props.get("figure"), dict):
        out += _figure_strings(where, props["figure"])
    return out


def _english_words(text: str, known: set[str]) -> list[str]:
    for value in sorted(known, key=len, reverse=True):  # run folders, names, scenario ids
        text = text.replace(value, " ")
    for phrase in _ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    text = _FILE.sub(" ", text)
    text = _LINK.sub("]", text)
    text = _QUOTED.sub(" ", text)
    return [w for w in _WORD.findall(text) if w.lower() not in _ALLOWED_WORDS]


@pytest.fixture()
def apps(small_run, tmp_path, write_sweep):
    """Three dashboards: over a run and a sweep, over nothing, over a run with a table missing
    and one whose manifest cannot be read (and a folder that is not there)."""
    write_sweep(tmp_path / "sweeps" / "s1")
    corrupt = tmp_path / "corrupt" / "broken"
    shutil.copytree(small_run.path, corrupt)
    (corrupt / "stock.parquet").unlink()
    shutil.copytree(small_run.path, tmp_path / "corrupt" / "unreadable")
    (tmp_path / "corrupt" / "unreadable" / "manifest.json").write_bytes(b"\xff\xfe{")
    roots = {"full": [small_run.path, tmp_path / "sweeps"], "empty": [tmp_path / "missing"],
             "corrupt": [tmp_path / "corrupt"]}
    return {name: create_app(dirs, runs_root=tmp_path / f"runs-{name}", cache_dir=tmp_path / f"cache-{name}")
            for name, dirs in roots.items()}


def _not_found(app, lang: str):
    """What Dash's router shows for an address that names no page, to a visitor in ``lang``."""
    client = app.server.test_client()
    client.set_cookie(LANG_COOKIE, lang)
    router = next(d for d in client.get("/_dash-dependencies").get_json() if "_pages_content.children" in d["output"])
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in router["output"].strip(".").split("...")]
    response = client.post("/_dash-update-component", json={
        "output": router["output"], "outputs": outputs, "changedPropIds": ["_pages_location.pathname"],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/no-such-page"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "state": [{"id": "app-selected-run", "property": "data", "value": None}]})
    assert response.status_code == 200
    return response.get_json()["response"]["_pages_content"]["children"]


def _strings(app, lang: str) -> tuple[list[tuple[str, str]], set[str]]:
    """What every page of ``app`` shows to a visitor whose language cookie is ``lang``, and the
    identifiers (run folders, names, scenario ids, runs root) among it."""
    out: list[tuple[str, str]] = visible_strings(_not_found(app, lang), "not-found")
    with app.server.test_request_context("/", headers={"Cookie": f"{LANG_COOKIE}={lang}"}):
        state = current_state()
        out += visible_strings(app.layout(), "shell")
        for page in PAGES:
            out += visible_strings(page.layout(), page.NAME)
        # the empty states the callbacks draw
        out += visible_strings(list(stations.render(state, None)), "stations-empty")
        out += visible_strings(list(scenarios.render(state, [])), "scenarios-none")
        out += visible_strings([targets.render_bands(state, "", None)], "bands-empty")
        runs = [info.run_id for info in state.reader.runs() if not info.problem]
        if runs:
            out += visible_strings(list(scenarios.render(state, runs[:1])), "scenarios-one")
            # the map under every colouring: each has its own colour bar and hover unit
            for metric in ZONE_METRICS:
                fig = stations.render(state, runs[0], metric, None)[1]
                out += visible_strings(dcc.Graph(id=f"stations-map-{metric}", figure=fig))
        for sweep in state.reader.sweeps():
            out += visible_strings(list(targets.band_choices(state, sweep.sweep_id)[0]), "band-choices")
            out += visible_strings([targets.render_bands(state, sweep.sweep_id, "peak_charging_power")], "bands")
        known = {str(state.runs_root), *map(str, state.reader.results_dirs)} | {s for info in state.reader.runs()
                                          for s in (info.run_id, info.name, info.scenario) if s}
        known |= {s for sweep in state.reader.sweeps() for s in (sweep.sweep_id, sweep.name)}
        known |= set(run.scenario_choices(state.scenarios_dir))
        known |= {quote(k, safe="") for k in known}  # the run list's links carry the folders quoted
    return [(w, s) for w, s in out if isinstance(s, str) and s.strip()], known


def test_the_chinese_interface_shows_no_english(apps):
    found = {}
    for name, app in apps.items():
        strings, known = _strings(app, "zh")
        assert any(_CJK.search(s) for _, s in strings), name  # the walk found the page texts at all
        said = " ".join(s for _, s in strings)
        assert {"full": "可用", "empty": "没有此文件夹", "corrupt": "无法读取 manifest.json"}[name] in said
        assert "找不到页面" in said and "返回“目标”" in said  # the page of an unknown address
        for where, text in strings:
            words = _english_words(text, known)
            if words:
                found[f"{name}: {where}"] = text
    assert found == {}


def test_the_english_interface_shows_no_chinese(apps):
    found = {}
    for name, app in apps.items():
        strings, _ = _strings(app, "en")
        assert any("Targets" == s for _, s in strings), name
        assert ("not-found", "Page not found") in strings and ("not-found-back", "Back to Targets") in strings
        for where, text in strings:
            # the plan's own Chinese wording is a column of the targets table in both languages
            if _CJK.search(text) and not where.endswith("[plan wording]"):
                found[f"{name}: {where}"] = text
    assert found == {}


def test_the_walk_sees_labels_placeholders_options_and_figures():
    """The checks above would pass for nothing if the walk missed what they look at."""
    from dash import dcc, html

    from szplan.dashboard.style import empty_figure

    tree = html.Div([html.Label("Word one"), dcc.Input(id="i", placeholder="hint here"),
                     dcc.Dropdown(id="d", options=[{"label": "option text", "value": "v"}]),
                     dcc.Graph(id="g", figure=empty_figure("figure note")),
                     dcc.Markdown('<table><thead><tr><th>head</th></tr></thead><tbody><tr><td>cell</td></tr></tbody>'
                                  '</table>', id="m")])
    texts = {s for _, s in visible_strings(tree)}
    assert {"Word one", "hint here", "option text", "figure note", "head", "cell"} <= texts
    assert _english_words("运行 small 已完成", {"small"}) == []
    assert _english_words("加载中 loading", set()) == ["loading"]


# ---- the Run page's messages ---------------------------------------------------------------------

def test_run_check_speaks_the_language_it_is_given():
    message, css = run.check("shenzhen-2030", "ok-run", 2030, 95, 0.002, 3, lang="zh")
    assert css == "run-check valid" and message.startswith("有效：ok-run") and "随机种子 3" in message
    assert not _english_words(message, {"ok-run"})
    message, css = run.check("shenzhen-2030", "plan", 2030, None, 0.002, 1, 12.5, lang="zh")
    assert css == "run-check valid" and "125 亿元" in message
    message, css = run.check("shenzhen-2030", "x", 2030, None, 0, 1, lang="zh")
    assert css == "run-check invalid" and message.startswith("情景无效：simulation.sample：应在 ")
    assert "实际为 0" in message
    message, css = run.check("shenzhen-2030", "x", 2030.5, None, 0.01, 1, lang="zh")
    assert css == "run-check invalid" and "year：应为整数" in message
    message, _ = run.check("no-such", "x", 2030, None, 0.01, 1, lang="zh")
    assert "不是内置情景" in message
    assert run.check(None, "x", 2030, None, 0.01, 1, lang="zh")[0] == "请选择情景。"
    # English, by default and when asked, positional arguments as before
    for kwargs in ({}, {"lang": "en"}):
        message, css = run.check("shenzhen-2030", "ok-run", 2030, 95, 0.002, 3, **kwargs)
        assert css == "run-check valid" and message.startswith("Valid: ok-run") and not _CJK.search(message)
        message, css = run.check("shenzhen-2030", "x", 2030, None, 0, 1, **kwargs)
        assert message.startswith("Not a valid scenario: simulation.sample: must be") and not _CJK.search(message)


def test_run_launch_and_lever_hint_speak_the_language(small_run, tmp_path):
    state = DashboardState(ResultsReader([small_run.path], tmp_path / "runs"), tmp_path / "runs")
    message, css, rows = run.launch(state, lambda *a: None, "shenzhen-2025", "x", 2025, None, 5, 1, lang="zh")
    assert css.endswith("invalid") and message.startswith("未启动：simulation.sample") and rows[0]["status"] == "可用"
    assert "[目标](" in rows[0]["open"]
    message, _, rows = run.launch(state, lambda *a: None, "shenzhen-2025", "x", 2025, None, 5, 1)
    assert message.startswith("Not launched: simulation.sample") and rows[0]["status"] == "ready"
    disabled, hint = run.lever_state(2025, "zh")
    assert disabled and hint.startswith("不适用于 2025 年")
    assert run.lever_state(2030, "zh") == (False, "留空则沿用校准路径；否则自 2025 年起线性变化")
    assert "does not apply to 2025" in run.lever_state(2025, "en")[1]
    said = []
    progress = _Progress(lambda percent, text: said.append(text), "zh")
    progress("simulation", 0.5)
    progress("year", 1.0)
    assert said == ["日仿真：50%", "其余典型日：100%"]
