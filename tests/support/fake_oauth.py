"""A fake of Discord's OAuth2 and user endpoints, for the dashboard login tests.

An aiohttp server on 127.0.0.1 (ephemeral port) with a configurable world: users, the guilds each is
in (owner flag, permission bitfield) and their roles there. Implements what the login uses:

- `GET  /oauth2/authorize`  as the browser sees it: signs in as `fake.signed_in` and redirects back
  to the registered redirect URI with a fresh code and the state (checks the query first);
- `POST /api/v10/oauth2/token`  `authorization_code` (codes it issued, single use, same redirect URI)
  and `refresh_token` (rotates both tokens, the old refresh token stops working), client auth by
  HTTP Basic or form fields;
- `GET  /api/v10/users/@me`, `/users/@me/guilds`, `/users/@me/guilds/{id}/member` with a Bearer token.

Switches for failure tests: `unavailable` (every API call answers 503), `expire_access_tokens()`,
`revoke_user()`; `calls` lists (method, path) of every request, to assert what was (not) asked.

    async with FakeOAuth(client_id="1", client_secret="s", redirect_uri=...) as fake:
        fake.add_user(7, guilds={100: Membership(owner=True)})
        settings: DISCORD_OAUTH_BASE=fake.oauth_base, DISCORD_API_BASE=fake.api_base
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlencode

from aiohttp import web

API_PREFIX = "/api/v10"
SCOPES = {"identify", "guilds", "guilds.members.read"}


@dataclass
class Membership:
    owner: bool = False
    permissions: int = 0
    roles: list[int] = field(default_factory=list)


@dataclass
class FakeUser:
    id: int
    username: str
    guilds: dict[int, Membership] = field(default_factory=dict)


@dataclass
class _Grant:
    user_id: int
    scopes: set[str]
    access_token: str
    refresh_token: str


class FakeOAuth:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, access_seconds: int = 604800):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.access_seconds = access_seconds
        self.users: dict[int, FakeUser] = {}
        self.signed_in: int | None = None  # the account the "browser" is logged into at Discord
        self.unavailable = False
        self.calls: list[tuple[str, str]] = []
        self.issued: list[str] = []  # every code and token handed out, to check none leaks anywhere
        self._codes: dict[str, tuple[int, set[str], str]] = {}  # code -> (user, scopes, redirect_uri)
        self._by_access: dict[str, _Grant] = {}
        self._by_refresh: dict[str, _Grant] = {}
        self._runner: web.AppRunner | None = None
        self.base = ""

    # --- the world -------------------------------------------------------------------------------

    def add_user(self, user_id: int, guilds: dict[int, Membership] | None = None) -> FakeUser:
        user = FakeUser(user_id, f"user{user_id}", dict(guilds or {}))
        self.users[user_id] = user
        return user

    def issue_code(self, user_id: int, scopes: set[str] = SCOPES, redirect_uri: str | None = None) -> str:
        """A code as if `user_id` had just consented (the authorize page, minus the browser)."""
        code = secrets.token_urlsafe(16)
        self._codes[code] = (user_id, set(scopes), redirect_uri or self.redirect_uri)
        self.issued.append(code)
        return code

    def expire_access_tokens(self) -> None:
        """Every access token stops working; refresh tokens still do."""
        self._by_access.clear()

    def revoke_user(self, user_id: int) -> None:
        """The user de-authorized the app: all their tokens stop working."""
        for index in (self._by_access, self._by_refresh):
            for token in [t for t, g in index.items() if g.user_id == user_id]:
                del index[token]

    @property
    def oauth_base(self) -> str:
        return self.base

    @property
    def api_base(self) -> str:
        return self.base + API_PREFIX

    def api_calls(self, path_suffix: str) -> int:
        return sum(1 for _, path in self.calls if path.endswith(path_suffix))

    # --- server ----------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/oauth2/authorize", self._authorize)
        app.router.add_post(API_PREFIX + "/oauth2/token", self._token)
        app.router.add_get(API_PREFIX + "/users/@me", self._me)
        app.router.add_get(API_PREFIX + "/users/@me/guilds", self._guilds)
        app.router.add_get(API_PREFIX + "/users/@me/guilds/{guild_id}/member", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stops listening: later calls fail with a connection error (Discord unreachable)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.calls.append((request.method, request.path))
        if self.unavailable and request.path.startswith(API_PREFIX):
            return web.json_response({"message": "503: Service Unavailable", "code": 0}, status=503)
        return await handler(request)

    # --- endpoints -------------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        problems = []
        if q.get("client_id") != self.client_id:
            problems.append("client_id")
        if q.get("response_type") != "code":
            problems.append("response_type")
        if q.get("redirect_uri") != self.redirect_uri:
            problems.append("redirect_uri")
        if set(q.get("scope", "").split()) != SCOPES:
            problems.append("scope")
        if not q.get("state"):
            problems.append("state")
        if problems or self.signed_in is None:
            return web.json_response({"error": "invalid_request", "fields": problems}, status=400)
        code = self.issue_code(self.signed_in, set(q["scope"].split()), q["redirect_uri"])
        raise web.HTTPFound(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") == "authorization_code":
            issued = self._codes.pop(str(form.get("code")), None)  # single use
            if issued is None or issued[2] != form.get("redirect_uri"):
                return web.json_response({"error": "invalid_grant"}, status=400)
            return self._grant(issued[0], issued[1])
        if form.get("grant_type") == "refresh_token":
            old = self._by_refresh.pop(str(form.get("refresh_token")), None)
            if old is None:
                return web.json_response({"error": "invalid_grant"}, status=400)
            self._by_access.pop(old.access_token, None)
            return self._grant(old.user_id, old.scopes)
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    def _grant(self, user_id: int, scopes: set[str]) -> web.Response:
        grant = _Grant(user_id, scopes, secrets.token_urlsafe(24), secrets.token_urlsafe(24))
        self._by_access[grant.access_token] = grant
        self._by_refresh[grant.refresh_token] = grant
        self.issued += [grant.access_token, grant.refresh_token]
        return web.json_response(
            {
                "access_token": grant.access_token,
                "token_type": "Bearer",
                "expires_in": self.access_seconds,
                "refresh_token": grant.refresh_token,
                "scope": " ".join(sorted(scopes)),
            }
        )

    def _user(self, request: web.Request, scope: str) -> FakeUser:
        auth = request.headers.get("Authorization", "")
        grant = self._by_access.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        if grant is None:
            raise web.HTTPUnauthorized(
                text='{"message": "401: Unauthorized", "code": 0}', content_type="application/json"
            )
        if scope not in grant.scopes:
            raise web.HTTPForbidden(
                text='{"message": "Missing Access", "code": 50001}', content_type="application/json"
            )
        return self.users[grant.user_id]

    async def _me(self, request: web.Request) -> web.Response:
        user = self._user(request, "identify")
        return web.json_response({"id": str(user.id), "username": user.username, "discriminator": "0"})

    async def _guilds(self, request: web.Request) -> web.Response:
        user = self._user(request, "guilds")
        return web.json_response(
            [
                {
                    "id": str(gid),
                    "name": f"Guild {gid}",
                    "icon": None,
                    "owner": m.owner,
                    "permissions": str(m.permissions),
                }
                for gid, m in user.guilds.items()
            ]
        )

    async def _member(self, request: web.Request) -> web.Response:
        user = self._user(request, "guilds.members.read")
        membership = user.guilds.get(int(request.match_info["guild_id"]))
        if membership is None:
            return web.json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        return web.json_response(
            {"user": {"id": str(user.id)}, "roles": [str(r) for r in membership.roles], "nick": None}
        )
