"""The staff dashboard: static HTML, CSS and JavaScript modules served at /dashboard.

No build step and no framework: `static/` is served as it is. The page is a client of the GraphQL API
and of the login endpoints under /auth only (see static/js/api.js for every document it sends), so it
must be served from the API's own site: the refresh cookie is scoped to /auth on that origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..settings import ApiSettings

STATIC = Path(__file__).parent / "static"
PATH = "/dashboard"

# Scripts, styles and connections from this site only: no inline script can run even if some text
# slipped into the page as HTML. Images may come from https (partner icons are on Discord's CDN).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
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
    "Cache-Control": "no-cache",  # revalidate: a deploy is seen at the next load (ETag keeps it cheap)
}


class _DashboardFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def discord_login_configured(settings: ApiSettings) -> bool:
    """The same three settings the login routes need (api/login/routes.py answers 503 without them)."""
    return bool(
        settings.discord_client_id and settings.discord_client_secret.get_secret_value() and settings.oauth_redirect_uri
    )


def mount_dashboard(app: FastAPI, settings: ApiSettings) -> None:
    """Serves the dashboard at /dashboard/ (index.html; /dashboard redirects there) and its files below it,
    and /dashboard/config.json: what the sign-in page may offer (the page is static, this is not)."""
    config = {"discordLogin": discord_login_configured(settings)}

    # Registered before the mount, so it is matched first.
    @app.get(PATH + "/config.json", include_in_schema=False)
    async def dashboard_config() -> JSONResponse:
        return JSONResponse(config, headers=HEADERS)

    app.mount(PATH, _DashboardFiles(directory=STATIC, html=True), name="dashboard")
