"""Gateway half of the stand-in: one websocket per shard session, plain text JSON frames.

HELLO -> IDENTIFY -> READY + one GUILD_CREATE per guild of the shard; heartbeats ACKed; RESUME
replays what the session missed; events reach a session only if its IDENTIFY asked for their intent.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .constants import (
    ALL_INTENTS,
    CLOSE_ALREADY_AUTHENTICATED,
    CLOSE_AUTHENTICATION_FAILED,
    CLOSE_DECODE_ERROR,
    CLOSE_DISALLOWED_INTENTS,
    CLOSE_INVALID_INTENTS,
    CLOSE_INVALID_SHARD,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_UNKNOWN_OPCODE,
    PRIVILEGED_INTENTS,
    Intents,
    required_intent,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fakediscord.gateway")

JSON = dict[str, Any]

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_VOICE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11


@dataclass
class Delivered:
    """One dispatch frame sent (or buffered) for a session."""

    session_id: str
    shard_id: int
    event: str
    seq: int
    data: JSON


@dataclass
class IdentifyRecord:
    time: float  # time.monotonic()
    shard_id: int
    shard_count: int
    intents: int
    session_id: str | None = None


@dataclass
class Session:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=5000))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    received: list[Delivered] = field(default_factory=list)
    resumable: bool = True
    resumes: int = 0

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def owns(self, guild_id: int | None) -> bool:
        if guild_id is None:  # DMs reach shard 0 only
            return self.shard_id == 0
        return (int(guild_id) >> 22) % self.shard_count == self.shard_id

    def has(self, intent: int) -> bool:
        return (self.intents & intent) == intent

    def events(self, name: str | None = None) -> list[Delivered]:
        return [d for d in self.received if name is None or d.event == name]


def _strip_content(session: Session, bot_id: int, event: str, data: JSON, in_guild: bool) -> JSON:
    """Without MESSAGE_CONTENT, guild messages arrive with empty content/embeds/attachments/components
    unless the bot wrote them or is mentioned. DMs to the bot always carry content."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or not in_guild or session.has(Intents.MESSAGE_CONTENT):
        return data
    if str((data.get("author") or {}).get("id")) == str(bot_id):
        return data
    if any(str(u.get("id")) == str(bot_id) for u in data.get("mentions") or []):
        return data
    data = dict(data)
    for key, empty in (("content", ""), ("embeds", []), ("attachments", []), ("components", [])):
        if key in data:
            data[key] = empty
    data.pop("poll", None)
    return data


