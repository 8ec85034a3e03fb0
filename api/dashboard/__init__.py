"""The staff dashboard: static HTML, CSS and JavaScript modules served at /dashboard.

No build step and no framework: `static/` is served as it is. The page is a client of the GraphQL API
and of the login endpoints under /auth only (see static/js/api.js for every document it sends), so it
must be served from the API's own site: the refresh cookie is scoped to /auth on that origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import JSONResponse

from ..settings import ApiSettings
from ..static_site import StaticFilesWithHeaders, same_site_headers

STATIC = Path(__file__).parent / "static"
PATH = "/dashboard"

# Images may come from https too (partner icons are on Discord's CDN).
HEADERS = same_site_headers(img_src="'self' https: data:")


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

    app.mount(PATH, StaticFilesWithHeaders(directory=STATIC, html=True, headers=HEADERS), name="dashboard")
