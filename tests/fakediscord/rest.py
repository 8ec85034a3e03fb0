"""REST half of the stand-in: ``/api/v10/...`` routes, call recording, errors and rate limits."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from .constants import (
    THREAD_PARENT_TYPES,
    CallbackType,
    ChannelType,
    ErrorCode,
    InteractionType,
    MessageFlags,
    Permissions,
)
from .world import (
    JSON,
    Call,
    Channel,
    DiscordHTTPError,
    Guild,
    Invite,
    Message,
    _code,
    emoji_key,
    form_error,
    not_found,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

API_PREFIX = "/api/v10"
Handler = Callable[["Req"], Awaitable[Any]]


@dataclass
class Req:
    """What a route handler gets."""

    method: str
    route: str
    params: dict[str, Any]
    query: dict[str, str]
    json: Any
    call: Call
    files: list[JSON] = field(default_factory=list)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


@dataclass
class Reply:
    status: int = 200
    body: Any = None


@dataclass
class Injection:
    route: str  # route template ("POST /channels/{channel_id}/messages") or "*"
    status: int
    times: int
    body: JSON | None
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass
class Bucket:
    limit: int
    per: float
    remaining: int
    reset_at: float
    name: str


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, str, re.Pattern[str], int, Handler, bool]] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        self._routes.append((method, template, re.compile(pattern), literal, handler, auth))

    def match(self, method: str, path: str) -> tuple[str, dict[str, Any], Handler, bool] | None:
        best = None
        for m, template, rx, literal, handler, auth in self._routes:
            if m != method:
                continue
            found = rx.match(path)
            if found and (best is None or literal > best[0]):
                best = (literal, template, found.groupdict(), handler, auth)
        if best is None:
            return None
        _, template, raw, handler, auth = best
        params = {}
        for k, v in raw.items():
            v = unquote(v)
            params[k] = (
                int(v) if v.isdigit() and k not in ("webhook_token", "interaction_token", "emoji", "invite_code") else v
            )
        return template, params, handler, auth

    def templates(self) -> list[str]:
        return [f"{m} {t}" for m, t, *_ in self._routes]


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = dict(headers or {})
    if status == 204 or body is None:
        return web.Response(status=204 if body is None and status < 300 else status, headers=all_headers)
    # exactly "application/json": discord.py reads the body as text when a charset is appended
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class RestAPI:
    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.router = Router()
        self.injections: list[Injection] = []
        self.ratelimit_headers = False
        self._bucket_config: dict[str, tuple[int, float]] = {}
        self._buckets: dict[str, Bucket] = {}
        self.latency: float = 0.0  # seconds added to every response
        self._register()

    @property
    def world(self):
        return self.server.world

    # ---- test controls ---------------------------------------------------------------------------------

    def inject(
        self,
        route: str = "*",
        *,
        status: int,
        times: int = 1,
        body: JSON | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> Injection:
        """Answer the next ``times`` requests to ``route`` (a template, or "*") with ``status``/``body``
        instead of handling them (the call is still recorded, with that status)."""
        inj = Injection(route, status, times, body, dict(headers or {}), params)
        self.injections.append(inj)
        return inj

    def rate_limit(
        self, route: str = "*", *, retry_after: float = 0.05, times: int = 1, is_global: bool = False, **params: Any
    ) -> Injection:
        """The next ``times`` requests to ``route`` answer 429 the way Discord does (JSON ``retry_after``,
        ``Via`` header, X-RateLimit-* headers), so discord.py waits and retries."""
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Bucket": "fake-" + route.replace(" ", "-"),
            "X-RateLimit-Scope": "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
            headers["X-RateLimit-Scope"] = "global"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        return self.inject(route, status=429, times=times, body=body, headers=headers, **params)

    def set_bucket(self, route: str, *, limit: int, per: float) -> None:
        """Give a route a rate-limit bucket: responses carry X-RateLimit-* headers, and requests beyond
        ``limit`` per ``per`` seconds (per major parameter) answer 429."""
        self.ratelimit_headers = True
        self._bucket_config[route] = (limit, per)

    # ---- aiohttp entry point ----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        raw_path = request.raw_path.split("?", 1)[0]
        path = raw_path[len(API_PREFIX) :] or "/"
        method = request.method.upper()
        matched = self.router.match(method, path)
        body, files = await self._read_body(request)
        query = {k: v for k, v in request.query.items()}
        route = f"{method} {matched[0]}" if matched else f"{method} {path}"
        params = matched[1] if matched else {}
        call = Call(
            method,
            route,
            path,
            params,
            query,
            body,
            time.monotonic(),
            files=files,
            reason=unquote(request.headers["X-Audit-Log-Reason"]) if "X-Audit-Log-Reason" in request.headers else None,
        )
        self.world.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)

        if matched is None:
            call.status = 404
            return _json_response(404, {"message": "404: Not Found", "code": 0})
        _, params, handler, auth = matched
        if auth and request.headers.get("Authorization") != f"Bot {self.world.token}":
            call.status = 401
            return _json_response(401, {"message": "401: Unauthorized", "code": 0})

        injected = self._take_injection(route, params)
        if injected is not None:
            call.status = injected.status
            return _json_response(injected.status, injected.body, injected.headers)

        headers: dict[str, str] = {}
        if self.ratelimit_headers:
            limited = self._apply_bucket(route, params, headers)
            if limited is not None:
                call.status = 429
                return limited

        req = Req(method, route, params, query, body, call, files)
        try:
            result = await handler(req)
        except DiscordHTTPError as exc:
            call.status = exc.status
            return _json_response(exc.status, exc.body(), headers)
        if isinstance(result, Reply):
            reply = result
        else:
            reply = Reply(204, None) if result is None else Reply(200, result)
        call.status = reply.status if reply.body is not None else 204
        if reply.body is None:
            call.status = 204
            return web.Response(status=204, headers=headers)
        return _json_response(reply.status, reply.body, headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[JSON]]:
        if not request.can_read_body:
            return None, []
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            body: Any = None
            files: list[JSON] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = await part.read()  # type: ignore[union-attr]
                    files.append(
                        {
                            "field": part.name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(data),
                            "data": data,
                        }
                    )
            return body, files
        text = await request.text()
        if not text:
            return None, []
        try:
            return json.loads(text), []
        except json.JSONDecodeError:
            return text, []

    def _take_injection(self, route: str, params: dict[str, Any]) -> Injection | None:
        for inj in self.injections:
            if inj.times <= 0 or inj.route not in ("*", route):
                continue
            if any(str(params.get(k)) != str(v) for k, v in inj.params.items()):
                continue
            inj.times -= 1
            return inj
        return None

    def _apply_bucket(self, route: str, params: dict[str, Any], headers: dict[str, str]) -> web.Response | None:
        limit, per = self._bucket_config.get(route, self._bucket_config.get("*", (50, 1.0)))
        major = "+".join(str(params[k]) for k in ("channel_id", "guild_id", "webhook_id") if k in params)
        key = f"{route}:{major}"
        now = time.monotonic()
        b = self._buckets.get(key)
        if b is None or now >= b.reset_at:
            b = self._buckets[key] = Bucket(limit, per, limit, now + per, "b" + str(abs(hash(route)) % 10**8))
        reset_after = max(b.reset_at - now, 0.0)
        if b.remaining <= 0:
            body = {"message": "You are being rate limited.", "retry_after": round(reset_after, 3), "global": False}
            hdrs = {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(reset_after)),
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": b.name,
                "X-RateLimit-Scope": "user",
            }
            return _json_response(429, body, hdrs)
        b.remaining -= 1
        headers.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(b.remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": b.name,
            }
        )
        return None

    # ---- helpers -----------------------------------------------------------------------------------------

    def _guild_of(self, ch: Channel) -> Guild | None:
        return self.world.guilds.get(ch.guild_id) if ch.guild_id is not None else None

    def _visible_channel(self, channel_id: int) -> Channel:
        """The channel, if the bot can see it (404 unknown, 403 Missing Access without VIEW_CHANNEL)."""
        ch = self.world.channel(channel_id)
        g = self._guild_of(ch)
        if g is not None:
            if not g.bot_in_guild:
                raise DiscordHTTPError(403, ErrorCode.MISSING_ACCESS)
            if not self.world.bot_permissions(g, ch) & Permissions.VIEW_CHANNEL:
                raise DiscordHTTPError(403, ErrorCode.MISSING_ACCESS)
            if ch.type == ChannelType.PRIVATE_THREAD and self.world.bot.id not in ch.thread_members:
                if not self.world.bot_permissions(g, ch) & Permissions.MANAGE_THREADS:
                    raise DiscordHTTPError(403, ErrorCode.MISSING_ACCESS)
        return ch

    async def _emit(self, guild_id: int | None, event: str, payload: JSON) -> None:
        await self.server.emit(guild_id, event, payload)

    async def _emit_channel(self, ch: Channel, event_suffix: str) -> None:
        prefix = "THREAD" if ch.is_thread else "CHANNEL"
        payload = self.world.channel_payload(ch)
        if event_suffix == "CREATE" and ch.is_thread:
            payload["newly_created"] = True
        await self._emit(ch.guild_id, f"{prefix}_{event_suffix}", payload)

    def _check_dm_allowed(self, ch: Channel) -> None:
        uid = ch.recipients[0]
        user = self.world.users.get(uid)
        if user is None or user.bot or not user.dms_open:
            raise DiscordHTTPError(403, ErrorCode.CANNOT_SEND_TO_USER)
        if self.world.dm_requires_mutual_guild and not ch.user_initiated:
            if not any(g.bot_in_guild and uid in g.members for g in self.world.guilds.values()):
                raise DiscordHTTPError(403, ErrorCode.CANNOT_SEND_TO_USER)

    def _attachments(self, req: Req) -> list[JSON]:
        out = []
        meta = {str(a.get("id")): a for a in ((req.json or {}).get("attachments") or []) if isinstance(a, dict)}
        for i, f in enumerate(req.files):
            att_id = self.world.ids.next()
            m = meta.get(str(i), {})
            out.append(
                {
                    "id": str(att_id),
                    "filename": f["filename"],
                    "size": f["size"],
                    "url": f"https://cdn.discordapp.com/attachments/{att_id}/{f['filename']}",
                    "proxy_url": f"https://media.discordapp.net/attachments/{att_id}/{f['filename']}",
                    "content_type": f["content_type"],
                    "description": m.get("description"),
                }
            )
        return out

    async def _send_message(
        self,
        ch: Channel,
        body: JSON,
        req: Req | None,
        *,
        webhook_id: int | None = None,
        interaction_id: int | None = None,
        check_permissions: bool = True,
        message_id: int | None = None,
    ) -> Message:
        g = self._guild_of(ch)
        if ch.is_dm:
            self._check_dm_allowed(ch)
        elif check_permissions:
            perm = Permissions.SEND_MESSAGES_IN_THREADS if ch.is_thread else Permissions.SEND_MESSAGES
            self.world.require_bot(g, perm, channel=ch)
            if ch.type in (ChannelType.FORUM, ChannelType.MEDIA, ChannelType.CATEGORY):
                raise DiscordHTTPError(400, 50008, "Cannot send messages in a non-text channel")
            if (body or {}).get("embeds") or (body or {}).get("embed"):
                self.world.require_bot(g, Permissions.EMBED_LINKS, channel=ch)
        if ch.is_thread and ch.archived:
            if ch.locked:
                raise DiscordHTTPError(400, ErrorCode.THREAD_ARCHIVED)
            ch.archived = False
            await self._emit_channel(ch, "UPDATE")
        attachments = self._attachments(req) if req is not None else []
        m = self.world.create_message(
            ch,
            self.world.bot.id,
            body or {},
            webhook_id=webhook_id,
            interaction_id=interaction_id,
            attachments=attachments,
            message_id=message_id,
        )
        if not m.ephemeral:
            await self._emit(ch.guild_id, "MESSAGE_CREATE", self.world.message_payload(m, for_gateway=True))
        return m

    # ---- routes --------------------------------------------------------------------------------------------

    def _register(self) -> None:
        r = self.router.add
        # login / gateway
        r("GET", "/users/@me", self.get_me)
        r("GET", "/oauth2/applications/@me", self.get_application)
        r("GET", "/applications/@me", self.get_application)
        r("GET", "/gateway", self.get_gateway, auth=False)
        r("GET", "/gateway/bot", self.get_gateway_bot)
        r("GET", "/users/{user_id}", self.get_user)
        r("POST", "/users/@me/channels", self.create_dm)
        # application commands
        r("GET", "/applications/{application_id}/commands", self.get_global_commands)
        r("PUT", "/applications/{application_id}/commands", self.put_global_commands)
        r("POST", "/applications/{application_id}/commands", self.post_global_command)
        r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_guild_commands)
        r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_guild_commands)
        # interactions and webhooks (token auth, no bot header)
        r("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback, auth=False)
        r("POST", "/webhooks/{webhook_id}/{webhook_token}", self.webhook_execute, auth=False)
        for verb, fn in (("GET", self.webhook_get), ("PATCH", self.webhook_edit), ("DELETE", self.webhook_delete)):
            r(verb, "/webhooks/{webhook_id}/{webhook_token}/messages/@original", fn, auth=False)
            r(verb, "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", fn, auth=False)
        # channels and messages
        r("GET", "/channels/{channel_id}", self.get_channel)
        r("PATCH", "/channels/{channel_id}", self.modify_channel)
        r("DELETE", "/channels/{channel_id}", self.delete_channel)
        r("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", self.edit_channel_permissions)
        r("GET", "/channels/{channel_id}/messages", self.get_messages)
        r("POST", "/channels/{channel_id}/messages", self.create_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        r("POST", "/channels/{channel_id}/typing", self.typing)
        base = "/channels/{channel_id}/messages/{message_id}/reactions"
        r("PUT", base + "/{emoji}/@me", self.add_own_reaction)
        r("DELETE", base + "/{emoji}/@me", self.remove_own_reaction)
        r("DELETE", base + "/{emoji}/{user_id}", self.remove_user_reaction)
        r("GET", base + "/{emoji}", self.get_reactions)
        r("DELETE", base + "/{emoji}", self.clear_emoji_reactions)
        r("DELETE", base, self.clear_reactions)
        for pins in ("/channels/{channel_id}/pins/{message_id}", "/channels/{channel_id}/messages/pins/{message_id}"):
            r("PUT", pins, self.pin)
            r("DELETE", pins, self.unpin)
        # threads
        r("POST", "/channels/{channel_id}/threads", self.create_thread)
        r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.create_thread_from_message)
        r("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member)
        r("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self.remove_thread_member)
        r("GET", "/channels/{channel_id}/thread-members", self.list_thread_members)
        r("GET", "/guilds/{guild_id}/threads/active", self.active_threads)
        # invites
        r("GET", "/channels/{channel_id}/invites", self.channel_invites)
        r("POST", "/channels/{channel_id}/invites", self.create_invite)
        r("GET", "/invites/{invite_code}", self.get_invite)
        r("DELETE", "/invites/{invite_code}", self.delete_invite)
        r("GET", "/guilds/{guild_id}/invites", self.guild_invites)
        r("GET", "/guilds/{guild_id}/vanity-url", self.vanity_url)
        # guilds, members, roles
        r("GET", "/guilds/{guild_id}", self.get_guild)
        r("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        r("POST", "/guilds/{guild_id}/channels", self.create_guild_channel)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        r("GET", "/guilds/{guild_id}/members", self.list_members)
        r("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role)
        r("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.remove_member_role)
        r("GET", "/guilds/{guild_id}/roles", self.get_roles)
        r("POST", "/guilds/{guild_id}/roles", self.create_role)

    # ---- login / gateway ---------------------------------------------------------------------------------

    async def get_me(self, req: Req) -> JSON:
        data = self.world.bot.payload()
        data.update(verified=True, mfa_enabled=False, locale="en-US", email=None, bio="")
        return data

    async def get_application(self, req: Req) -> JSON:
        w = self.world
        return {
            "id": str(w.application_id),
            "name": w.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": w.owner.payload(),
            "team": None,
            "flags": 0,
            "bot": w.bot.payload(),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": sum(1 for g in w.guilds.values() if g.bot_in_guild),
            "integration_types_config": {"0": {}},
        }

    async def get_gateway(self, req: Req) -> JSON:
        return {"url": self.server.gateway_url}

    async def get_gateway_bot(self, req: Req) -> JSON:
        return {
            "url": self.server.gateway_url,
            "shards": self.world.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - len(self.server.gateway.identifies),
                "reset_after": 86_400_000,
                "max_concurrency": self.world.max_concurrency,
            },
        }

    async def get_user(self, req: Req) -> JSON:
        return self.world.user(req.params["user_id"]).payload()

    async def create_dm(self, req: Req) -> JSON:
        recipient = (req.json or {}).get("recipient_id")
        if recipient is None:
            raise form_error("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
        ch = self.world.dm_channel(int(recipient))
        return self.world.channel_payload(ch)

    # ---- application commands -------------------------------------------------------------------------------

    def _check_app(self, req: Req) -> None:
        if req.params.get("application_id") != self.world.application_id:
            raise DiscordHTTPError(403, ErrorCode.MISSING_ACCESS)

    def _store_commands(self, existing: list[JSON], new: list[JSON], guild_id: int | None) -> list[JSON]:
        by_key = {(c["name"], c.get("type", 1)): c for c in existing}
        out = []
        for cmd in new:
            prev = by_key.get((cmd["name"], cmd.get("type", 1)))
            stored = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                **cmd,
                "id": prev["id"] if prev else str(self.world.ids.next()),
                "application_id": str(self.world.application_id),
                "version": str(self.world.ids.next()),
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            out.append(stored)
        return out

    async def get_global_commands(self, req: Req) -> list[JSON]:
        self._check_app(req)
        return self.world.commands_global

    async def put_global_commands(self, req: Req) -> list[JSON]:
        self._check_app(req)
        self.world.commands_global = self._store_commands(self.world.commands_global, req.json or [], None)
        return self.world.commands_global

    async def post_global_command(self, req: Req) -> JSON:
        self._check_app(req)
        cmd = req.json or {}
        others = [c for c in self.world.commands_global if (c["name"], c["type"]) != (cmd["name"], cmd.get("type", 1))]
        stored = self._store_commands(self.world.commands_global, [cmd], None)[0]
        self.world.commands_global = [*others, stored]
        return stored

    async def get_guild_commands(self, req: Req) -> list[JSON]:
        self._check_app(req)
        return self.world.commands_guild.get(req.params["guild_id"], [])

    async def put_guild_commands(self, req: Req) -> list[JSON]:
        self._check_app(req)
        gid = req.params["guild_id"]
        self.world.bot_guild(gid)
        stored = self._store_commands(self.world.commands_guild.get(gid, []), req.json or [], gid)
        self.world.commands_guild[gid] = stored
        return stored

    # ---- interactions & webhooks ------------------------------------------------------------------------------

    async def interaction_callback(self, req: Req) -> Reply:
        w = self.world
        it = w.interactions.get(req.params["interaction_id"])
        if it is None or it.token != req.params["interaction_token"]:
            raise DiscordHTTPError(404, ErrorCode.UNKNOWN_INTERACTION)
        if it.callbacks:
            raise DiscordHTTPError(400, ErrorCode.INTERACTION_ALREADY_ACKNOWLEDGED)
        if w.interaction_deadline is not None and time.monotonic() - it.created > w.interaction_deadline:
            raise DiscordHTTPError(404, ErrorCode.UNKNOWN_INTERACTION)
        body = req.json or {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        try:
            ctype = CallbackType(ctype)
        except ValueError:
            raise form_error(
                "type", "BASE_TYPE_CHOICES", f"Value must be one of {[int(c) for c in CallbackType]}."
            ) from None
        if ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE) and it.message_id is None:
            raise DiscordHTTPError(400, 40004, "Interaction is not a component interaction")
        if ctype == CallbackType.MODAL and it.type == InteractionType.MODAL_SUBMIT:
            raise DiscordHTTPError(400, 50035, "Cannot respond to a modal submit with a modal")
        ch = w.channels.get(it.channel_id) if it.channel_id else None
        message: Message | None = None
        if ctype == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            assert ch is not None
            w_body = dict(data)
            message = w.create_message(
                ch,
                w.bot.id,
                w_body,
                webhook_id=w.application_id,
                interaction_id=it.id,
                attachments=self._attachments(req),
            )
            it.original_message_id = message.id
        elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            assert ch is not None
            flags = int(data.get("flags") or 0) | MessageFlags.LOADING
            message = w.create_message(
                ch, w.bot.id, {"flags": flags}, webhook_id=w.application_id, interaction_id=it.id, validate=False
            )
            it.original_message_id = message.id
        elif ctype == CallbackType.UPDATE_MESSAGE:
            message = w.edit_message(w.messages[it.message_id], data)  # type: ignore[index]
            it.original_message_id = message.id
        elif ctype == CallbackType.DEFERRED_UPDATE_MESSAGE:
            it.original_message_id = it.message_id
        it.callbacks.append({"type": int(ctype), "data": data})
        it._responded.set()
        if message is not None and not message.ephemeral and ctype != CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            event = "MESSAGE_UPDATE" if ctype == CallbackType.UPDATE_MESSAGE else "MESSAGE_CREATE"
            await self._emit(message.guild_id, event, w.message_payload(message, for_gateway=True))
        if not req.flag("with_response"):
            return Reply(204, None)
        inner: JSON = {"id": str(it.id), "type": int(it.type)}
        if message is not None:
            inner["response_message_id"] = str(message.id)
            inner["response_message_loading"] = ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            inner["response_message_ephemeral"] = message.ephemeral
        resource: JSON = {"type": int(ctype)}
        if message is not None:
            resource["message"] = w.message_payload(message)
        return Reply(200, {"interaction": inner, "resource": resource})

    def _webhook_interaction(self, req: Req):
        w = self.world
        if req.params["webhook_id"] != w.application_id:
            raise not_found(ErrorCode.UNKNOWN_WEBHOOK)
        return w.interaction_by_token(req.params["webhook_token"])

    def _webhook_message(self, req: Req) -> Message:
        it = self._webhook_interaction(req)
        mid = req.params.get("message_id")
        if mid is None:  # @original
            if it.original_message_id is None:
                raise not_found(ErrorCode.UNKNOWN_MESSAGE)
            mid = it.original_message_id
        m = self.world.messages.get(mid)
        if m is None or m.deleted or (m.interaction_id != it.id and mid != it.message_id):
            raise not_found(ErrorCode.UNKNOWN_MESSAGE)
        return m

    async def webhook_execute(self, req: Req) -> Reply:
        it = self._webhook_interaction(req)
        if not it.callbacks:
            raise DiscordHTTPError(404, ErrorCode.UNKNOWN_WEBHOOK)
        ch = self.world.channel(it.channel_id)
        m = await self._send_message(
            ch, req.json or {}, req, webhook_id=self.world.application_id, interaction_id=it.id, check_permissions=False
        )
        it.followup_ids.append(m.id)
        if not req.flag("wait"):
            return Reply(204, None)
        return Reply(200, self.world.message_payload(m))

    async def webhook_get(self, req: Req) -> JSON:
        return self.world.message_payload(self._webhook_message(req))

    async def webhook_edit(self, req: Req) -> JSON:
        m = self._webhook_message(req)
        was_loading = bool(m.flags & MessageFlags.LOADING)
        self.world.edit_message(m, req.json or {})
        if req.files:
            m.attachments = [*m.attachments, *self._attachments(req)]
        if not m.ephemeral:
            event = "MESSAGE_CREATE" if was_loading else "MESSAGE_UPDATE"
            await self._emit(m.guild_id, event, self.world.message_payload(m, for_gateway=True))
        return self.world.message_payload(m)

    async def webhook_delete(self, req: Req) -> None:
        m = self._webhook_message(req)
        m.deleted = True
        await self._emit_message_delete(m)

    # ---- channels & messages ----------------------------------------------------------------------------------

    async def _emit_message_delete(self, m: Message) -> None:
        payload: JSON = {"id": str(m.id), "channel_id": str(m.channel_id)}
        if m.guild_id is not None:
            payload["guild_id"] = str(m.guild_id)
        await self._emit(m.guild_id, "MESSAGE_DELETE", payload)

    async def get_channel(self, req: Req) -> JSON:
        return self.world.channel_payload(self._visible_channel(req.params["channel_id"]))

    async def modify_channel(self, req: Req) -> JSON:
        w = self.world
        ch = self._visible_channel(req.params["channel_id"])
        g = self._guild_of(ch)
        body = req.json or {}
        if ch.is_thread:
            only_archive = set(body) <= {"archived", "auto_archive_duration"}
            if not (only_archive and ch.owner_id == w.bot.id and not ch.locked):
                w.require_bot(g, Permissions.MANAGE_THREADS, channel=ch)
            for key in ("name", "archived", "locked", "auto_archive_duration", "invitable"):
                if key in body:
                    setattr(ch, key, body[key])
            if "applied_tags" in body:
                ch.applied_tags = [int(t) for t in body["applied_tags"]]
            if "archived" in body:
                ch.archive_timestamp = w.now()
        else:
            w.require_bot(g, Permissions.MANAGE_CHANNELS, channel=ch)
            if "parent_id" in body and body["parent_id"] is not None:
                if w.channel(int(body["parent_id"])).type != ChannelType.CATEGORY:
                    raise form_error("parent_id", "CHANNEL_PARENT_INVALID_TYPE", "Not a category")
            for key in ("name", "topic", "position", "nsfw", "permission_overwrites", "available_tags"):
                if key in body:
                    setattr(ch, key, body[key])
            if "parent_id" in body:
                ch.parent_id = int(body["parent_id"]) if body["parent_id"] is not None else None
            if "type" in body:
                ch.type = ChannelType(int(body["type"]))
        await self._emit_channel(ch, "UPDATE")
        return w.channel_payload(ch)

    async def edit_channel_permissions(self, req: Req) -> None:
        """Create or replace one permission overwrite (role type 0 / member type 1); needs Manage Roles."""
        w = self.world
        ch = self._visible_channel(req.params["channel_id"])
        if ch.is_thread or ch.is_dm:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        w.require_bot(self._guild_of(ch), Permissions.MANAGE_ROLES, channel=ch)
        body = req.json or {}
        target = str(req.params["overwrite_id"])
        overwrite = {
            "id": target,
            "type": int(body.get("type", 0)),
            "allow": str(body.get("allow") or "0"),
            "deny": str(body.get("deny") or "0"),
        }
        ch.permission_overwrites = [o for o in ch.permission_overwrites if str(o.get("id")) != target] + [overwrite]
        await self._emit_channel(ch, "UPDATE")

    async def delete_channel(self, req: Req) -> JSON:
        w = self.world
        ch = self._visible_channel(req.params["channel_id"])
        g = self._guild_of(ch)
        if ch.is_thread:
            w.require_bot(g, Permissions.MANAGE_THREADS, channel=ch)
        elif not ch.is_dm:
            w.require_bot(g, Permissions.MANAGE_CHANNELS, channel=ch)
        payload = w.channel_payload(ch)
        if ch.is_dm:
            return payload
        removed_invites = [i for i in w.invites.values() if i.channel_id == ch.id]
        w.delete_channel(ch)
        if not ch.is_thread:
            for th in [t for t in w.channels.values() if t.parent_id == ch.id and t.is_thread]:
                w.delete_channel(th)
        for inv in removed_invites:
            await self._emit(ch.guild_id, "INVITE_DELETE", self._invite_delete_payload(inv))
        await self._emit(ch.guild_id, "THREAD_DELETE" if ch.is_thread else "CHANNEL_DELETE", payload)
        return payload

    async def get_messages(self, req: Req) -> list[JSON]:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.READ_MESSAGE_HISTORY, channel=ch)
        limit = int(req.query.get("limit", 50))
        msgs = sorted(self.world.messages_in(ch), key=lambda m: m.id, reverse=True)
        if "before" in req.query:
            msgs = [m for m in msgs if m.id < int(req.query["before"])]
        if "after" in req.query:
            msgs = sorted((m for m in msgs if m.id > int(req.query["after"])), key=lambda m: m.id)[:limit]
            msgs.reverse()
        return [self.world.message_payload(m) for m in msgs[:limit]]

    async def create_message(self, req: Req) -> JSON:
        ch = self._visible_channel(req.params["channel_id"])
        m = await self._send_message(ch, req.json or {}, req)
        return self.world.message_payload(m)

    async def get_message(self, req: Req) -> JSON:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.READ_MESSAGE_HISTORY, channel=ch)
        return self.world.message_payload(self.world.message(ch, req.params["message_id"]))

    async def edit_message(self, req: Req) -> JSON:
        ch = self._visible_channel(req.params["channel_id"])
        m = self.world.message(ch, req.params["message_id"])
        body = req.json or {}
        if m.author_id != self.world.bot.id or m.webhook_id:
            if set(body) - {"flags"}:
                raise DiscordHTTPError(403, ErrorCode.CANNOT_EDIT_OTHERS_MESSAGE)
            self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        self.world.edit_message(m, body)
        await self._emit(m.guild_id, "MESSAGE_UPDATE", self.world.message_payload(m, for_gateway=True))
        return self.world.message_payload(m)

    async def delete_message(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        m = self.world.message(ch, req.params["message_id"])
        if m.author_id != self.world.bot.id:
            self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        m.deleted = True
        await self._emit_message_delete(m)

    async def typing(self, req: Req) -> None:
        self._visible_channel(req.params["channel_id"])

    # reactions

    def _reaction_event(self, m: Message, user_id: int, key: str) -> JSON:
        payload: JSON = {
            "user_id": str(user_id),
            "channel_id": str(m.channel_id),
            "message_id": str(m.id),
            "emoji": {k: v for k, v in (_emoji_for_event(key)).items()},
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if m.guild_id is not None:
            payload["guild_id"] = str(m.guild_id)
        return payload

    async def add_own_reaction(self, req: Req) -> None:
        w = self.world
        ch = self._visible_channel(req.params["channel_id"])
        g = self._guild_of(ch)
        w.require_bot(g, Permissions.READ_MESSAGE_HISTORY, channel=ch)
        m = w.message(ch, req.params["message_id"])
        key = emoji_key(req.params["emoji"])
        if not m.reactions.get(key):
            w.require_bot(g, Permissions.ADD_REACTIONS, channel=ch)
        _validate_emoji(key)
        users = m.reactions.setdefault(key, [])
        if w.bot.id in users:
            return
        users.append(w.bot.id)
        payload = self._reaction_event(m, w.bot.id, key)
        payload["message_author_id"] = str(m.author_id)
        if g is not None and w.bot.id in g.members:
            payload["member"] = w.member_payload(g.members[w.bot.id])
        await self._emit(m.guild_id, "MESSAGE_REACTION_ADD", payload)

    async def _remove_reaction(self, m: Message, user_id: int, key: str) -> None:
        users = m.reactions.get(key, [])
        if user_id not in users:
            return
        users.remove(user_id)
        if not users:
            del m.reactions[key]
        await self._emit(m.guild_id, "MESSAGE_REACTION_REMOVE", self._reaction_event(m, user_id, key))

    async def remove_own_reaction(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        m = self.world.message(ch, req.params["message_id"])
        await self._remove_reaction(m, self.world.bot.id, emoji_key(req.params["emoji"]))

    async def remove_user_reaction(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        m = self.world.message(ch, req.params["message_id"])
        await self._remove_reaction(m, req.params["user_id"], emoji_key(req.params["emoji"]))

    async def get_reactions(self, req: Req) -> list[JSON]:
        ch = self._visible_channel(req.params["channel_id"])
        m = self.world.message(ch, req.params["message_id"])
        users = m.reactions.get(emoji_key(req.params["emoji"]), [])
        after = int(req.query.get("after", 0))
        limit = int(req.query.get("limit", 25))
        return [self.world.users[u].payload() for u in sorted(users) if u > after][:limit]

    async def clear_emoji_reactions(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        m = self.world.message(ch, req.params["message_id"])
        m.reactions.pop(emoji_key(req.params["emoji"]), None)

    async def clear_reactions(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        m = self.world.message(ch, req.params["message_id"])
        m.reactions.clear()

    async def pin(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        self.world.message(ch, req.params["message_id"]).pinned = True

    async def unpin(self, req: Req) -> None:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_MESSAGES, channel=ch)
        self.world.message(ch, req.params["message_id"]).pinned = False

    # ---- threads -------------------------------------------------------------------------------------------------

    async def create_thread(self, req: Req) -> Reply:
        w = self.world
        parent = self._visible_channel(req.params["channel_id"])
        g = self._guild_of(parent)
        body = req.json or {}
        if parent.type not in THREAD_PARENT_TYPES:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if parent.type in (ChannelType.FORUM, ChannelType.MEDIA):
            w.require_bot(g, Permissions.SEND_MESSAGES, channel=parent)
            if "message" not in body:
                raise form_error("message", "BASE_TYPE_REQUIRED", "This field is required")
            th = w.add_thread(parent, name)
            th.applied_tags = [int(t) for t in body.get("applied_tags") or []]
            th.auto_archive_duration = int(body.get("auto_archive_duration") or 10080)
            await self._emit_channel(th, "CREATE")
            # a forum post's starter message has the thread's id
            m = await self._send_message(th, body["message"], req, check_permissions=False, message_id=th.id)
            payload = w.channel_payload(th)
            payload["message"] = w.message_payload(m)
            return Reply(201, payload)
        ctype = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        private = ctype == ChannelType.PRIVATE_THREAD
        w.require_bot(
            g, Permissions.CREATE_PRIVATE_THREADS if private else Permissions.CREATE_PUBLIC_THREADS, channel=parent
        )
        th = w.add_thread(parent, name, private=private)
        th.auto_archive_duration = int(body.get("auto_archive_duration") or 10080)
        th.invitable = bool(body.get("invitable", True))
        await self._emit_channel(th, "CREATE")
        return Reply(201, w.channel_payload(th))

    async def create_thread_from_message(self, req: Req) -> Reply:
        w = self.world
        parent = self._visible_channel(req.params["channel_id"])
        m = w.message(parent, req.params["message_id"])
        w.require_bot(self._guild_of(parent), Permissions.CREATE_PUBLIC_THREADS, channel=parent)
        body = req.json or {}
        th = w.add_thread(parent, body.get("name") or "thread", id=m.id)
        await self._emit_channel(th, "CREATE")
        return Reply(201, w.channel_payload(th))

    def _thread(self, channel_id: int) -> Channel:
        th = self._visible_channel(channel_id)
        if not th.is_thread:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        return th

    async def _thread_members_update(self, th: Channel, added: list[int], removed: list[int]) -> None:
        w = self.world
        payload: JSON = {
            "id": str(th.id),
            "guild_id": str(th.guild_id),
            "member_count": len(th.thread_members),
            "added_members": [
                {
                    "id": str(th.id),
                    "user_id": str(u),
                    "join_timestamp": w.now().isoformat(),
                    "flags": 0,
                    **(
                        {"member": w.member_payload(w.guilds[th.guild_id].members[u])}  # type: ignore[index]
                        if u in w.guilds[th.guild_id].members  # type: ignore[index]
                        else {}
                    ),
                }
                for u in added
            ],
            "removed_member_ids": [str(u) for u in removed],
        }
        await self._emit(th.guild_id, "THREAD_MEMBERS_UPDATE", payload)

    async def add_thread_member(self, req: Req) -> None:
        w = self.world
        th = self._thread(req.params["channel_id"])
        uid = w.bot.id if req.params["user_id"] == "@me" else req.params["user_id"]
        if th.archived:
            raise DiscordHTTPError(400, ErrorCode.THREAD_ARCHIVED)
        w.member(th.guild_id, uid)
        if uid != w.bot.id:
            w.require_bot(self._guild_of(th), Permissions.SEND_MESSAGES_IN_THREADS, channel=th)
        if uid not in th.thread_members:
            th.thread_members.append(uid)
            await self._thread_members_update(th, [uid], [])

    async def remove_thread_member(self, req: Req) -> None:
        w = self.world
        th = self._thread(req.params["channel_id"])
        uid = w.bot.id if req.params["user_id"] == "@me" else req.params["user_id"]
        if uid != w.bot.id:
            w.require_bot(self._guild_of(th), Permissions.MANAGE_THREADS, channel=th)
        if uid in th.thread_members:
            th.thread_members.remove(uid)
            await self._thread_members_update(th, [], [uid])

    async def list_thread_members(self, req: Req) -> list[JSON]:
        th = self._thread(req.params["channel_id"])
        return [
            {"id": str(th.id), "user_id": str(u), "join_timestamp": th.created_at.isoformat(), "flags": 0}
            for u in th.thread_members
        ]

    async def active_threads(self, req: Req) -> JSON:
        g = self.world.bot_guild(req.params["guild_id"])
        threads = [t for t in self.world.threads_of(g) if not t.archived]
        return {"threads": [self.world.channel_payload(t) for t in threads], "members": []}

    # ---- invites -----------------------------------------------------------------------------------------------

    def _invite_delete_payload(self, inv: Invite) -> JSON:
        return {"channel_id": str(inv.channel_id), "guild_id": str(inv.guild_id), "code": inv.code}

    async def channel_invites(self, req: Req) -> list[JSON]:
        ch = self._visible_channel(req.params["channel_id"])
        self.world.require_bot(self._guild_of(ch), Permissions.MANAGE_CHANNELS, channel=ch)
        return [
            self.world.invite_payload(i, metadata=True)
            for i in self.world.guild_invites(ch.guild_id)
            if i.channel_id == ch.id
        ]

    async def create_invite(self, req: Req) -> JSON:
        w = self.world
        ch = self._visible_channel(req.params["channel_id"])
        g = self._guild_of(ch)
        if g is None or ch.type == ChannelType.CATEGORY:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        w.require_bot(g, Permissions.CREATE_INSTANT_INVITE, channel=ch)
        body = req.json or {}
        max_age = int(body.get("max_age", 86400))
        max_uses = int(body.get("max_uses", 0))
        temporary = bool(body.get("temporary", False))
        if not 0 <= max_age <= 604800:
            raise form_error("max_age", "NUMBER_TYPE_MAX", "int value should be less than or equal to 604800.")
        if not body.get("unique"):
            # like Discord: without unique=true an existing invite of the bot with the same settings is reused
            for inv in w.guild_invites(g):
                if (inv.channel_id, inv.inviter_id, inv.max_age, inv.max_uses, inv.temporary) == (
                    ch.id,
                    w.bot.id,
                    max_age,
                    max_uses,
                    temporary,
                ):
                    return w.invite_payload(inv, metadata=True)
        code = _code()
        while code in w.invites:
            code = _code()
        inv = w.add_invite(g, ch, code=code, inviter=w.bot, max_age=max_age, max_uses=max_uses, temporary=temporary)
        await self._emit(g.id, "INVITE_CREATE", w.invite_event_payload(inv))
        return w.invite_payload(inv, metadata=True)

    async def get_invite(self, req: Req) -> JSON:
        w = self.world
        code = str(req.params["invite_code"])
        with_counts = req.flag("with_counts")
        vanity = w.guild_by_vanity(code)
        if vanity is not None:
            return w.invite_payload(vanity_guild=vanity, with_counts=with_counts)
        return w.invite_payload(w.invite(code), with_counts=with_counts)

    async def delete_invite(self, req: Req) -> JSON:
        w = self.world
        inv = w.invite(str(req.params["invite_code"]))
        g = w.bot_guild(inv.guild_id)
        ch = w.channels.get(inv.channel_id)
        if not w.bot_permissions(g, ch) & (Permissions.MANAGE_CHANNELS | Permissions.MANAGE_GUILD):
            raise DiscordHTTPError(403, ErrorCode.MISSING_PERMISSIONS)
        payload = w.invite_payload(inv, metadata=True)
        del w.invites[inv.code]
        await self._emit(g.id, "INVITE_DELETE", self._invite_delete_payload(inv))
        return payload

    async def guild_invites(self, req: Req) -> list[JSON]:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        w.require_bot(g, Permissions.MANAGE_GUILD)
        return [w.invite_payload(i, metadata=True) for i in w.guild_invites(g)]

    async def vanity_url(self, req: Req) -> JSON:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        w.require_bot(g, Permissions.MANAGE_GUILD)
        return {"code": g.vanity_url_code, "uses": g.vanity_uses if g.vanity_url_code else 0}

    # ---- guilds ------------------------------------------------------------------------------------------------

    async def get_guild(self, req: Req) -> JSON:
        g = self.world.bot_guild(req.params["guild_id"])
        return self.world.guild_payload(g, with_counts=req.flag("with_counts"))

    async def get_guild_channels(self, req: Req) -> list[JSON]:
        g = self.world.bot_guild(req.params["guild_id"])
        return [self.world.channel_payload(c) for c in self.world.guild_channels(g)]

    async def create_guild_channel(self, req: Req) -> Reply:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        body = req.json or {}
        parent = w.channels.get(int(body["parent_id"])) if body.get("parent_id") else None
        w.require_bot(g, Permissions.MANAGE_CHANNELS, channel=parent)
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if body.get("parent_id") and (parent is None or parent.guild_id != g.id):
            raise form_error("parent_id", "CHANNEL_PARENT_INVALID", "Unknown parent channel")
        ctype = ChannelType(int(body.get("type") or 0))
        if ctype in (ChannelType.TEXT, ChannelType.NEWS, ChannelType.FORUM):
            name = name.lower().replace(" ", "-")
        ch = w.add_channel(g, name, type=ctype, parent=parent, topic=body.get("topic"), position=body.get("position"))
        ch.nsfw = bool(body.get("nsfw", False))
        ch.permission_overwrites = overwrites_as_documented(body.get("permission_overwrites") or [])
        if "available_tags" in body:
            ch.available_tags = [{**t, "id": t.get("id") or str(w.ids.next())} for t in body["available_tags"]]
        await self._emit_channel(ch, "CREATE")
        return Reply(201, w.channel_payload(ch))

    async def get_member(self, req: Req) -> JSON:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        return w.member_payload(w.member(g, req.params["user_id"]))

    async def list_members(self, req: Req) -> list[JSON]:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        after = int(req.query.get("after", 0))
        limit = int(req.query.get("limit", 1))
        members = [g.members[u] for u in sorted(g.members) if u > after][:limit]
        return [w.member_payload(m) for m in members]

    async def _member_update_event(self, g: Guild, uid: int) -> None:
        payload = self.world.member_payload(g.members[uid])
        payload["guild_id"] = str(g.id)
        await self._emit(g.id, "GUILD_MEMBER_UPDATE", payload)

    async def _set_member_role(self, req: Req, *, has: bool) -> None:
        """PUT/DELETE of a member's role: Discord checks the member, the role and that the bot may assign
        it (Manage Roles, a role below its own, not managed, not @everyone) before anything changes."""
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        member = w.member(g, req.params["user_id"])
        role_id = req.params["role_id"]
        role = w.role(g, role_id)
        w.require_bot(g, Permissions.MANAGE_ROLES)
        if role.managed or role.id == g.id or role.position >= w.bot_top_position(g):
            raise DiscordHTTPError(403, ErrorCode.MISSING_PERMISSIONS)
        if (role_id in member.roles) == has:
            return  # already so: no event
        if has:
            member.roles.append(role_id)
        else:
            member.roles.remove(role_id)
        await self._member_update_event(g, member.user_id)

    async def add_member_role(self, req: Req) -> None:
        await self._set_member_role(req, has=True)

    async def remove_member_role(self, req: Req) -> None:
        await self._set_member_role(req, has=False)

    async def get_roles(self, req: Req) -> list[JSON]:
        g = self.world.bot_guild(req.params["guild_id"])
        return [r.payload() for r in g.roles.values()]

    async def create_role(self, req: Req) -> JSON:
        w = self.world
        g = w.bot_guild(req.params["guild_id"])
        w.require_bot(g, Permissions.MANAGE_ROLES)
        body = req.json or {}
        role = w.add_role(
            g,
            body.get("name") or "new role",
            permissions=int(body.get("permissions") or 0),
            position=1,
            mentionable=bool(body.get("mentionable")),
            color=int(body.get("color") or 0),
        )
        await self._emit(g.id, "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.payload()})
        return role.payload()


def _emoji_for_event(key: str) -> JSON:
    name, sep, eid = key.rpartition(":")
    if sep and eid.isdigit():
        return {"id": eid, "name": name, "animated": False}
    return {"id": None, "name": key}


def _validate_emoji(key: str) -> None:
    if not key or (key.isascii() and ":" not in key):
        raise DiscordHTTPError(400, ErrorCode.UNKNOWN_EMOJI)


def overwrites_as_documented(overwrites: list[JSON]) -> list[JSON]:
    """Permission overwrites in the shape Discord documents (id, type 0 role / 1 member, allow and deny
    as strings of the bit set); anything else is refused as Discord refuses an invalid form body."""
    for n, o in enumerate(overwrites):
        if set(o) - {"id", "type", "allow", "deny"} or not str(o.get("id", "")).isdigit():
            raise form_error(f"permission_overwrites.{n}.id", "BASE_TYPE_REQUIRED", "This field is required")
        if o.get("type") not in (0, 1):
            raise form_error(f"permission_overwrites.{n}.type", "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
        for key in ("allow", "deny"):
            if key in o and not (isinstance(o[key], str) and o[key].isdigit()):
                raise form_error(f"permission_overwrites.{n}.{key}", "BASE_TYPE_STRING", "Must be a string of digits.")
    return [dict(o) for o in overwrites]
