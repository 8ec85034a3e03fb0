"""The stand-in's in-memory model of Discord, and the JSON payloads Discord would send for it.

Everything here is synchronous and touches no socket: tests may build and inspect the world freely.
The server (``server.py``) turns mutations into gateway events where Discord would send one.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import string
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from .constants import (
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    ERROR_MESSAGES,
    PRIVILEGED_INTENTS,
    THREAD_TYPES,
    CallbackType,
    ChannelType,
    ErrorCode,
    InteractionType,
    MessageFlags,
    Permissions,
    permission,
    permissions,
)
from .snowflake import SnowflakeFactory, default_factory, snowflake_time

JSON = dict[str, Any]
NO_PERMISSIONS = Permissions(0)
Snowflakeish = int | str | Any  # an int, a numeric string, or an object with an ``id``
T = TypeVar("T")


def sid(value: Snowflakeish | None) -> int | None:
    """The int id of an id, a numeric string or an object with ``.id``."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value)
    return int(value.id)


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat()


class DiscordHTTPError(Exception):
    """Raised by world operations; the REST layer answers it with Discord's JSON error shape."""

    def __init__(self, status: int, code: int, message: str | None = None, errors: JSON | None = None):
        self.status = status
        self.code = int(code)
        self.message = message or ERROR_MESSAGES.get(code, "Error")
        self.errors = errors
        super().__init__(f"{status} {self.code} {self.message}")

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found(code: ErrorCode) -> DiscordHTTPError:
    return DiscordHTTPError(404, code)


def known(table: dict[int, T], key: Snowflakeish, code: ErrorCode) -> T:
    """``table[key]``, or Discord's 404 with `code` (Unknown Guild, Unknown Member...)."""
    try:
        return table[sid(key)]  # type: ignore[index]
    except KeyError:
        raise not_found(code) from None


def form_error(path: str, code: str, message: str) -> DiscordHTTPError:
    """A 400 Invalid Form Body with Discord's nested ``errors`` shape for one field path (``a.b.0.c``)."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return DiscordHTTPError(400, ErrorCode.INVALID_FORM_BODY, errors=errors)


# --------------------------------------------------------------------------------------------------
# model objects


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False
    dms_open: bool = True  # False: DMs to this user answer 403 / 50007

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Member:
    guild_id: int
    user_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    pending: bool = False


@dataclass
class Channel:
    id: int
    type: ChannelType
    guild_id: int | None = None
    name: str | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    permission_overwrites: list[JSON] = field(default_factory=list)
    # DMs
    recipients: list[int] = field(default_factory=list)
    user_initiated: bool = False  # the recipient has written to the bot in this DM
    # threads
    owner_id: int | None = None
    thread_members: list[int] = field(default_factory=list)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 10080
    invitable: bool = True
    applied_tags: list[int] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    archive_timestamp: datetime | None = None
    # forum
    available_tags: list[JSON] = field(default_factory=list)
    last_message_id: int | None = None
    message_count: int = 0
    bot_missing: Permissions = NO_PERMISSIONS  # permissions the bot lacks in this channel only

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type in (ChannelType.DM, ChannelType.GROUP_DM)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    icon: str | None = None
    description: str | None = None
    features: list[str] = field(default_factory=list)
    roles: dict[int, Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    vanity_url_code: str | None = None
    vanity_uses: int = 0
    member_count_override: int | None = None  # for partner servers not modelled member by member
    presence_count: int | None = None
    bot_in_guild: bool = True
    bot_role_id: int | None = None
    bot_missing: Permissions = NO_PERMISSIONS  # permissions the bot lacks guild-wide
    preferred_locale: str = "en-US"

    @property
    def member_count(self) -> int:
        return self.member_count_override if self.member_count_override is not None else len(self.members)

    @property
    def everyone_role(self) -> Role:
        return self.roles[self.id]


@dataclass
class Invite:
    code: str
    guild_id: int
    channel_id: int
    inviter_id: int | None = None
    uses: int = 0
    max_uses: int = 0
    max_age: int = 86400
    temporary: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def expires_at(self) -> datetime | None:
        return None if not self.max_age else self.created_at + timedelta(seconds=self.max_age)


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    allowed_mentions: JSON | None = None  # exactly as received (None: the field was absent)
    pings: JSON = field(default_factory=lambda: {"everyone": False, "users": [], "roles": []})
    flags: int = 0
    pinned: bool = False
    tts: bool = False
    reactions: dict[str, list[int]] = field(default_factory=dict)  # emoji key -> user ids, in order
    message_reference: JSON | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    type: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None
    deleted: bool = False
    body: JSON = field(default_factory=dict)  # the raw JSON body that created it

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlags.EPHEMERAL)

    @property
    def buttons(self) -> dict[str, str]:
        """The message's buttons, label -> custom_id (what a test clicks by name)."""
        return {b["label"]: b["custom_id"] for row in self.components for b in row["components"] if "label" in b}

    @property
    def pings_nobody(self) -> bool:
        return not (self.pings["everyone"] or self.pings["users"] or self.pings["roles"])


