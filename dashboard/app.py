"""The Dash app: a multi-page dashboard over fleetsim results folders.

``create_app`` builds the app for a list of results folders (runs, sweeps or folders of them)
and a runs root where new runs go; ``serve`` runs it. Pages are registered with
:func:`dash.register_page` from the modules in :mod:`dashboard.pages`; each module has a
``layout`` function and wires its own callbacks on the app it is given.
"""
from __future__ import annotations

import atexit
import functools
import logging
import shutil
import tempfile
import threading
from pathlib import Path

import dash
import diskcache
from dash import Input, Output, State, dcc, html

from szplan.data import i18n

from .pages import day, fleet, not_found_404, run, scenarios, stations, targets
from .reader import ResultsReader
from .state import STATE_KEY, DashboardState
from .ui import LANG_COOKIE, lang, tr

__all__ = ["PAGES", "create_app", "serve"]

log = logging.getLogger(__name__)

#: the pages in navigation order
PAGES = (targets, fleet, day, stations, scenarios, run)
#: the browser tab's title outside any page (pages are titled in the visitor's language, see _title)
_TITLE = i18n.text("app.title", "en")
_ASSETS = Path(__file__).resolve().parent / "assets"


def _nav_id(page) -> str:
    return f"nav-{page.NAME.lower()}"


def _title(page):
    """The page's browser-tab title, said in the request's language when Dash asks for it."""
    return lambda **_path: f"{tr(f'nav.{page.NAME.lower()}')} · {tr('app.title')}"


def _description(page, runs_root: Path):
    """The page's one-line description (the page header's intro) in the request's language."""
    return lambda **_path: tr(f"page.{page.NAME.lower()}.intro", root=runs_root)


def _shell(state: DashboardState) -> html.Div:
    state.reader.refresh()
    problems = state.reader.problems_zh if lang() == "zh" else state.reader.problems
    return html.Div([
        html.Header([
            html.Div([html.Span("SZ", className="brand-mark"), html.Span(tr("app.title"), className="brand-name")],
                     className="brand"),
            html.Nav([dcc.Link(tr(f"nav.{p.NAME.lower()}"), href=p.PATH, id=_nav_id(p), className="nav-link")
                      for p in PAGES], className="nav"),
            html.Div([html.Label(tr("app.language"), htmlFor="app-lang", className="lang-label"),
                      dcc.RadioItems(id="app-lang", value=lang(), inline=True, className="lang-switch",
                                     options=[{"label": "English", "value": "en"}, {"label": "中文", "value": "zh"}])],
                     className="lang"),
        ], className="app-header", lang="zh-CN" if lang() == "zh" else "en"),
        html.Div([html.Div(p) for p in problems], id="app-problems", className="app-problems", role="alert",
                 hidden=not problems),
        html.Main(dash.page_container, className="app-main"),
        dcc.Store(id="app-selected-run", storage_type="session"),
    ], className="app")


def _warm(state: DashboardState) -> None:
    """Load the shipped outlines and facts, the first run's tables and its Targets figures (the
    page a visitor opens first) before the first request."""
    from .figures import plan_targets, reported_history
    from .figures_map import district_outlines, zone_centres, zone_shapes

    try:
        for load in (reported_history, plan_targets, zone_shapes, zone_centres, district_outlines):
            load()
        run_id = state.reader.default_run()
        if run_id:
            sweeps = state.reader.sweeps()
            targets.render(state, run_id, sweeps[0].sweep_id if sweeps else "")
            for name in ("energy_by_year", "figures"):
                state.reader.table(run_id, name)
    except Exception:  # any failure here shows again, with its message, when a page reads the run
        log.debug("warming the dashboard's caches failed", exc_info=True)


