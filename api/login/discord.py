"""The few Discord OAuth2 and API calls of the login, over httpx.

Every failure becomes one of two exceptions whose messages are written here (status codes only):
`DiscordRefused` when Discord says no (bad code, revoked grant), `DiscordUnavailable` when it cannot
be reached or misbehaves. Tokens and the client secret travel in headers and form bodies, never in
URLs, so httpx's request log lines carry none of them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..settings import ApiSettings
from .permissions import UserGuild

log = logging.getLogger(__name__)

SCOPES = ("identify", "guilds", "guilds.members.read")
_MAX_RETRY_AFTER = 2.0  # a short 429 is waited out once; a longer one counts as unavailable


class DiscordRefused(Exception):
    def __init__(self, status: int):
        super().__init__(f"Discord refused the request (HTTP {status})")
        self.status = status


class DiscordUnavailable(Exception):
    pass


class DiscordMisconfigured(DiscordUnavailable):
    """The token endpoint refused this server's client id / secret: an operator problem, not the user's."""


@dataclass(frozen=True)
class DiscordGrant:
    """What the token endpoint gives. Tokens are excluded from repr so they never reach a log."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scopes: frozenset[str]

    def expired(self, now: datetime, margin: timedelta = timedelta(minutes=1)) -> bool:
        return self.expires_at <= now + margin


@dataclass(frozen=True)
class DiscordUser:
    id: int
    name: str | None
    avatar_url: str | None


class DiscordClient:
    def __init__(self, settings: ApiSettings, http: httpx.AsyncClient):
        self._api = settings.discord_api_base.rstrip("/")
        self._client_auth = (settings.discord_client_id, settings.discord_client_secret.get_secret_value())
        self._redirect_uri = settings.oauth_redirect_uri
        self._http = http

    async def exchange_code(self, code: str) -> DiscordGrant:
        return await self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": self._redirect_uri})

    async def refresh(self, refresh_token: str) -> DiscordGrant:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def _token(self, form: dict[str, str]) -> DiscordGrant:
        try:
            return _grant(await self._request("POST", "/oauth2/token", data=form, auth=self._client_auth))
        except DiscordRefused as refused:
            if refused.status == 401:  # invalid_client; a bad code or refresh token is a 400
                log.error("Discord refused the client credentials: check DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET")
                raise DiscordMisconfigured("client credentials refused") from None
            raise

    async def user_id(self, access_token: str) -> int:
        return (await self.me(access_token)).id

    async def me(self, access_token: str) -> DiscordUser:
        """Who signed in: id, display name (global name, else username) and avatar URL."""
        body = await self._request("GET", "/users/@me", bearer=access_token)
        user_id = _snowflake(_field(body, "id"))
        name = body.get("global_name") or body.get("username")
        avatar = body.get("avatar")
        # An avatar is a hash (hex, "a_" first when animated); anything else is not put in a URL.
        ok = isinstance(avatar, str) and re.fullmatch(r"(a_)?[0-9a-f]{1,64}", avatar)
        avatar_url = f"https://cdn.discordapp.com/avatars/{user_id}/{avatar}.png" if ok else None
        return DiscordUser(user_id, name if isinstance(name, str) and name else None, avatar_url)

    async def guilds(self, access_token: str) -> list[UserGuild]:
        # 200 is both the page maximum and the most guilds a user can be in: one page is all of them.
        body = await self._request("GET", "/users/@me/guilds", bearer=access_token, params={"limit": 200})
        if not isinstance(body, list):
            raise DiscordUnavailable("unexpected /users/@me/guilds answer")
        return [_user_guild(g) for g in body]

    async def member_roles(self, access_token: str, guild_id: int) -> frozenset[int]:
        """The user's roles in the guild; none if they are no longer a member."""
        try:
            body = await self._request("GET", f"/users/@me/guilds/{guild_id}/member", bearer=access_token)
        except DiscordRefused as refused:
            if refused.status == 404:
                return frozenset()
            raise
        roles = _field(body, "roles")
        if not isinstance(roles, list):
            raise DiscordUnavailable("malformed member roles")
        return frozenset(_snowflake(r) for r in roles)

    async def _request(self, method: str, path: str, *, bearer: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        for attempt in range(2):
            try:
                response = await self._http.request(method, self._api + path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                log.warning("Discord %s %s failed: %s", method, path, type(exc).__name__)
                raise DiscordUnavailable("network error") from None
            if response.status_code == 429 and attempt == 0:
                wait = _retry_after(response)
                if wait is not None and wait <= _MAX_RETRY_AFTER:
                    await asyncio.sleep(wait)
                    continue
            break
        if response.status_code == 429 or response.status_code >= 500:
            log.warning("Discord %s %s answered HTTP %s", method, path, response.status_code)
            raise DiscordUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            log.info("Discord %s %s refused with HTTP %s", method, path, response.status_code)
            raise DiscordRefused(response.status_code)
        try:
            return response.json()
        except ValueError:
            raise DiscordUnavailable("unreadable answer") from None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.json().get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        return None


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict) or name not in body:
        raise DiscordUnavailable(f"answer without {name!r}")
    return body[name]


def _snowflake(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DiscordUnavailable("malformed id") from None


def _grant(body: Any) -> DiscordGrant:
    try:
        return DiscordGrant(
            access_token=str(_field(body, "access_token")),
            refresh_token=str(_field(body, "refresh_token")),
            expires_at=datetime.now(UTC) + timedelta(seconds=int(_field(body, "expires_in"))),
            scopes=frozenset(str(body.get("scope", "")).split()),
        )
    except (TypeError, ValueError):
        raise DiscordUnavailable("malformed token answer") from None


def _user_guild(body: Any) -> UserGuild:
    try:
        return UserGuild(int(body["id"]), bool(body.get("owner")), int(body.get("permissions") or 0))
    except (KeyError, TypeError, ValueError):
        raise DiscordUnavailable("malformed guild entry") from None