@dataclass
class Interaction:
    """An interaction the test dispatched, and what the bot answered."""

    id: int
    token: str
    application_id: int
    type: InteractionType
    guild_id: int | None
    channel_id: int | None
    user_id: int
    data: JSON
    message_id: int | None = None  # the message a component was on
    created: float = field(default_factory=time.monotonic)
    callbacks: list[JSON] = field(default_factory=list)  # [{"type": 4, "data": {...}}]
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    payload: JSON = field(default_factory=dict)  # the INTERACTION_CREATE data sent
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def response_type(self) -> CallbackType | None:
        return CallbackType(self.callbacks[0]["type"]) if self.callbacks else None

    @property
    def response(self) -> JSON | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def modal(self) -> JSON | None:
        """The modal the bot answered with (callback type 9), if any."""
        if self.callbacks and self.callbacks[0]["type"] == CallbackType.MODAL:
            return self.callbacks[0].get("data")
        return None

    async def wait_response(self, timeout: float = 5.0) -> JSON:
        """Wait until the bot has called back; returns ``{"type": ..., "data": ...}``."""
        await asyncio.wait_for(self._responded.wait(), timeout)
        assert self.response is not None
        return self.response


@dataclass
class Call:
    """One REST request the stand-in received."""

    method: str
    route: str  # "POST /channels/{channel_id}/messages"; "<METHOD> <path>" when no route matched
    path: str
    params: dict[str, Any]
    query: dict[str, str]
    json: Any
    time: float
    status: int | None = None
    files: list[JSON] = field(default_factory=list)
    reason: str | None = None  # X-Audit-Log-Reason

    def __repr__(self) -> str:
        return f"<Call {self.route} {self.path} -> {self.status}>"


class CallLog(list[Call]):
    """``world.calls``: every REST request in arrival order, with filters."""

    def calls_to(self, route: str, /, *, since: int = 0, status: int | None = None, **params: Any) -> list[Call]:
        """Calls to one route template (``"GET /guilds/{guild_id}/invites"``), optionally with the given
        path parameters (``guild_id=123``, ids compared as ints), after ``since`` (a ``mark()``)."""
        method, _, template = route.partition(" ")
        out = []
        for call in self[since:]:
            if call.method != method.upper() or call.route.partition(" ")[2] != template:
                continue
            if status is not None and call.status != status:
                continue
            if all(_same(call.params.get(k), v) for k, v in params.items()):
                out.append(call)
        return out

    def last(self, route: str, /, **params: Any) -> Call:
        matching = self.calls_to(route, **params)
        if not matching:
            raise AssertionError(f"no call to {route} {params or ''}; calls: {self.summary()}")
        return matching[-1]

    def mark(self) -> int:
        return len(self)

    def routes(self, since: int = 0) -> list[str]:
        return [c.route for c in self[since:]]

    def summary(self, since: int = 0) -> str:
        return ", ".join(f"{c.route}->{c.status}" for c in self[since:])


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return int(a) == int(sid(b))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a) == str(b)


# --------------------------------------------------------------------------------------------------
# mentions

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")


def compute_pings(content: str, allowed: JSON | None, *, replied_user_id: int | None = None) -> JSON:
    """Who a message with ``content`` actually pings under ``allowed_mentions`` (Discord's rules:
    absent field = parse everything; ``parse`` lists the types parsed; explicit ``users`` / ``roles``
    ids ping only those)."""
    users = [int(u) for u in _USER_MENTION.findall(content or "")]
    roles = [int(r) for r in _ROLE_MENTION.findall(content or "")]
    everyone = "@everyone" in (content or "") or "@here" in (content or "")
    if allowed is None:
        pinged_users = list(dict.fromkeys(users))
        if replied_user_id is not None and replied_user_id not in pinged_users:
            pinged_users.append(replied_user_id)
        return {"everyone": everyone, "users": pinged_users, "roles": list(dict.fromkeys(roles))}
    parse = set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in allowed.get("users") or []}
    allowed_roles = {int(r) for r in allowed.get("roles") or []}
    pinged_users = [u for u in dict.fromkeys(users) if "users" in parse or u in allowed_users]
    if replied_user_id is not None and allowed.get("replied_user") and replied_user_id not in pinged_users:
        pinged_users.append(replied_user_id)
    pinged_roles = [r for r in dict.fromkeys(roles) if "roles" in parse or r in allowed_roles]
    return {"everyone": everyone and "everyone" in parse, "users": pinged_users, "roles": pinged_roles}


