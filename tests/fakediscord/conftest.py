from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
import pytest_asyncio

from cluster.bot import build_intents
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import fake_discord, no_identify_wait, running  # noqa: F401


def all_needed_intents() -> discord.Intents:
    """The intents the bot identifies with: the fake is tested with what it will be asked for."""
    return build_intents()


@pytest_asyncio.fixture
async def connect(fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Any]]:  # noqa: F811
    """``client = await connect(intents=..., shard_ids=[0, 1], shard_count=4)``: a ready
    discord.AutoShardedClient on the fake (no identify wait, short guild-ready timeout), closed after."""
    async with contextlib.AsyncExitStack() as stack:

        async def connect(
            *,
            intents: discord.Intents | None = None,
            shard_ids: list[int] | None = None,
            shard_count: int | None = 1,
            **options: Any,
        ) -> discord.AutoShardedClient:
            options.setdefault("member_cache_flags", discord.MemberCacheFlags.none())
            options.setdefault("chunk_guilds_at_startup", False)
            options.setdefault("max_messages", None)
            client = discord.AutoShardedClient(
                intents=intents or all_needed_intents(),
                shard_ids=shard_ids,
                shard_count=shard_count,
                guild_ready_timeout=0.05,
                **options,
            )
            client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
            await stack.enter_async_context(running(client, fake_discord.world.token))
            return client

        yield connect


def record(client: discord.Client, *events: str) -> list[tuple[str, tuple]]:
    """Collect ``(event, args)`` for the given event names (without ``on_``), via ``on_<event>`` handlers."""
    seen: list[tuple[str, tuple]] = []
    for event in events:

        async def handler(*args: Any, _event: str = event) -> None:
            seen.append((_event, args))

        setattr(client, f"on_{event}", handler)
    return seen
