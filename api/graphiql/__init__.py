"""GraphiQL at /graphql, served from this package: its page and the vendored GraphiQL and React files.

Strawberry's own page loads them from a CDN, so on a host without internet it never gets past
"Loading…". Here every script, style and font comes from this site (static/vendor/README.md says
where each file came from), under a policy that allows no other origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import HTMLResponse

from ..static_site import StaticFilesWithHeaders, same_site_headers

STATIC = Path(__file__).parent / "static"
PATH = "/graphiql"  # the assets; the page itself is rendered at /graphql by the GraphQL router

# Unlike the dashboard's, styles may be inline: React and GraphiQL set style attributes. Fonts are
# data: URLs inside graphiql.min.css.
HEADERS = same_site_headers(style_src="'self' 'unsafe-inline'", font_src="'self' data:", img_src="'self' data:")


def graphiql_page() -> HTMLResponse:
    """The page the GraphQL router answers a browser's GET /graphql with."""
    return HTMLResponse((STATIC / "index.html").read_text(), headers=HEADERS)


def mount_graphiql(app: FastAPI) -> None:
    """Serves the page's scripts and styles under /graphiql/."""
    app.mount(PATH, StaticFilesWithHeaders(directory=STATIC, headers=HEADERS), name="graphiql")
