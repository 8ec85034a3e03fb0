"""Readiness and graceful shutdown of an API process.

Readiness (`GET /readyz`): 503 when the database does not answer a ping within READY_TIMEOUT, or while
shutting down ("shutdown"), so a balancer stops sending work here. The broker and this process's
consumers are checked and reported too, but their failure only makes the replica "degraded" (200):
during a broker outage every replica would fail alike, and pulling them all would turn a partial
outage (no live updates, commands held in the journal until the broker is back) into a total one.

Shutdown on SIGTERM (`python -m api`): readiness goes 503; open websockets are closed with 1001 (going
away), so dashboard clients reconnect to another replica at once; event consumers are cancelled, the
handlers already running finish (bounded by SHUTDOWN_GRACE_SECONDS) and ack, and the messages prefetched
but not started stay unacked, so the broker hands them to another replica; then uvicorn stops listening
and finishes the HTTP requests in flight (same bound); then the connections close and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .container import Container

log = logging.getLogger(__name__)

READY_TIMEOUT = 2.0
GOING_AWAY = 1001


async def start_live(container: Container) -> None:
    """Feeds this process's subscriptions from the live exchange (changes made on any replica)."""
    await container.bus.consume_live(container.hub.receive)
    container.expected_consumers += 1


async def check_readiness(container: Container) -> tuple[bool, dict[str, Any]]:
    """(ready, body). The body names each check and lists the failing ones."""
    checks: dict[str, str] = {}
    if container.draining:
        checks["shutdown"] = "draining"
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await container.database.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
    if container.settings.rabbitmq_url.get_secret_value():
        health = container.bus.health()
        checks["broker"] = "ok" if health.get("connected") else "unreachable"
        expected = container.expected_consumers
        running = int(health.get("consumers", 0) or 0)
        if running < expected or (expected and not health.get("consuming_connected")):
            checks["consumers"] = f"{running} of {expected} running"
        else:
            checks["consumers"] = "ok"
    failing = [name for name, state in checks.items() if state != "ok"]
    critical = [name for name in failing if name in ("database", "shutdown")]
    status = "not ready" if critical else ("degraded" if failing else "ready")
    body = {"status": status, "failing": failing, "checks": checks}
    return not critical, body


class OpenWebSockets:
    """The websockets open on this process (filled by TrackWebSockets), so shutdown can close them."""

    def __init__(self) -> None:
        self._open: set[_TrackedSocket] = set()
        self._empty = asyncio.Event()
        self._empty.set()
        self.closing = False

    def __len__(self) -> int:
        return len(self._open)

    def _add(self, sock: _TrackedSocket) -> None:
        self._open.add(sock)
        self._empty.clear()

    def _remove(self, sock: _TrackedSocket) -> None:
        self._open.discard(sock)
        if not self._open:
            self._empty.set()

    async def close_all(self, code: int = GOING_AWAY, reason: str = "server shutting down", wait: float = 5.0) -> int:
        """Refuses new websockets, closes the open ones with `code`, and waits (bounded) for their
        handlers to end. Returns how many were closed."""
        self.closing = True
        sockets = list(self._open)
        for sock in sockets:
            await sock.close(code, reason)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._empty.wait()
        return len(sockets)


class TrackWebSockets:
    """ASGI middleware registering every websocket in an `OpenWebSockets`."""

    def __init__(self, app: ASGIApp, registry: OpenWebSockets) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if self.registry.closing:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": GOING_AWAY, "reason": "server shutting down"})
            return
        sock = _TrackedSocket(send)
        self.registry._add(sock)
        try:
            await self.app(scope, receive, sock.send)
        finally:
            self.registry._remove(sock)


class _TrackedSocket:
    def __init__(self, send: Send) -> None:
        self._send = send
        self.closed = False

    async def send(self, message: Message) -> None:
        if self.closed:
            return  # closed by the shutdown: the app's last words are dropped, not an error
        if message["type"] == "websocket.close":
            self.closed = True
        await self._send(message)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):  # already gone
            await self._send({"type": "websocket.close", "code": code, "reason": reason})


class GracefulServer(uvicorn.Server):
    """uvicorn, with a drain step before its own shutdown, and a clean exit (status 0) after SIGTERM:
    plain uvicorn re-raises the signal once it has stopped, which kills the process before the
    application's own cleanup runs."""

    def __init__(self, config: uvicorn.Config, drain: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self._drain = drain

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: Any) -> None:
        if not self.should_exit:
            log.info("%s received: draining", signal.Signals(sig).name)
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: Any = None) -> None:
        try:
            await self._drain()
        except Exception:
            log.exception("drain failed; shutting down anyway")
        await super().shutdown(sockets)