def create_app(results_dirs: list[Path], *, runs_root: Path, cache_dir: Path | None = None,
               scenarios_dir: Path | None = None) -> dash.Dash:
    """Build the dashboard over ``results_dirs``.

    Parameters
    ----------
    results_dirs : list of Path
        Results folders to show: runs, sweep folders or folders holding either. Listed first in
        every run picker, in this order; a missing or broken one is reported on the page.
    runs_root : Path
        Where the Run page writes new runs; runs already there are listed too (newest first).
    cache_dir : Path, optional
        Folder of the background-job cache; default a temporary folder removed at exit.
    scenarios_dir : Path, optional
        The one folder whose scenario files the Run page may start from, besides the built-in
        scenarios.

    Returns
    -------
    dash.Dash
        The app; its Flask server is ``app.server``.
    """
    reader = ResultsReader([Path(p) for p in results_dirs], Path(runs_root))
    state = DashboardState(reader=reader, runs_root=Path(runs_root),
                           scenarios_dir=Path(scenarios_dir) if scenarios_dir is not None else None)
    if cache_dir is None:
        cache_dir = Path(tempfile.mkdtemp(prefix="fleetsim-dashboard-"))
        atexit.register(shutil.rmtree, cache_dir, True)
    manager = dash.DiskcacheManager(diskcache.Cache(str(cache_dir)))
    app = dash.Dash(
        __name__,
        title=_TITLE,
        update_title=None,  # Dash's own "Updating..." tab title is English only
        use_pages=True,
        pages_folder="",
        assets_folder=str(_ASSETS),
        # plotly-loader.js makes dcc.Graph load this bundle itself, asynchronously
        assets_ignore=r"plotly-basic\.min\.js",
        serve_locally=True,
        suppress_callback_exceptions=True,  # page components exist only while their page is shown
        background_callback_manager=manager,
        # the run picked on one page is the run the next page opens with
        routing_callback_inputs={"selected_run": State("app-selected-run", "data")},
    )
    app.server.extensions[STATE_KEY] = state
    for order, page in enumerate(PAGES):
        dash.register_page(page.__name__, path=page.PATH, name=page.NAME, order=order, layout=page.layout,
                           title=_title(page), description=_description(page, state.runs_root))
    # any other address: a page in the visitor's language linking to the first page (Dash picks it
    # by its module's name, not_found_404), not Dash's English "404 - Page not found"
    dash.register_page(not_found_404.__name__, path=not_found_404.PATH, name=not_found_404.NAME,
                       order=len(PAGES), layout=functools.partial(not_found_404.layout, PAGES[0]),
                       title=not_found_404.title)
    app.layout = lambda: _shell(state)
    for page in PAGES:
        page.register_callbacks(app, state)
        picker = getattr(page, "RUN_SELECT", None)
        if picker:
            # in the browser: remembering the choice needs no request to the server
            app.clientside_callback("function(value) { return value || window.dash_clientside.no_update; }",
                                    Output("app-selected-run", "data", allow_duplicate=True), Input(picker, "value"),
                                    prevent_initial_call=True)
    # the language lives in a cookie, so that every page and callback request carries it; the page
    # reloads to draw everything in the new language at once
    app.clientside_callback(
        "function(value) { if (!value) { return window.dash_clientside.no_update; }"
        f" var now = (document.cookie.match(/{LANG_COOKIE}=(\\w+)/) || [])[1];"
        f" if (now === value) {{ return window.dash_clientside.no_update; }}"
        f" document.cookie = '{LANG_COOKIE}=' + value + '; path=/; max-age=31536000; SameSite=Lax';"
        " window.location.reload(); return 'lang-switch'; }",
        Output("app-lang", "className"), Input("app-lang", "value"), prevent_initial_call=True)
    app.clientside_callback(
        "function(path) { return [" + ", ".join(
            f"(path === '{p.PATH}' ? 'nav-link active' : 'nav-link')" for p in PAGES) + "]; }",
        *[Output(_nav_id(p), "className") for p in PAGES], Input("_pages_location", "pathname"),
    )
    threading.Thread(target=_warm, args=(state,), name="dashboard-warm", daemon=True).start()
    log.info("dashboard over %d run(s); new runs go to %s", len(reader.runs(refresh=False)), runs_root)
    return app


def serve(results_dirs: list[Path], *, host: str = "127.0.0.1", port: int = 8050,
          runs_root: Path = Path("results"), debug: bool = False) -> None:
    """Build the dashboard and serve it until interrupted."""
    app = create_app(results_dirs, runs_root=runs_root)
    log.info("dashboard at http://%s:%d/", host, port)
    # the reloader would start the whole command a second time
    app.run(host=host, port=port, debug=debug, use_reloader=False)
