"""Answers a repeated dashboard query from the answer to an identical earlier one, when nothing it
was computed from has changed.

Staff dashboards send the same few queries over and over (every live event refetches the queue for
every open dashboard), and most of their cost is GraphQL executing the same fields into the same
answer. So, for POST /graphql requests whose query qualifies (api/graphql/cacheable.py), this keeps
the answer's bytes with what its loaders read (api/graphql/reads.py). An identical request body is
then answered with those bytes once:
1. the caller's token gives view permission on every guild the query names (as `guild(id:)` checks);
2. every loader read, made again (one batch read per loader, on the shared database, so a change by
   any replica counts), finds the same values.
Otherwise the request runs as usual, and its answer replaces the kept one. Identical requests that
come while it runs (every dashboard refetching after the same change) wait for it, then are answered
from it under the same two conditions, checked after it finished, so none gets an answer older than
its own arrival. Answers with errors are never kept; entries are bounded (least recently used first
out). A request with `Cache-Control: no-store` or `no-cache` is executed and answered as if this were
not here (nothing kept, nothing reused)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..auth import AuthError, TokenService
from ..container import Container
from .cacheable import Plan, plan_of
from .loaders import sources
from .reads import ReadLog, still_current

READS = "partners.reads"  # the scope key under which a request's loaders record what they read
MAX_BODY_BYTES = 16_384  # a dashboard query with its variables is well under this
MAX_ANSWER_BYTES = 512 * 1024  # a page of 100 applications with long ads is about half of this
KEPT_BYTES = 32 * 1024 * 1024  # all kept answers together, at most


@dataclass(frozen=True)
class _Answer:
    plan: Plan
    reads: ReadLog
    start: Message  # http.response.start: status and headers
    body: bytes


class _Bounded(OrderedDict):
    """Least recently used first out, past `size` entries or `max_bytes` of entries (by `weight`)."""

    def __init__(self, size: int, max_bytes: int = 0, weight: Callable[[Any, Any], int] = lambda k, v: 0):
        super().__init__()
        self.size, self.max_bytes, self.weight, self.bytes = size, max_bytes, weight, 0

    def get_fresh(self, key: Any) -> Any:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def put(self, key: Any, value: Any) -> None:
        old = self.pop(key, None)
        if old is not None:
            self.bytes -= self.weight(key, old)
        self[key] = value
        self.bytes += self.weight(key, value)
        while len(self) > self.size or (self.max_bytes and self.bytes > self.max_bytes):
            evicted_key, evicted = self.popitem(last=False)
            self.bytes -= self.weight(evicted_key, evicted)


class QueryResultCache:
    """ASGI middleware for the GraphQL endpoint (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        schema: GraphQLSchema,
        container: Callable[[], Container],
        tokens: TokenService,
        path: str = "/graphql",
        max_answers: int = 256,
    ):
        self.app = app
        self._schema = schema
        self._container = container
        self._tokens = tokens
        self._path = path
        self._answers: _Bounded = _Bounded(max_answers, KEPT_BYTES, lambda body, a: len(body) + len(a.body))
        self._plans: _Bounded = _Bounded(max_answers * 2)  # body -> Plan, or False: not reusable
        self._running: dict[bytes, asyncio.Future[_Answer | None]] = {}  # body -> its answer, once kept

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        if body is None:  # too big for a dashboard query, or the client left: not ours to answer
            await self.app(scope, _replay(messages, receive), send)
            return
        started = time.perf_counter()
        kept: _Answer | None = self._answers.get_fresh(body)
        if kept is not None and await self._still_right(kept, scope):
            return await self._answer(kept, send, started)
        if body in self._running:  # the same request is running (the kept answer, if any, is stale)
            fresh = await asyncio.shield(self._running[body])
            if fresh is not None and await self._still_right(fresh, scope):
                return await self._answer(fresh, send, started)
            kept = kept or fresh
        plan = self._plan(body)
        if plan is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        running = None if body in self._running else asyncio.get_running_loop().create_future()
        if running is not None:  # identical requests that come now wait for this one's answer
            self._running[body] = running
        answer = None
        try:
            answer = await self._run_and_keep(plan, scope, messages, receive, send)
            if answer is not None:
                self._answers.put(body, answer)
                self._observe(plan, "stale" if kept is not None else "stored", None)
        finally:
            if running is not None:
                del self._running[body]
                running.set_result(answer)  # None: nothing kept, and the waiters run it themselves

    async def _answer(self, kept: _Answer, send: Send, started: float) -> None:
        await send(kept.start)
        await send({"type": "http.response.body", "body": kept.body})
        self._observe(kept.plan, "hit", time.perf_counter() - started)

    async def _run_and_keep(
        self, plan: Plan, scope: Scope, messages: list[Message], receive: Receive, send: Send
    ) -> _Answer | None:
        """Runs the request as usual, recording its reads; the answer to keep, or None."""
        reads = ReadLog()
        scope[READS] = reads
        start, chunks = None, []

        async def keep_and_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, _replay(messages, receive), keep_and_send)
        answer = b"".join(chunks)
        if start is not None and start["status"] == 200 and len(answer) <= MAX_ANSWER_BYTES and _clean(answer):
            return _Answer(plan, reads, start, answer)
        return None

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self._path:
            return False
        headers = Headers(scope=scope)
        if any(d in headers.get("cache-control", "").lower() for d in ("no-store", "no-cache")):
            return False
        return headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"

    def _plan(self, body: bytes) -> Plan | None:
        plan = self._plans.get_fresh(body)
        if plan is None:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            plan = plan_of(self._schema, parsed) or False
            self._plans.put(body, plan)
        return plan or None

    async def _still_right(self, kept: _Answer, scope: Scope) -> bool:
        """The caller may see every guild the query names, and every read finds the same again."""
        try:
            principal = self._tokens.from_header(Headers(scope=scope).get("authorization"))
        except AuthError:
            return False  # the usual path answers UNAUTHENTICATED, in its words
        if not all(principal.can_view(g) for g in kept.plan.guild_ids):  # (an expired token does not decode)
            return False
        return await still_current(sources(self._container()), kept.reads)

    def _observe(self, plan: Plan, outcome: str, seconds: float | None) -> None:
        metrics = self._container().metrics
        metrics.result_cache.labels(outcome).inc()
        if outcome == "hit":  # counted as the operation it answered, as GraphQLMetrics counts the others
            metrics.observe_operation(plan.operation_name, "query", seconds, True)


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The request's body and the messages it came in (to hand on); None past MAX_BODY_BYTES."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > MAX_BODY_BYTES:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read, then goes on with the client's."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _clean(answer: bytes) -> bool:
    try:
        parsed = json.loads(answer)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("data") is not None and not parsed.get("errors")
