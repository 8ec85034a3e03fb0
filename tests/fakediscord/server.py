"""``FakeDiscord``: the aiohttp server, plus the test-facing helpers that change the world and send
the gateway events Discord would send for that change."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Self

from aiohttp import web

from .constants import ChannelType, InteractionType
from .gateway import Gateway, Session
from .rest import API_PREFIX, RestAPI
from .world import (
    JSON,
    Channel,
    Interaction,
    Invite,
    Member,
    Message,
    Snowflakeish,
    World,
    emoji_key,
    emoji_payload,
    iter_components,
    sid,
)

OPTION_TYPES = {
    "subcommand": 1,
    "group": 2,
    "string": 3,
    "integer": 4,
    "boolean": 5,
    "user": 6,
    "channel": 7,
    "role": 8,
    "mentionable": 9,
    "number": 10,
    "attachment": 11,
}


class FakeDiscord:
    """A Discord stand-in on 127.0.0.1 (ephemeral port) for real discord.py clients.

    ``async with FakeDiscord() as fake:`` starts it; ``fake.install()`` points discord.py at it
    (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``) and returns an undo function.
    """

    def __init__(self, world: World | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world or World()
        self.host = host
        self.port = port
        self.gateway = Gateway(self)
        self.rest = RestAPI(self)
        self.echo_events = True  # REST actions send the gateway events Discord would (CHANNEL_CREATE, ...)
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gw", self.gateway.handle)
        app.router.add_get("/gw-resume", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """For ``discord.http.Route.BASE`` / the cluster's DISCORD_API_BASE."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """For ``DiscordWebSocket.DEFAULT_GATEWAY`` / the cluster's DISCORD_GATEWAY_URL."""
        return f"ws://{self.host}:{self.port}/gw"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gw-resume"

    def install(self) -> Callable[[], None]:
        """Point discord.py (process-wide class attributes) at this server; returns the undo function."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gw = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

        def undo() -> None:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw

        return undo

    # ---- shortcuts -------------------------------------------------------------------------------------

    @property
    def calls(self):
        return self.world.calls

    def calls_to(self, route: str, /, **kw: Any):
        return self.world.calls.calls_to(route, **kw)

    def sessions(self, shard_id: int | None = None) -> list[Session]:
        """Live gateway sessions (one per identified shard connection)."""
        return self.gateway.live_sessions(shard_id)

    async def wait_for_shards(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` live sessions are connected (shards identified or resumed)."""
        await self.gateway.wait_for(lambda: len(self.gateway.connected_sessions()) >= count, timeout)

    # ---- raw dispatch ----------------------------------------------------------------------------------

    async def dispatch(
        self, guild_id: Snowflakeish | None, event: str, payload: JSON, *, intent: int | None = None
    ) -> list[int]:
        """Send a gateway event for ``guild_id`` (None: a DM, shard 0) to the owning shard's session(s)
        that identified with the event's intent. Returns the shard ids reached."""
        reached = await self.gateway.dispatch(sid(guild_id), event, payload, intent=intent)
        return [s.shard_id for s in reached]

    async def dispatch_to_shard(self, shard_id: int, event: str, payload: JSON, *, intent: int = 0) -> list[int]:
        reached = await self.gateway.dispatch(None, event, payload, intent=intent, shard_id=shard_id)
        return [s.shard_id for s in reached]

    async def emit(self, guild_id: int | None, event: str, payload: JSON) -> None:
        """Used by the REST layer for events caused by the bot's own actions."""
        if self.echo_events:
            await self.gateway.dispatch(guild_id, event, payload)

    # ---- world changes with their events ----------------------------------------------------------------

    async def member_join(
        self,
        guild: Snowflakeish,
        user: Snowflakeish | None = None,
        *,
        invite: str | Invite | None = None,
        vanity: bool = False,
        username: str | None = None,
        created_at: datetime | None = None,
        bot: bool = False,
        roles: Iterable[Snowflakeish] = (),
    ) -> Member:
        """A user joins: the invite's ``uses`` (or the vanity's) goes up first, as on Discord, then
        GUILD_MEMBER_ADD is dispatched. An invite reaching ``max_uses`` is deleted (INVITE_DELETE)."""
        w = self.world
        g = w.guild(guild)
        if user is None:
            u = w.add_user(username, created_at=created_at, bot=bot)
        else:
            u = w.users.get(sid(user)) or w.add_user(username, id=sid(user), created_at=created_at, bot=bot)
        if invite is not None:
            inv = w.invite(invite.code if isinstance(invite, Invite) else invite)
            if inv.guild_id != g.id:
                raise ValueError(f"invite {inv.code} is not for guild {g.id}")
            inv.uses += 1
            if inv.max_uses and inv.uses >= inv.max_uses:
                del w.invites[inv.code]
                await self.emit(
                    g.id, "INVITE_DELETE", {"channel_id": str(inv.channel_id), "guild_id": str(g.id), "code": inv.code}
                )
        elif vanity:
            if not g.vanity_url_code:
                raise ValueError(f"guild {g.id} has no vanity code")
            g.vanity_uses += 1
        member = w.add_member(g, u, roles=roles, joined_at=w.now())
        payload = w.member_payload(member)
        payload["guild_id"] = str(g.id)
        await self.dispatch(g.id, "GUILD_MEMBER_ADD", payload)
        return member

    async def member_leave(self, guild: Snowflakeish, user: Snowflakeish) -> list[int]:
        w = self.world
        g = w.guild(guild)
        uid = sid(user)
        g.members.pop(uid, None)  # type: ignore[arg-type]
        return await self.dispatch(g.id, "GUILD_MEMBER_REMOVE", {"guild_id": str(g.id), "user": w.user(uid).payload()})

    async def invite_create(self, guild: Snowflakeish, channel: Snowflakeish | None = None, **kw: Any) -> Invite:
        """``world.add_invite(...)`` plus INVITE_CREATE."""
        inv = self.world.add_invite(guild, channel, **kw)
        await self.dispatch(inv.guild_id, "INVITE_CREATE", self.world.invite_event_payload(inv))
        return inv

    async def invite_delete(self, code: str) -> list[int]:
        inv = self.world.invites.pop(code)
        return await self.dispatch(
            inv.guild_id,
            "INVITE_DELETE",
            {"channel_id": str(inv.channel_id), "guild_id": str(inv.guild_id), "code": code},
        )

    async def reaction_add(
        self, message: Message | Snowflakeish, user: Snowflakeish, emoji: str | JSON = "👍"
    ) -> list[int]:
        """A user reacts: MESSAGE_REACTION_ADD with ``member`` (user + roles) in guilds."""
        w = self.world
        m = message if isinstance(message, Message) else w.messages[sid(message)]  # type: ignore[index]
        uid = sid(user)
        key = emoji_key(emoji)
        users = m.reactions.setdefault(key, [])
        if uid not in users:
            users.append(uid)  # type: ignore[arg-type]
        payload: JSON = {
            "user_id": str(uid),
            "channel_id": str(m.channel_id),
            "message_id": str(m.id),
            "emoji": emoji_payload(key),
            "message_author_id": str(m.author_id),
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if m.guild_id is not None:
            payload["guild_id"] = str(m.guild_id)
            payload["member"] = w.member_payload(w.member(m.guild_id, uid))
        return await self.dispatch(m.guild_id, "MESSAGE_REACTION_ADD", payload)

    async def reaction_remove(
        self, message: Message | Snowflakeish, user: Snowflakeish, emoji: str | JSON = "👍"
    ) -> list[int]:
        w = self.world
        m = message if isinstance(message, Message) else w.messages[sid(message)]  # type: ignore[index]
        uid = sid(user)
        key = emoji_key(emoji)
        if uid in m.reactions.get(key, []):
            m.reactions[key].remove(uid)  # type: ignore[arg-type]
        payload: JSON = {
            "user_id": str(uid),
            "channel_id": str(m.channel_id),
            "message_id": str(m.id),
            "emoji": emoji_payload(key),
            "burst": False,
            "type": 0,
        }
        if m.guild_id is not None:
            payload["guild_id"] = str(m.guild_id)
        return await self.dispatch(m.guild_id, "MESSAGE_REACTION_REMOVE", payload)

    async def dm_message(self, user: Snowflakeish, content: str) -> Message:
        """A user writes to the bot in DM: MESSAGE_CREATE (no guild_id) to shard 0, needs DIRECT_MESSAGES;
        content is present without MESSAGE_CONTENT (Discord's rule for DMs)."""
        w = self.world
        ch = w.dm_channel(user)
        ch.user_initiated = True
        m = w.add_message(ch, user, content)
        await self.dispatch(None, "MESSAGE_CREATE", w.message_payload(m, for_gateway=True))
        return m

    async def guild_message(
        self, channel: Snowflakeish, author: Snowflakeish, content: str, *, embeds: list[JSON] | None = None
    ) -> Message:
        """A member posts in a guild channel: MESSAGE_CREATE, needs GUILD_MESSAGES (content only with
        MESSAGE_CONTENT or when the bot is mentioned)."""
        w = self.world
        m = w.add_message(channel, author, content, embeds=embeds)
        await self.dispatch(m.guild_id, "MESSAGE_CREATE", w.message_payload(m, for_gateway=True))
        return m

    async def bot_added(self, guild: Snowflakeish) -> list[int]:
        """The bot joins a guild already in the world: GUILD_CREATE without ``unavailable`` (guild_join)."""
        w = self.world
        g = w.guild(guild)
        g.bot_in_guild = True
        if w.bot.id not in g.members:
            w.add_member(g, w.bot, roles=[g.bot_role_id] if g.bot_role_id else [])
        payload = w.guild_payload(g, full=True)
        payload.pop("unavailable", None)
        return await self.dispatch(g.id, "GUILD_CREATE", payload)

    async def bot_removed(self, guild: Snowflakeish) -> list[int]:
        """The bot is kicked / leaves: GUILD_DELETE without ``unavailable``."""
        w = self.world
        g = w.guild(guild)
        reached = await self.dispatch(g.id, "GUILD_DELETE", {"id": str(g.id)})
        g.bot_in_guild = False
        g.members.pop(w.bot.id, None)
        return reached

    # ---- interactions ----------------------------------------------------------------------------------

    async def dispatch_interaction(
        self,
        *,
        type: InteractionType | int,
        user: Snowflakeish,
        data: JSON,
        guild: Snowflakeish | None = None,
        channel: Snowflakeish | None = None,
        message: Message | Snowflakeish | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """Build and dispatch a valid INTERACTION_CREATE (to the guild's shard; DMs to shard 0).
        Returns the world's ``Interaction`` record: ``await it.wait_response()``, ``it.callbacks``."""
        w = self.world
        gid = sid(guild)
        uid = sid(user)
        g = w.guild(gid) if gid is not None else None
        ch: Channel
        if channel is not None:
            ch = w.channel(channel)
        elif g is not None:
            ch = next(c for c in w.guild_channels(g) if c.type == ChannelType.TEXT)
        else:
            ch = w.dm_channel(uid)
        it = Interaction(
            id=w.ids.next(),
            token="itok." + secrets.token_urlsafe(24),
            application_id=w.application_id,
            type=InteractionType(type),
            guild_id=gid,
            channel_id=ch.id,
            user_id=uid,  # type: ignore[arg-type]
            data=data,
            message_id=sid(message) if message is not None else None,
        )
        w.interactions[it.id] = it
        payload: JSON = {
            "id": str(it.id),
            "application_id": str(it.application_id),
            "type": int(it.type),
            "data": data,
            "channel_id": str(ch.id),
            "channel": w.channel_payload(ch),
            "token": it.token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if g is not None:
            member = w.member(g, uid)
            mp = w.member_payload(member)
            mp["permissions"] = str(w.member_permissions(g, uid))
            payload.update(
                guild_id=str(g.id),
                guild={"id": str(g.id), "locale": g.preferred_locale, "features": list(g.features)},
                guild_locale=g.preferred_locale,
                member=mp,
                app_permissions=str(w.bot_permissions(g, ch)),
                authorizing_integration_owners={"0": str(g.id)},
                context=0,
            )
        else:
            payload.update(
                user=w.user(uid).payload(),
                app_permissions=str(0),
                authorizing_integration_owners={"0": str(uid)},
                context=1,
            )
        if message is not None:
            m = message if isinstance(message, Message) else w.messages[sid(message)]  # type: ignore[index]
            payload["message"] = w.message_payload(m)
        it.payload = payload
        await self.dispatch(gid, "INTERACTION_CREATE", payload)
        return it

    def _command_schema(self, name: str, guild_id: int | None) -> JSON | None:
        cmds = list(self.world.commands_guild.get(guild_id, [])) if guild_id else []
        cmds += self.world.commands_global
        return next((c for c in cmds if c["name"] == name and c.get("type", 1) == 1), None)

    def _build_options(
        self, schema_opts: list[JSON], values: dict[str, Any], resolved: JSON, guild_id: int | None
    ) -> list[JSON]:
        w = self.world
        by_name = {o["name"]: o for o in schema_opts or []}
        out = []
        for name, value in values.items():
            otype = by_name.get(name, {}).get("type")
            if otype is None:
                otype = (
                    5
                    if isinstance(value, bool)
                    else 4
                    if isinstance(value, int)
                    else 10
                    if isinstance(value, float)
                    else 3
                )
            if otype == 6:
                uid = sid(value)
                resolved.setdefault("users", {})[str(uid)] = w.user(uid).payload()
                if guild_id is not None and uid in w.guilds[guild_id].members:
                    mp = w.member_payload(w.guilds[guild_id].members[uid], with_user=False)  # type: ignore[index]
                    mp["permissions"] = str(w.member_permissions(guild_id, uid))
                    resolved.setdefault("members", {})[str(uid)] = mp
                value = str(uid)
            elif otype == 7:
                ch = w.channel(value)
                cp = w.channel_payload(ch)
                cp["permissions"] = str(w.bot_permissions(w.guilds[ch.guild_id], ch)) if ch.guild_id else "0"
                resolved.setdefault("channels", {})[str(ch.id)] = cp
                value = str(ch.id)
            elif otype == 8:
                role = w.role(guild_id, value)
                resolved.setdefault("roles", {})[str(role.id)] = role.payload()
                value = str(role.id)
            out.append({"name": name, "type": otype, "value": value})
        return out

    async def slash_command(
        self,
        name: str,
        *,
        user: Snowflakeish,
        guild: Snowflakeish | None = None,
        channel: Snowflakeish | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Interaction:
        """``/name [group] [subcommand] option:value...``. Option types come from the synced command if
        the bot synced it (users / channels / roles get ``resolved`` data), else from the Python values."""
        gid = sid(guild)
        schema = self._command_schema(name, gid) or {}
        resolved: JSON = {}
        sub_schema = schema.get("options") or []
        wrappers: list[tuple[int, str]] = []
        if group:
            grp = next((o for o in sub_schema if o["name"] == group), {})
            sub_schema = grp.get("options") or []
            wrappers.append((2, group))
        if subcommand:
            sub = next((o for o in sub_schema if o["name"] == subcommand), {})
            sub_schema = sub.get("options") or []
            wrappers.append((1, subcommand))
        opts: list[JSON] = self._build_options(sub_schema, options or {}, resolved, gid)
        for otype, oname in reversed(wrappers):
            opts = [{"name": oname, "type": otype, "options": opts}]
        data: JSON = {
            "id": schema.get("id") or str(self.world.ids.next()),
            "name": name,
            "type": 1,
            "options": opts,
        }
        if schema.get("guild_id"):
            data["guild_id"] = schema["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return await self.dispatch_interaction(
            type=InteractionType.APPLICATION_COMMAND, user=user, guild=gid, channel=channel, data=data
        )

    async def button_click(self, message: Message | Snowflakeish, custom_id: str, *, user: Snowflakeish) -> Interaction:
        """Click a button (component type 2) on a message the bot sent."""
        w = self.world
        m = message if isinstance(message, Message) else w.messages[sid(message)]  # type: ignore[index]
        return await self.dispatch_interaction(
            type=InteractionType.MESSAGE_COMPONENT,
            user=user,
            guild=m.guild_id,
            channel=m.channel_id,
            message=m,
            data={"custom_id": custom_id, "component_type": 2},
        )

    async def modal_submit(
        self,
        source: Interaction,
        values: dict[str, str],
        *,
        user: Snowflakeish | None = None,
    ) -> Interaction:
        """Submit the modal the bot answered ``source`` with, filling text inputs by custom_id; the
        submitted components mirror the modal's layout (action rows or labels)."""
        modal = source.modal
        if modal is None:
            raise AssertionError(f"interaction {source.id} was not answered with a modal: {source.callbacks}")
        known = {c.get("custom_id") for c in iter_components(modal.get("components") or []) if c.get("type") == 4}
        unknown = set(values) - known
        if unknown:
            raise AssertionError(f"modal has no text inputs {sorted(unknown)}; it has {sorted(known - {None})}")

        def convert(c: JSON) -> JSON | None:
            t = c.get("type")
            if t == 1:
                inner = [x for x in (convert(cc) for cc in c.get("components") or []) if x is not None]
                return {"type": 1, "id": c.get("id", 0), "components": inner}
            if t == 18:
                inner_c = convert(c["component"])
                return {"type": 18, "id": c.get("id", 0), "component": inner_c} if inner_c else None
            if t == 4:
                return {
                    "type": 4,
                    "id": c.get("id", 0),
                    "custom_id": c["custom_id"],
                    "value": values.get(c["custom_id"], c.get("value") or ""),
                }
            if t in (3, 5, 6, 7, 8):
                return {"type": t, "id": c.get("id", 0), "custom_id": c["custom_id"], "values": []}
            return None

        components = [x for x in (convert(c) for c in modal.get("components") or []) if x is not None]
        return await self.dispatch_interaction(
            type=InteractionType.MODAL_SUBMIT,
            user=user if user is not None else source.user_id,
            guild=source.guild_id,
            channel=source.channel_id,
            data={"custom_id": modal["custom_id"], "components": components},
        )


async def eventually(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout``.
    The timeout is generous on purpose: a busy machine or a parallel run must not fail a test of
    behaviour; a passing test returns as soon as the condition holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        await asyncio.sleep(interval)
