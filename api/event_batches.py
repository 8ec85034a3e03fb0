"""A batch of cluster events, as the RabbitMQ bus hands them to the worker: each guild's events in
their order, guilds concurrently; consecutive joins and leaves of a guild go to the join service as
one run (a few writes for all of them), every other event to its handler alone.

One outcome per event, in the batch's order (None = stored; an exception = the bus retries that
event). A run that fails is tried again one event at a time, so one bad event cannot take the
others of its run through every retry with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bus import Envelope

log = logging.getLogger(__name__)

JOIN_EVENTS = frozenset({"member.joined", "member.left"})

One = Callable[[Envelope], Awaitable[None]]
Run = Callable[[Sequence[Envelope]], Awaitable[None]]


async def handle_batch(envelopes: Sequence[Envelope], handle_one: One, handle_joins: Run) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(envelopes)
    by_guild: dict[str, list[int]] = {}
    for index, env in enumerate(envelopes):
        by_guild.setdefault(env.guild_id, []).append(index)

    async def one(index: int) -> None:
        try:
            await handle_one(envelopes[index])
        except Exception as exc:
            outcomes[index] = exc

    async def run(indexes: list[int]) -> None:
        try:
            await handle_joins([envelopes[i] for i in indexes])
        except Exception:
            if len(indexes) == 1:
                raise
            log.warning("a run of %d joins/leaves failed; handling them one by one", len(indexes), exc_info=True)
            for index in indexes:
                try:
                    await handle_joins([envelopes[index]])
                except Exception as exc:
                    outcomes[index] = exc

    async def guild(indexes: list[int]) -> None:
        position = 0
        while position < len(indexes):
            index = indexes[position]
            if envelopes[index].type not in JOIN_EVENTS:
                await one(index)
                position += 1
                continue
            end = position
            while end < len(indexes) and envelopes[indexes[end]].type in JOIN_EVENTS:
                end += 1
            try:
                await run(indexes[position:end])
            except Exception as exc:
                outcomes[index] = exc
            position = end

    await asyncio.gather(*(guild(indexes) for indexes in by_guild.values()))
    return outcomes
