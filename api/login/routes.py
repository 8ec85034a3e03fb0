"""HTTP side of the dashboard login: /auth/discord/login, /auth/discord/callback, /auth/refresh, /auth/logout.

After the callback the browser is sent to the `redirect` path with the access token in the URL
*fragment* (`#access_token=…&token_type=Bearer&expires_in=…`): a fragment is never sent to a server,
so the token stays out of access logs, proxies and Referer headers, while the dashboard's script can
read it and then clear it from the address bar. The refresh token goes into an HttpOnly cookie
(see cookies.py), out of reach of scripts.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse

from ..clock import utcnow
from ..settings import ApiSettings
from ..store.sessions import SessionStore
from .cookies import REFRESH_COOKIE, STATE_COOKIE, Cookies
from .discord import SCOPES, DiscordClient
from .errors import LoginError
from .sealing import Sealer
from .service import Issued, LoginService, end_session
from .state import STATE_SECONDS, StateSigner
from .throttle import auth_throttle

log = logging.getLogger(__name__)

# Nothing here may be cached, and the callback URL (it holds the code) must not leak as a Referer.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}
_NOT_CONFIGURED = LoginError(
    503,
    "login_not_configured",
    "Discord login is not configured on this server (DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET, OAUTH_REDIRECT_URI).",
)


def build_login_router(settings: ApiSettings) -> APIRouter:
    # Without AUTH_SECRET the app makes up its token key; the login's keys are made up alike (per process).
    secret = settings.auth_secret.get_secret_value().encode() or secrets.token_bytes(32)
    signer = StateSigner(secret)
    sealer = Sealer(secret)
    cookies = Cookies(settings.oauth_redirect_uri.startswith("https://"), settings.auth_refresh_days)
    configured = bool(
        settings.discord_client_id and settings.discord_client_secret.get_secret_value() and settings.oauth_redirect_uri
    )
    router = APIRouter(prefix="/auth", tags=["login"], dependencies=[Depends(auth_throttle(settings))])

    @asynccontextmanager
    async def login_service(request: Request) -> AsyncIterator[LoginService]:
        if not configured:
            raise _NOT_CONFIGURED
        container = request.app.state.container
        async with httpx.AsyncClient(timeout=settings.discord_timeout_seconds) as http:
            yield LoginService(
                settings,
                SessionStore(container.database),
                container.ledgers,
                request.app.state.tokens,
                sealer,
                DiscordClient(settings, http),
                container.bot_guilds,
                container.people,
            )

    @router.get("/discord/login")
    async def login(request: Request, redirect: str = "/") -> Response:
        if not configured:
            return _page(_NOT_CONFIGURED)
        started, cookie = signer.start(redirect)
        # Kept server-side too, so the callback can consume it once (the cookie alone could be replayed).
        sessions = SessionStore(request.app.state.container.database)
        await sessions.add_state(started.state, utcnow() + timedelta(seconds=STATE_SECONDS))
        query = urlencode(
            {
                "client_id": settings.discord_client_id,
                "response_type": "code",
                "redirect_uri": settings.oauth_redirect_uri,
                "scope": " ".join(SCOPES),
                "state": started.state,
            }
        )
        response = RedirectResponse(
            f"{settings.discord_oauth_base.rstrip('/')}/oauth2/authorize?{query}", 302, _NO_STORE
        )
        cookies.state.set(response, cookie)
        return response

    @router.get("/discord/callback")
    async def callback(
        request: Request, code: str | None = None, state: str | None = None, error: str | None = None
    ) -> Response:
        try:
            # The state is checked first: nothing is exchanged for a browser that did not start this login.
            started = signer.verify(request.cookies.get(STATE_COOKIE), state)
            if not await SessionStore(request.app.state.container.database).use_state(started.state, utcnow()):
                raise LoginError(
                    400,
                    "invalid_state",
                    "This login was already used or has expired. Start again from the dashboard's login button.",
                )
            if error:
                raise LoginError(400, "access_denied", "The login was cancelled at Discord. Nothing was changed.")
            if not code:
                raise LoginError(400, "invalid_request", "Discord sent no login code. Start the login again.")
            async with login_service(request) as service:
                issued = await service.complete_login(code)
        except LoginError as failure:
            response = _page(failure)
        else:
            fragment = urlencode(
                {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}
            )
            response = RedirectResponse(f"{started.redirect}#{fragment}", 303, _NO_STORE)
            cookies.refresh.set(response, issued.refresh_token)
        cookies.state.clear(response)  # one state, one attempt
        return response

    @router.post("/refresh")
    async def refresh(request: Request) -> Response:
        """The refresh token comes from the cookie, or from a JSON body `{"refresh_token": …}` for
        clients without cookies; the new one is returned the same way."""
        try:
            token, from_cookie = await _refresh_token_of(request)
            async with login_service(request) as service:
                issued = await service.refresh(token)
        except LoginError as failure:
            response = _json_error(failure)
            if failure.status == 401:
                cookies.refresh.clear(response)
            return response
        response = JSONResponse(_token_body(issued, include_refresh=not from_cookie), headers=_NO_STORE)
        if from_cookie:
            cookies.refresh.set(response, issued.refresh_token)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        """Ends the whole session (every token rotated from the same login). Idempotent."""
        try:
            token, _ = await _refresh_token_of(request)
        except LoginError:
            token = None
        if token:
            await end_session(SessionStore(request.app.state.container.database), token)
        response = Response(status_code=204, headers=_NO_STORE)
        cookies.refresh.clear(response)
        return response

    return router


async def _refresh_token_of(request: Request) -> tuple[str, bool]:
    """(token, came from the cookie)."""
    cookie = request.cookies.get(REFRESH_COOKIE)
    if cookie:
        return cookie, True
    raw = await request.body()
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            raise LoginError(400, "invalid_request", 'The body must be JSON: {"refresh_token": "…"}.') from None
        token = body.get("refresh_token") if isinstance(body, dict) else None
        if isinstance(token, str) and token:
            if not token.isascii():  # ours are URL-safe base64; "\ud800" and the like cannot be hashed
                raise LoginError(400, "invalid_request", "The refresh token is malformed: sign in again.")
            return token, False
    raise LoginError(401, "invalid_grant", "No refresh token: sign in again.")


def _token_body(issued: Issued, include_refresh: bool) -> dict:
    body = {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}
    if include_refresh:
        body["refresh_token"] = issued.refresh_token
    return body


def _page(failure: LoginError) -> Response:
    return PlainTextResponse(f"Sign-in failed: {failure.message}\n", failure.status, _NO_STORE)


def _json_error(failure: LoginError) -> Response:
    return JSONResponse({"error": failure.code, "message": failure.message}, failure.status, _NO_STORE)
