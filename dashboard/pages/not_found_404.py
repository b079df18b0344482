"""The page of an address that names no page: says so in the visitor's language and links to
the first page. Dash shows a page whose module is named ``not_found_404`` for every unknown
path, in place of its own English-only "404 - Page not found"."""
from __future__ import annotations

from dash import dcc, html

from ..ui import page_header, tr

__all__ = ["PATH", "NAME", "layout", "title"]

PATH, NAME = "/404", "NotFound"


def layout(first=None, **_query) -> html.Div:
    """The page, its link going to ``first`` (a page module: the first in the navigation)."""
    path = getattr(first, "PATH", "/")
    name = tr(f"nav.{first.NAME.lower()}") if first is not None else tr("app.title")
    return html.Div([
        page_header(tr("page.not_found.title"), tr("page.not_found.intro")),
        html.P(dcc.Link(tr("page.not_found.back", page=name), href=path, id="not-found-back", className="button")),
    ], className="page")


def title(**_path) -> str:
    """The browser tab's title in the visitor's language."""
    return f"{tr('page.not_found.title')} · {tr('app.title')}"
