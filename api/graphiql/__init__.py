"""GraphiQL at /graphql, served from this package: its page and the vendored GraphiQL and React files.

Strawberry's own page loads them from a CDN, so on a host without internet it never gets past
"Loading…". Here every script, style and font comes from this site (static/vendor/README.md says
where each file came from), under a policy that allows no other origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
PATH = "/graphiql"  # the assets; the page itself is rendered at /graphql by the GraphQL router

# This site only. Unlike the dashboard's, styles may be inline: React and GraphiQL set style
# attributes. Fonts are data: URLs inside graphiql.min.css.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def graphiql_page() -> HTMLResponse:
    """The page the GraphQL router answers a browser's GET /graphql with."""
    return HTMLResponse((STATIC / "index.html").read_text(), headers={**HEADERS, "Cache-Control": "no-cache"})


class _AssetFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        response.headers["Cache-Control"] = "no-cache"  # revalidated with the ETag: cheap, and an upgrade shows
        return response


def mount_graphiql(app: FastAPI) -> None:
    """Serves the page's scripts and styles under /graphiql/."""
    app.mount(PATH, _AssetFiles(directory=STATIC), name="graphiql")