class Gateway:
    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.sessions: dict[str, Session] = {}
        self.identifies: list[IdentifyRecord] = []
        self.connections: list[web.WebSocketResponse] = []
        self.connect_paths: list[str] = []  # request paths of every websocket connection, in order
        self.heartbeat_interval_ms = 41250
        self.log: list[Delivered] = []
        self._changed = asyncio.Condition()
        self._server_closed: set[web.WebSocketResponse] = set()

    @property
    def world(self):
        return self.server.world

    # ---- queries --------------------------------------------------------------------------------------

    def live_sessions(self, shard_id: int | None = None) -> list[Session]:
        return [s for s in self.sessions.values() if s.resumable and (shard_id is None or s.shard_id == shard_id)]

    def connected_sessions(self) -> list[Session]:
        return [s for s in self.live_sessions() if s.connected]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- dispatch ---------------------------------------------------------------------------------------

    async def dispatch(
        self,
        guild_id: int | None,
        event: str,
        data: JSON,
        *,
        intent: int | None = None,
        shard_id: int | None = None,
    ) -> list[Session]:
        """Send ``event`` to every live session owning ``guild_id`` (or ``shard_id``) that identified
        with the needed intent. Sessions that are disconnected but resumable buffer it. Returns the
        sessions it reached."""
        in_guild = guild_id is not None
        if intent is None:
            needed = required_intent(event, in_guild=in_guild)
            if needed is None:
                raise ValueError(f"no intent known for {event!r}; pass intent= explicitly (0 for none)")
            intent = int(needed)
        reached = []
        for session in list(self.live_sessions()):
            owns = session.shard_id == shard_id if shard_id is not None else session.owns(guild_id)
            if not owns or not session.has(intent):
                continue
            payload = _strip_content(session, self.world.bot.id, event, data, in_guild)
            await self._send_dispatch(session, event, payload)
            reached.append(session)
        return reached

    async def _send_dispatch(self, session: Session, event: str, data: JSON) -> None:
        async with session.lock:
            await self._send_dispatch_locked(session, event, data)

    async def _send_dispatch_locked(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        data = copy.deepcopy(data)
        frame = json.dumps({"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data})
        session.buffer.append((session.seq, frame))
        delivered = Delivered(session.session_id, session.shard_id, event, session.seq, data)
        session.received.append(delivered)
        self.log.append(delivered)
        if session.connected:
            try:
                await session.ws.send_str(frame)  # type: ignore[union-attr]
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                log.debug("send to shard %s failed; kept for resume", session.shard_id)

    # ---- test controls --------------------------------------------------------------------------------

    async def drop(self, shard_id: int, code: int = 4000) -> None:
        """Close the socket of the shard's session(s) with ``code``; the session stays resumable."""
        for s in self.live_sessions(shard_id):
            if s.ws is not None:
                self._server_closed.add(s.ws)
                await s.ws.close(code=code, message=b"dropped by test")

    async def request_reconnect(self, shard_id: int) -> None:
        """Send op 7 RECONNECT (the client closes and resumes)."""
        for s in self.live_sessions(shard_id):
            if s.connected:
                await s.ws.send_str(json.dumps({"op": OP_RECONNECT, "d": None}))  # type: ignore[union-attr]

    async def invalidate(self, shard_id: int, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the session is gone (the client re-identifies)."""
        for s in self.live_sessions(shard_id):
            if not resumable:
                s.resumable = False
            if s.connected:
                await s.ws.send_str(json.dumps({"op": OP_INVALID_SESSION, "d": resumable}))  # type: ignore[union-attr]

    async def close_all(self) -> None:
        for ws in list(self.connections):
            if not ws.closed:
                await ws.close(code=1001, message=b"server shutting down")

    # ---- websocket handler ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self.connections.append(ws)
        self.connect_paths.append(request.path)
        session: Session | None = None
        try:
            await ws.send_str(
                json.dumps(
                    {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
                )
            )
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.BINARY:
                    await ws.close(code=CLOSE_DECODE_ERROR, message=b"Error while decoding payload.")
                    break
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                try:
                    frame = json.loads(msg.data)
                    op = frame["op"]
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=CLOSE_DECODE_ERROR, message=b"Error while decoding payload.")
                    break
                d = frame.get("d")
                if op == OP_HEARTBEAT:
                    await ws.send_str(json.dumps({"op": OP_HEARTBEAT_ACK, "d": None}))
                elif op == OP_IDENTIFY:
                    if session is not None:
                        await ws.close(code=CLOSE_ALREADY_AUTHENTICATED, message=b"Already authenticated.")
                        break
                    session = await self._identify(ws, d or {})
                    if session is None:
                        break
                elif op == OP_RESUME:
                    if session is not None:
                        await ws.close(code=CLOSE_ALREADY_AUTHENTICATED, message=b"Already authenticated.")
                        break
                    session = await self._resume(ws, d or {})
                    if session is None and ws.closed:
                        break
                elif op == OP_REQUEST_MEMBERS:
                    if session is None:
                        await ws.close(code=CLOSE_NOT_AUTHENTICATED, message=b"Not authenticated.")
                        break
                    await self._request_members(session, d or {})
                elif op in (OP_PRESENCE, OP_VOICE):
                    if session is None:
                        await ws.close(code=CLOSE_NOT_AUTHENTICATED, message=b"Not authenticated.")
                        break
                else:
                    await ws.close(code=CLOSE_UNKNOWN_OPCODE, message=b"Unknown opcode.")
                    break
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                if ws not in self._server_closed and ws.close_code in (1000, 1001):
                    session.resumable = False  # the client closed cleanly: that ends the session
            self._server_closed.discard(ws)
            if ws in self.connections:
                self.connections.remove(ws)
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: JSON) -> Session | None:
        w = self.world
        if d.get("token") != w.token:
            await ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return None
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await ws.close(code=CLOSE_INVALID_INTENTS, message=b"Invalid intent(s).")
            return None
        if intents & PRIVILEGED_INTENTS & ~w.privileged_intents_allowed:
            await ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return None
        shard_id, shard_count = d.get("shard") or [0, 1]
        if not (isinstance(shard_count, int) and shard_count >= 1 and 0 <= shard_id < shard_count):
            await ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return None
        record = IdentifyRecord(time.monotonic(), shard_id, shard_count, intents)
        self.identifies.append(record)
        # a fresh IDENTIFY for a shard retires that shard's older sessions
        for old in self.live_sessions(shard_id):
            if old.shard_count == shard_count:
                old.resumable = False
        session = Session(secrets.token_hex(16), shard_id, shard_count, intents, ws=ws)
        record.session_id = session.session_id
        self.sessions[session.session_id] = session
        guilds = w.guilds_of_shard(shard_id, shard_count)
        user = w.bot.payload()
        user.update(verified=True, mfa_enabled=False, email=None, flags=0)
        ready = {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.server.resume_gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(w.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth_session_id_hash": "",
            "_trace": ['["fake-discord"]'],
        }
        async with session.lock:
            await self._send_dispatch_locked(session, "READY", ready)
            if session.has(Intents.GUILDS):
                for g in guilds:
                    await self._send_dispatch_locked(session, "GUILD_CREATE", w.guild_payload(g, full=True))
        await self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: JSON) -> Session | None:
        if d.get("token") != self.world.token:
            await ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return None
        session = self.sessions.get(d.get("session_id") or "")
        seq = d.get("seq") or 0
        if session is None or not session.resumable or (session.buffer and seq < session.buffer[0][0] - 1):
            await asyncio.sleep(0.05)
            await ws.send_str(json.dumps({"op": OP_INVALID_SESSION, "d": False}))
            return None
        async with session.lock:
            old = session.ws
            session.ws = ws
            if old is not None and old is not ws and not old.closed:
                self._server_closed.add(old)
                await old.close(code=4009, message=b"Session replaced.")
            for s, frame in list(session.buffer):
                if s > seq:
                    await ws.send_str(frame)
            session.resumes += 1
            await self._send_dispatch_locked(session, "RESUMED", {"_trace": ['["fake-discord"]']})
        await self._notify()
        return session

    async def _request_members(self, session: Session, d: JSON) -> None:
        w = self.world
        gid = int(d.get("guild_id") or 0)
        g = w.guilds.get(gid)
        members = list(g.members.values()) if g is not None else []
        user_ids = [int(u) for u in d.get("user_ids") or []]
        not_found: list[str] = []
        if user_ids:
            not_found = [str(u) for u in user_ids if g is None or u not in g.members]
            members = [m for m in members if m.user_id in user_ids]
        elif d.get("query"):
            q = d["query"].lower()
            members = [m for m in members if w.users[m.user_id].username.lower().startswith(q)]
        if not session.has(Intents.GUILD_MEMBERS) and not user_ids:
            members = [m for m in members if m.user_id == w.bot.id]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(gid),
            "members": [w.member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