def validate_allowed_mentions(allowed: Any) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, dict):
        raise form_error("allowed_mentions", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            raise form_error(
                f"allowed_mentions.{kind}",
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def emoji_key(emoji: str | JSON) -> str:
    """``"👍"`` for unicode, ``"name:id"`` for custom emoji (the form used in reaction URLs)."""
    if isinstance(emoji, dict):
        return f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else emoji["name"]
    if emoji.startswith("<") and emoji.endswith(">"):  # <:name:id> / <a:name:id>
        parts = emoji.strip("<>").split(":")
        return f"{parts[-2]}:{parts[-1]}"
    return emoji


def emoji_payload(key: str) -> JSON:
    name, sep, eid = key.rpartition(":")
    if sep and eid.isdigit():
        return {"id": eid, "name": name, "animated": False}
    return {"id": None, "name": key}


def _code(n: int = 8) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


# --------------------------------------------------------------------------------------------------
# the world


class World:
    """Guilds, users, channels, invites, messages and interactions, plus ``calls`` (the REST log).

    ``world.bot`` is the bot user; ``world.token`` the bot token the stand-in accepts.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "Partners",
        ids: SnowflakeFactory | None = None,
    ) -> None:
        self.ids = ids or default_factory()
        self.token = token
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.invites: dict[str, Invite] = {}
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.commands_global: list[JSON] = []
        self.commands_guild: dict[int, list[JSON]] = {}
        self.calls = CallLog()
        self.bot = self.add_user(bot_name, bot=True)
        self.owner = self.add_user("app-owner")
        self.application_id = self.bot.id
        # knobs
        self.privileged_intents_allowed: int = int(PRIVILEGED_INTENTS)  # 4014 for others
        self.recommended_shards = 1  # GET /gateway/bot "shards"
        self.max_concurrency = 1  # GET /gateway/bot session_start_limit.max_concurrency
        self.interaction_deadline: float | None = 3.0  # seconds to call back before 10062
        self.dm_requires_mutual_guild = True  # DMs fail (50007) without a shared guild
        self.clock_offset = timedelta()

    # ---- time ---------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the world's clock (invite expiry) forward."""
        self.clock_offset += timedelta(seconds=seconds)

    # ---- users ---------------------------------------------------------------------------------------

    def add_user(
        self,
        username: str | None = None,
        *,
        id: int | None = None,
        bot: bool = False,
        dms_open: bool = True,
        created_at: datetime | None = None,
        global_name: str | None = None,
        avatar: str | None = None,
    ) -> User:
        uid = id if id is not None else (self.ids.at(created_at) if created_at else self.ids.next())
        user = User(uid, username or f"user{uid % 100000}", global_name, avatar, bot, dms_open)
        self.users[uid] = user
        return user

    def user(self, user: Snowflakeish) -> User:
        return known(self.users, user, ErrorCode.UNKNOWN_USER)

    # ---- guilds --------------------------------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Guild",
        *,
        id: int | None = None,
        shard: int | None = None,
        shard_count: int | None = None,
        owner: Snowflakeish | None = None,
        icon: str | None = None,
        vanity_url_code: str | None = None,
        vanity_uses: int = 0,
        member_count: int | None = None,
        bot_in_guild: bool = True,
        features: Iterable[str] = (),
        default_channel: str | None = "general",
        description: str | None = None,
    ) -> Guild:
        """A guild with an @everyone role, the bot's managed role (position 10, so roles the tests add
        below it are assignable) and, unless ``default_channel=None``, a ``#general`` text channel.

        ``shard``/``shard_count`` pick an id that lands on that shard. ``bot_in_guild=False`` models a
        partner server the bot is not in (its invites still resolve). ``member_count`` overrides the
        count Discord reports (``approximate_member_count``)."""
        if id is None:
            id = self.ids.next(shard=shard, shard_count=shard_count) if shard is not None else self.ids.next()
        owner_id = sid(owner) if owner is not None else self.add_user(f"{name}-owner").id
        assert owner_id is not None
        features = list(features)
        if vanity_url_code and "VANITY_URL" not in features:
            features.append("VANITY_URL")
        guild = Guild(
            id=id,
            name=name,
            owner_id=owner_id,
            icon=icon,
            description=description,
            features=features,
            vanity_url_code=vanity_url_code,
            vanity_uses=vanity_uses,
            member_count_override=member_count,
            bot_in_guild=bot_in_guild,
        )
        self.guilds[id] = guild
        guild.roles[id] = Role(id, id, "@everyone", int(DEFAULT_EVERYONE_PERMISSIONS), 0)
        bot_role = Role(self.ids.next(), id, self.bot.username, ALL_PERMISSIONS, 10, managed=True, bot_id=self.bot.id)
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        if owner_id not in self.users:
            self.add_user(id=owner_id)
        self.add_member(guild, owner_id)
        if bot_in_guild:
            self.add_member(guild, self.bot.id, roles=[bot_role.id])
        if default_channel:
            self.add_channel(guild, default_channel)
        return guild

    def guild(self, guild: Snowflakeish) -> Guild:
        return known(self.guilds, guild, ErrorCode.UNKNOWN_GUILD)

    def bot_guild(self, guild: Snowflakeish) -> Guild:
        """The guild, if the bot is in it (403 Missing Access if not, 404 if unknown)."""
        g = self.guild(guild)
        if not g.bot_in_guild:
            raise DiscordHTTPError(403, ErrorCode.MISSING_ACCESS)
        return g

    def guilds_of_shard(self, shard_id: int, shard_count: int) -> list[Guild]:
        return [g for g in self.guilds.values() if g.bot_in_guild and (g.id >> 22) % shard_count == shard_id]

    def set_vanity(self, guild: Snowflakeish, code: str | None, uses: int = 0) -> None:
        g = self.guild(guild)
        g.vanity_url_code, g.vanity_uses = code, uses
        if code and "VANITY_URL" not in g.features:
            g.features.append("VANITY_URL")

    # ---- roles and members -------------------------------------------------------------------------------

    def add_role(
        self,
        guild: Snowflakeish,
        name: str = "role",
        *,
        permissions: int | Iterable[str] = 0,
        position: int | None = None,
        managed: bool = False,
        mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        g = self.guild(guild)
        if not isinstance(permissions, int):
            permissions = int(sum(permission(p) for p in permissions))
        if position is None:
            position = 1 + max((r.position for r in g.roles.values() if not r.managed), default=0)
        role = Role(self.ids.next(), g.id, name, permissions, position, color, managed=managed, mentionable=mentionable)
        g.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Snowflakeish,
        user: Snowflakeish | None = None,
        *,
        roles: Iterable[Snowflakeish] = (),
        nick: str | None = None,
        joined_at: datetime | None = None,
        username: str | None = None,
    ) -> Member:
        """Add a member (creating the user when ``user`` is None). No event: see ``FakeDiscord.member_join``."""
        g = self.guild(guild)
        if user is None:
            uid = self.add_user(username).id
        else:
            uid = sid(user)  # type: ignore[assignment]
            if uid not in self.users:
                self.add_user(username, id=uid)
        member = Member(g.id, uid, [sid(r) for r in roles], nick, joined_at or self.now())  # type: ignore[misc]
        g.members[uid] = member
        return member

    def member(self, guild: Snowflakeish, user: Snowflakeish) -> Member:
        return known(self.guild(guild).members, user, ErrorCode.UNKNOWN_MEMBER)

    def role(self, guild: Snowflakeish, role: Snowflakeish) -> Role:
        return known(self.guild(guild).roles, role, ErrorCode.UNKNOWN_ROLE)

    def member_permissions(self, guild: Snowflakeish, user: Snowflakeish) -> int:
        g = self.guild(guild)
        uid = sid(user)
        if uid == self.bot.id:
            return self.bot_permissions(g)
        if uid == g.owner_id:
            return ALL_PERMISSIONS
        m = g.members.get(uid)  # type: ignore[arg-type]
        perms = g.everyone_role.permissions
        for rid in m.roles if m else []:
            if rid in g.roles:
                perms |= g.roles[rid].permissions
        return ALL_PERMISSIONS if perms & Permissions.ADMINISTRATOR else perms

    def bot_top_position(self, guild: Guild) -> int:
        m = guild.members.get(self.bot.id)
        return max((guild.roles[r].position for r in (m.roles if m else []) if r in guild.roles), default=0)

    # ---- bot permissions ---------------------------------------------------------------------------------

    def deny_bot(self, guild: Snowflakeish, *perms: str | int, channel: Snowflakeish | None = None) -> None:
        """Make the bot lack permissions, guild-wide or in one channel: matching routes answer 403/50013."""
        target = self.channel(channel) if channel is not None else self.guild(guild)
        target.bot_missing |= permissions(perms)

    def allow_bot(self, guild: Snowflakeish, *perms: str | int, channel: Snowflakeish | None = None) -> None:
        target = self.channel(channel) if channel is not None else self.guild(guild)
        target.bot_missing &= ~permissions(perms)

    def bot_permissions(self, guild: Guild, channel: Channel | None = None) -> int:
        missing = guild.bot_missing
        while channel is not None:
            missing |= channel.bot_missing
            channel = self.channels.get(channel.parent_id) if channel.parent_id else None  # type: ignore[arg-type]
        return ALL_PERMISSIONS & ~int(missing)

    def require_bot(self, guild: Guild | None, *perms: Permissions, channel: Channel | None = None) -> None:
        if guild is None:
            return
        have = self.bot_permissions(guild, channel)
        for p in perms:
            if not have & p:
                raise DiscordHTTPError(403, ErrorCode.MISSING_PERMISSIONS)

    # ---- channels -----------------------------------------------------------------------------------------

    def add_channel(
        self,
        guild: Snowflakeish,
        name: str = "channel",
        *,
        type: ChannelType | int | str = ChannelType.TEXT,
        parent: Snowflakeish | None = None,
        topic: str | None = None,
        position: int | None = None,
        id: int | None = None,
    ) -> Channel:
        """A guild channel. ``type``: a ChannelType, its int, or "text" / "category" / "forum" / "voice"."""
        g = self.guild(guild)
        if isinstance(type, str):
            type = ChannelType[type.upper()]
        parent_id = sid(parent)
        if parent_id is not None and self.channel(parent_id).type != ChannelType.CATEGORY:
            raise form_error("parent_id", "CHANNEL_PARENT_INVALID_TYPE", "Not a category")
        if position is None:
            position = sum(1 for c in g.channel_ids if self.channels[c].parent_id == parent_id)
        ch = Channel(id or self.ids.next(), ChannelType(type), g.id, name, parent_id, position, topic)
        ch.created_at = self.now()
        self.channels[ch.id] = ch
        g.channel_ids.append(ch.id)
        return ch

    def add_category(self, guild: Snowflakeish, name: str = "category") -> Channel:
        return self.add_channel(guild, name, type=ChannelType.CATEGORY)

    def add_forum(self, guild: Snowflakeish, name: str = "forum", *, parent: Snowflakeish | None = None) -> Channel:
        return self.add_channel(guild, name, type=ChannelType.FORUM, parent=parent)

    def add_thread(
        self,
        parent: Snowflakeish,
        name: str = "thread",
        *,
        private: bool = False,
        owner: Snowflakeish | None = None,
        members: Iterable[Snowflakeish] = (),
        id: int | None = None,
    ) -> Channel:
        parent_ch = self.channel(parent)
        if parent_ch.type == ChannelType.FORUM or parent_ch.type == ChannelType.MEDIA:
            private = False
        ctype = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
        owner_id = sid(owner) if owner is not None else self.bot.id
        th = Channel(id or self.ids.next(), ctype, parent_ch.guild_id, name, parent_ch.id, owner_id=owner_id)
        th.created_at = self.now()
        th.thread_members = list(dict.fromkeys([owner_id, *(sid(m) for m in members)]))  # type: ignore[list-item]
        self.channels[th.id] = th
        return th

    def channel(self, channel: Snowflakeish) -> Channel:
        return known(self.channels, channel, ErrorCode.UNKNOWN_CHANNEL)

    def dm_channel(self, user: Snowflakeish, *, create: bool = True) -> Channel:
        uid = sid(user)
        for ch in self.channels.values():
            if ch.type == ChannelType.DM and ch.recipients == [uid]:
                return ch
        if not create:
            raise not_found(ErrorCode.UNKNOWN_CHANNEL)
        self.user(uid)
        ch = Channel(self.ids.next(), ChannelType.DM, recipients=[uid])  # type: ignore[list-item]
        self.channels[ch.id] = ch
        return ch

    def guild_channels(self, guild: Snowflakeish) -> list[Channel]:
        g = self.guild(guild)
        return [self.channels[c] for c in g.channel_ids if c in self.channels]

    def threads_of(self, guild: Snowflakeish) -> list[Channel]:
        gid = sid(guild)
        return [c for c in self.channels.values() if c.guild_id == gid and c.is_thread]

    def delete_channel(self, channel: Snowflakeish) -> Channel:
        ch = self.channel(channel)
        del self.channels[ch.id]
        if ch.guild_id is not None and ch.id in self.guilds[ch.guild_id].channel_ids:
            self.guilds[ch.guild_id].channel_ids.remove(ch.id)
        for inv in [i for i in self.invites.values() if i.channel_id == ch.id]:
            del self.invites[inv.code]
        return ch

    # ---- invites ---------------------------------------------------------------------------------------------

    def add_invite(
        self,
        guild: Snowflakeish,
        channel: Snowflakeish | None = None,
        *,
        code: str | None = None,
        inviter: Snowflakeish | None = None,
        uses: int = 0,
        max_uses: int = 0,
        max_age: int = 0,
        temporary: bool = False,
    ) -> Invite:
        """An invite (no event: see ``FakeDiscord.invite_create``). ``channel`` defaults to the first
        text channel; ``inviter`` to the guild owner."""
        g = self.guild(guild)
        if channel is None:
            channel = next(c for c in self.guild_channels(g) if c.type == ChannelType.TEXT)
        code = code or _code()
        if code in self.invites or any(x.vanity_url_code == code for x in self.guilds.values()):
            raise ValueError(f"invite code {code!r} already exists")
        inviter_id = sid(inviter) if inviter is not None else g.owner_id
        inv = Invite(code, g.id, sid(channel), inviter_id, uses, max_uses, max_age, temporary, self.now())  # type: ignore[arg-type]
        self.invites[code] = inv
        return inv

    def invite(self, code: str) -> Invite:
        inv = self.invites.get(code)
        if inv is None or self.invite_expired(inv):
            raise not_found(ErrorCode.UNKNOWN_INVITE)
        return inv

    def invite_expired(self, inv: Invite) -> bool:
        return inv.expires_at is not None and inv.expires_at <= self.now()

    def guild_invites(self, guild: Snowflakeish) -> list[Invite]:
        gid = sid(guild)
        return [i for i in self.invites.values() if i.guild_id == gid and not self.invite_expired(i)]

    def guild_by_vanity(self, code: str) -> Guild | None:
        return next((g for g in self.guilds.values() if g.vanity_url_code == code), None)

    # ---- messages ---------------------------------------------------------------------------------------------

    def add_message(
        self,
        channel: Snowflakeish,
        author: Snowflakeish,
        content: str = "",
        *,
        embeds: list[JSON] | None = None,
        components: list[JSON] | None = None,
    ) -> Message:
        """A message already in a channel (no event, no validation)."""
        ch = self.channel(channel)
        m = Message(
            self.ids.next(),
            ch.id,
            ch.guild_id,
            sid(author),  # type: ignore[arg-type]
            content,
            embeds or [],
            components or [],
            created_at=self.now(),
        )
        m.pings = compute_pings(content, None)
        self.messages[m.id] = m
        ch.last_message_id = m.id
        ch.message_count += 1
        return m

    def message(self, channel: Snowflakeish, message: Snowflakeish) -> Message:
        m = self.messages.get(sid(message))  # type: ignore[arg-type]
        if m is None or m.deleted or m.channel_id != sid(channel):
            raise not_found(ErrorCode.UNKNOWN_MESSAGE)
        return m

    def messages_in(self, channel: Snowflakeish, *, include_deleted: bool = False) -> list[Message]:
        cid = sid(channel)
        return [
            m
            for m in self.messages.values()
            if m.channel_id == cid and (include_deleted or not m.deleted) and not m.ephemeral
        ]

    def dms_to(self, user: Snowflakeish) -> list[Message]:
        """Messages the bot sent to ``user`` in their DM channel."""
        try:
            ch = self.dm_channel(user, create=False)
        except DiscordHTTPError:
            return []
        return [m for m in self.messages_in(ch) if m.author_id == self.bot.id]

    def create_message(
        self,
        channel: Channel,
        author_id: int,
        body: JSON,
        *,
        webhook_id: int | None = None,
        interaction_id: int | None = None,
        attachments: list[JSON] | None = None,
        message_id: int | None = None,
        validate: bool = True,
    ) -> Message:
        """Validate a message body as Discord does (2000 chars, 10 embeds, 4096-char descriptions, not
        empty, allowed_mentions shape) and store the message."""
        if validate:
            validate_message_body(body, attachments=attachments, creating=True)
        reference = body.get("message_reference")
        replied_user_id = None
        if reference and reference.get("message_id"):
            ref = self.messages.get(int(reference["message_id"]))
            if ref is None:
                if reference.get("fail_if_not_exists", True):
                    raise form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            else:
                replied_user_id = ref.author_id
        m = Message(
            message_id or self.ids.next(),
            channel.id,
            channel.guild_id,
            author_id,
            body.get("content") or "",
            list(body.get("embeds") or ([body["embed"]] if body.get("embed") else [])),
            list(body.get("components") or []),
            attachments or [],
            body.get("allowed_mentions"),
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts")),
            message_reference=reference,
            webhook_id=webhook_id,
            application_id=self.application_id if webhook_id else None,
            interaction_id=interaction_id,
            type=19 if reference else 0,
            created_at=self.now(),
            body=body,
        )
        m.pings = compute_pings(m.content, m.allowed_mentions, replied_user_id=replied_user_id)
        self.messages[m.id] = m
        if not m.ephemeral:
            channel.last_message_id = m.id
            channel.message_count += 1
        return m

    def edit_message(self, m: Message, body: JSON) -> Message:
        validate_message_body(body, creating=False)
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                value = body[key]
                if key == "content":
                    value = value or ""
                elif key == "flags":
                    value = (int(value or 0) & ~MessageFlags.LOADING) | (m.flags & MessageFlags.EPHEMERAL)
                else:
                    value = list(value or [])
                setattr(m, key, value)
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            m.attachments = [a for a in m.attachments if str(a["id"]) in keep]
        if "allowed_mentions" in body:
            m.allowed_mentions = body["allowed_mentions"]
        m.flags &= ~MessageFlags.LOADING
        m.pings = compute_pings(m.content, m.allowed_mentions)
        m.edited_at = self.now()
        return m

    # ---- interactions -----------------------------------------------------------------------------------------

    def interaction_by_token(self, token: str) -> Interaction:
        for it in self.interactions.values():
            if it.token == token:
                return it
        raise not_found(ErrorCode.UNKNOWN_WEBHOOK)

    # ---- payloads -----------------------------------------------------------------------------------------------

    def member_payload(self, member: Member, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(member.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": member.pending,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.users[member.user_id].payload()
        return data

    def channel_payload(self, ch: Channel) -> JSON:
        if ch.is_dm:
            return {
                "id": str(ch.id),
                "type": int(ch.type),
                "last_message_id": str(ch.last_message_id) if ch.last_message_id else None,
                "flags": 0,
                "recipients": [self.users[u].payload() for u in ch.recipients],
            }
        data: JSON = {
            "id": str(ch.id),
            "type": int(ch.type),
            "guild_id": str(ch.guild_id),
            "name": ch.name,
            "parent_id": str(ch.parent_id) if ch.parent_id else None,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": str(ch.last_message_id) if ch.last_message_id else None,
        }
        if ch.is_thread:
            data.update(
                owner_id=str(ch.owner_id),
                message_count=ch.message_count,
                total_message_sent=ch.message_count,
                member_count=min(len(ch.thread_members), 50),
                applied_tags=[str(t) for t in ch.applied_tags],
                thread_metadata={
                    "archived": ch.archived,
                    "auto_archive_duration": ch.auto_archive_duration,
                    "archive_timestamp": iso(ch.archive_timestamp or ch.created_at),
                    "locked": ch.locked,
                    "invitable": ch.invitable,
                    "create_timestamp": iso(ch.created_at),
                },
            )
            if self.bot.id in ch.thread_members:
                data["member"] = {
                    "id": str(ch.id),
                    "user_id": str(self.bot.id),
                    "join_timestamp": iso(ch.created_at),
                    "flags": 0,
                }
            return data
        data.update(
            position=ch.position,
            permission_overwrites=ch.permission_overwrites,
            nsfw=ch.nsfw,
            topic=ch.topic,
        )
        if ch.type in (ChannelType.FORUM, ChannelType.MEDIA):
            data.update(
                available_tags=ch.available_tags,
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
                default_auto_archive_duration=10080,
            )
        if ch.type == ChannelType.VOICE:
            data.update(bitrate=64000, user_limit=0, rtc_region=None)
        return data

    def guild_payload(self, g: Guild, *, full: bool = False, with_counts: bool = False) -> JSON:
        """``full``: the GUILD_CREATE shape (channels, threads, the bot's member, member_count)."""
        data: JSON = {
            "id": str(g.id),
            "name": g.name,
            "icon": g.icon,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": g.description,
            "owner_id": str(g.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in g.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(g.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": g.vanity_url_code,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": g.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }
        if with_counts:
            data["approximate_member_count"] = g.member_count
            data["approximate_presence_count"] = g.presence_count if g.presence_count is not None else 0
        if full:
            bot_member = g.members.get(self.bot.id)
            data.update(
                unavailable=False,
                joined_at=iso(bot_member.joined_at if bot_member else self.now()),
                large=g.member_count > 250,
                member_count=g.member_count,
                voice_states=[],
                members=[self.member_payload(bot_member)] if bot_member else [],
                channels=[self.channel_payload(c) for c in self.guild_channels(g)],
                threads=[self.channel_payload(t) for t in self.threads_of(g) if not t.archived],
                presences=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return data

    def partial_guild_payload(self, g: Guild) -> JSON:
        return {
            "id": str(g.id),
            "name": g.name,
            "splash": None,
            "banner": None,
            "description": g.description,
            "icon": g.icon,
            "features": list(g.features),
            "verification_level": 0,
            "vanity_url_code": g.vanity_url_code,
            "nsfw_level": 0,
            "premium_subscription_count": 0,
        }

    def invite_payload(
        self,
        inv: Invite | None = None,
        *,
        vanity_guild: Guild | None = None,
        with_counts: bool = False,
        metadata: bool = False,
        with_expiration: bool = True,
    ) -> JSON:
        """An invite (``GET /invites/{code}`` shape; ``metadata`` adds uses/max_uses/max_age/...)."""
        if inv is None:
            assert vanity_guild is not None
            g = vanity_guild
            ch = next((c for c in self.guild_channels(g) if c.type == ChannelType.TEXT), None)
            code = g.vanity_url_code
            inviter = None
            expires_at = None
        else:
            g = self.guilds[inv.guild_id]
            ch = self.channels.get(inv.channel_id)
            code = inv.code
            inviter = self.users.get(inv.inviter_id) if inv.inviter_id else None  # type: ignore[arg-type]
            expires_at = inv.expires_at
        data: JSON = {
            "type": 0,
            "code": code,
            "guild_id": str(g.id),
            "guild": self.partial_guild_payload(g),
            "channel": {"id": str(ch.id), "type": int(ch.type), "name": ch.name} if ch else None,
            "flags": 0,
        }
        if inviter is not None:
            data["inviter"] = inviter.payload()
        if with_expiration:
            data["expires_at"] = iso(expires_at)
        if with_counts:
            data["approximate_member_count"] = g.member_count
            data["approximate_presence_count"] = g.presence_count if g.presence_count is not None else 0
        if metadata and inv is not None:
            data.update(
                uses=inv.uses,
                max_uses=inv.max_uses,
                max_age=inv.max_age,
                temporary=inv.temporary,
                created_at=iso(inv.created_at),
                expires_at=iso(expires_at),
            )
        return data

    def invite_event_payload(self, inv: Invite) -> JSON:
        """INVITE_CREATE data."""
        data: JSON = {
            "channel_id": str(inv.channel_id),
            "code": inv.code,
            "created_at": iso(inv.created_at),
            "guild_id": str(inv.guild_id),
            "max_age": inv.max_age,
            "max_uses": inv.max_uses,
            "temporary": inv.temporary,
            "uses": inv.uses,
            "expires_at": iso(inv.expires_at),
        }
        if inv.inviter_id and inv.inviter_id in self.users:
            data["inviter"] = self.users[inv.inviter_id].payload()
        return data

    def reactions_payload(self, m: Message) -> list[JSON]:
        return [
            {
                "emoji": emoji_payload(key),
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": self.bot.id in users,
                "me_burst": False,
                "burst_colors": [],
            }
            for key, users in m.reactions.items()
            if users
        ]

    def message_payload(self, m: Message, *, for_gateway: bool = False) -> JSON:
        author = self.users[m.author_id]
        data: JSON = {
            "id": str(m.id),
            "channel_id": str(m.channel_id),
            "author": author.payload(),
            "content": m.content,
            "timestamp": iso(m.created_at),
            "edited_timestamp": iso(m.edited_at),
            "tts": m.tts,
            "mention_everyone": m.pings["everyone"],
            "mentions": [self.users[u].payload() for u in m.pings["users"] if u in self.users],
            "mention_roles": [str(r) for r in m.pings["roles"]],
            "attachments": m.attachments,
            "embeds": m.embeds,
            "components": m.components,
            "reactions": self.reactions_payload(m),
            "pinned": m.pinned,
            "type": m.type,
            "flags": m.flags,
        }
        if m.webhook_id:
            data["webhook_id"] = str(m.webhook_id)
            data["application_id"] = str(m.application_id)
        if m.message_reference:
            data["message_reference"] = {"type": 0, "channel_id": str(m.channel_id), **m.message_reference}
        if m.interaction_id and m.interaction_id in self.interactions:
            it = self.interactions[m.interaction_id]
            data["interaction_metadata"] = {
                "id": str(it.id),
                "type": int(it.type),
                "user": self.users[it.user_id].payload(),
                "authorizing_integration_owners": {"0": str(it.guild_id)} if it.guild_id else {"1": str(it.user_id)},
            }
        if for_gateway and m.guild_id is not None:
            data["guild_id"] = str(m.guild_id)
            member = self.guilds[m.guild_id].members.get(m.author_id) if m.guild_id in self.guilds else None
            if member is not None and not m.webhook_id:
                data["member"] = self.member_payload(member, with_user=False)
        return data


# --------------------------------------------------------------------------------------------------
# body validation


def validate_message_body(body: Any, *, attachments: list[JSON] | None = None, creating: bool) -> None:
    if not isinstance(body, dict):
        raise DiscordHTTPError(400, ErrorCode.GENERAL, "400: Bad Request")
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    if content and len(content) > 2000:
        raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                raise form_error(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        for j, f in enumerate(embed.get("fields") or []):
            total += len(f.get("name") or "") + len(f.get("value") or "")
            if len(f.get("value") or "") > 1024:
                raise form_error(
                    f"embeds.{i}.fields.{j}.value", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
                )
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    if total > 6000:
        raise form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    if len(body.get("components") or []) > 40:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
    validate_allowed_mentions(body.get("allowed_mentions"))
    if creating and not (
        content
        or embeds
        or body.get("embed")
        or body.get("components")
        or attachments
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise DiscordHTTPError(400, ErrorCode.CANNOT_SEND_EMPTY_MESSAGE)


def iter_components(components: Iterable[JSON]) -> Iterator[JSON]:
    for c in components:
        yield c
        if "components" in c:
            yield from iter_components(c["components"])
        if "component" in c:
            yield from iter_components([c["component"]])
        if "accessory" in c:
            yield from iter_components([c["accessory"]])
