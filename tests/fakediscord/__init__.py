"""A Discord stand-in for tests: real discord.py clients talk to it over real HTTP and websockets.

Start it, build a world, point discord.py at it::

    from tests.fakediscord import FakeDiscord, make_guild_id

    async with FakeDiscord() as fake:          # aiohttp on 127.0.0.1, ephemeral port
        undo = fake.install()                   # sets discord.http.Route.BASE and
                                                # DiscordWebSocket.DEFAULT_GATEWAY (process-wide)
        w = fake.world
        guild = w.add_guild("Home", shard=1, shard_count=4)   # id lands on shard 1 of 4
        cat = w.add_category(guild, "partners")
        forum = w.add_forum(guild, "showcase")
        role = w.add_role(guild, "Partner")                    # below the bot's role: assignable
        rep = w.add_member(guild, username="rep").user_id
        inv = w.add_invite(guild, code="abc", uses=3)
        partner = w.add_guild("Partner", bot_in_guild=False, member_count=1234, vanity_url_code="cool")
        client = discord.AutoShardedClient(intents=..., shard_ids=[0, 1], shard_count=4, ...)
        ...
        undo()

Pytest fixtures (``tests/fakediscord/fixtures.py``; a conftest imports them): ``fake_discord`` is a
started, installed ``FakeDiscord`` with a fresh ``World``, stopped and uninstalled afterwards.
``async with running(client, token):`` starts a discord.py client and waits until it is ready;
``client.before_identify_hook = no_identify_wait`` skips discord.py's 5 s identify spacing (also pass a
small ``guild_ready_timeout``).

World model (``fake.world``, synchronous, no events): ``add_user``, ``add_guild``, ``add_member``,
``add_role``, ``add_channel`` (``type="text" | "category" | "forum" | "voice"``, ``parent=``),
``add_category``, ``add_forum``, ``add_thread``, ``add_invite``, ``add_message``, ``set_vanity``,
``deny_bot(guild, "MANAGE_ROLES", channel=None)`` / ``allow_bot`` (routes needing a missing permission
answer 403 ``{"code": 50013, "message": "Missing Permissions"}``), ``users[id].dms_open = False``
(DMs answer 403 / 50007; DMs also need a mutual guild unless the user wrote first:
``world.dm_requires_mutual_guild``). Lookups: ``guild(id)``, ``channel(id)``, ``member(g, u)``,
``invite(code)``, ``messages_in(channel)``, ``dms_to(user)``, ``interactions``,
``commands_global`` / ``commands_guild``. Each stored ``Message`` keeps ``allowed_mentions`` exactly as
received and ``pings`` (who it really pings: ``m.pings_nobody``). Knobs: ``world.token``,
``recommended_shards``, ``max_concurrency``, ``interaction_deadline`` (3 s, then 10062),
``privileged_intents_allowed`` (else close 4014), ``advance(seconds)`` (invite expiry).

Events (each changes the world, then dispatches what Discord would, honouring intents):
``await fake.member_join(guild, user=None, invite="abc" | vanity=True, username=, created_at=)``
(uses go up before GUILD_MEMBER_ADD), ``member_leave``, ``invite_create``, ``invite_delete``,
``reaction_add(message, user, "👍")`` (with member + roles), ``reaction_remove``,
``dm_message(user, "$partnership https://discord.gg/abc")`` (shard 0), ``guild_message``,
``bot_added(guild)`` / ``bot_removed(guild)``. Raw: ``await fake.dispatch(guild_id, "EVENT", payload)``
(guild_id None = DM, shard 0) returns the shard ids reached; ``dispatch_to_shard``.

Interactions: ``it = await fake.slash_command("ppartner", subcommand="apply", user=u, guild=g,
options={...})``, ``button_click(message, "custom_id", user=u)``, ``modal_submit(it, {"field": "v"})``
(answers the modal the bot sent for ``it``), generic ``dispatch_interaction(type=, user=, data=, ...)``.
``await it.wait_response()`` -> ``{"type": 4, "data": {...}}``; ``it.callbacks``, ``it.modal``,
``it.original_message_id``, ``it.followup_ids``.

REST log: ``fake.calls`` (== ``world.calls``): ``Call(method, route, path, params, query, json, status,
time, files, reason)`` with ``route`` the template, e.g. ``"GET /guilds/{guild_id}/invites"``.
``calls.calls_to(route, guild_id=..., since=mark, status=...)``, ``calls.last(route)``,
``calls.mark()``, ``calls.routes()``. Unknown routes are recorded and answer 404. Templates follow
Discord's docs: ``POST /interactions/{interaction_id}/{interaction_token}/callback``,
``GET /invites/{invite_code}``, ``POST /webhooks/{webhook_id}/{webhook_token}``,
``PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me`` (``fake.rest.router.templates()``
lists them all). Ids in ``call.params`` are ints.

Failure injection: ``fake.rest.inject("POST /channels/{channel_id}/messages", status=500, times=1,
body=..., channel_id=...)``; ``fake.rest.rate_limit(route, retry_after=0.05)`` answers a 429 the way
discord.py expects (JSON ``retry_after`` + ``Via``); ``fake.rest.set_bucket(route, limit=, per=)`` adds
X-RateLimit-* headers and enforces them. ``fake.rest.latency`` delays every response.

Gateway: ``fake.sessions(shard_id)`` (``Session.intents``, ``.received`` / ``.events("NAME")``),
``await fake.wait_for_shards(n)``, ``fake.gateway.identifies`` (time, shard, count, intents),
``await fake.gateway.drop(shard_id)`` (socket closed; the client resumes and missed events are
replayed), ``request_reconnect(shard_id)`` (op 7), ``invalidate(shard_id)`` (op 9, re-identify).
``fake.echo_events`` (default True): the bot's own REST actions send their gateway events too
(CHANNEL_CREATE, THREAD_CREATE, INVITE_CREATE, MESSAGE_CREATE, GUILD_MEMBER_UPDATE, reactions...).

Helpers: ``make_guild_id(shard, shard_count)``, ``shard_for(guild_id, shard_count)``,
``eventually(predicate, timeout)``.
"""

from .constants import CallbackType, ChannelType, ErrorCode, Intents, InteractionType, Permissions
from .gateway import Delivered, Gateway, IdentifyRecord, Session
from .rest import RestAPI
from .server import FakeDiscord, eventually
from .snowflake import SnowflakeFactory, make_guild_id, make_id, shard_for, snowflake_time
from .world import (
    Call,
    CallLog,
    Channel,
    DiscordHTTPError,
    Guild,
    Interaction,
    Invite,
    Member,
    Message,
    Role,
    User,
    World,
    compute_pings,
)

__all__ = [
    "Call",
    "CallLog",
    "CallbackType",
    "Channel",
    "ChannelType",
    "Delivered",
    "DiscordHTTPError",
    "ErrorCode",
    "FakeDiscord",
    "Gateway",
    "Guild",
    "IdentifyRecord",
    "Intents",
    "Interaction",
    "InteractionType",
    "Invite",
    "Member",
    "Message",
    "Permissions",
    "RestAPI",
    "Role",
    "Session",
    "SnowflakeFactory",
    "User",
    "World",
    "compute_pings",
    "eventually",
    "make_guild_id",
    "make_id",
    "shard_for",
    "snowflake_time",
]
