"""Pages and files served from this site only: the security headers the dashboard and GraphiQL share,
and a StaticFiles that adds them to every file it serves."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Every source is this site: no inline script can run even if some text slipped into a page as HTML.
_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def same_site_headers(**sources: str) -> dict[str, str]:
    """Headers for a page and its files: a Content-Security-Policy allowing this site only, where
    ``sources`` widens or adds a directive (``img_src="'self' https:"`` for img-src), no MIME sniffing,
    no referrer, and revalidation (the ETag keeps it cheap, and a deploy shows at the next load)."""
    policy = {**_POLICY, **{name.replace("_", "-"): value for name, value in sources.items()}}
    return {
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in policy.items()),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


class StaticFilesWithHeaders(StaticFiles):
    def __init__(self, *, headers: dict[str, str], **options: Any) -> None:
        super().__init__(**options)
        self.headers = headers

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(self.headers)
        return response
