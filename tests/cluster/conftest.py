from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio

from cluster.bot import PartnersBot
from cluster.bus_link import LocalBus
from cluster.settings import ClusterSettings, load_settings
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import fake_discord, running  # noqa: F401


def node_settings(fake: FakeDiscord, **overrides: Any) -> ClusterSettings:
    """Settings pointing at the fake: no identify spacing, short guild-ready wait, no .env file."""
    values: dict[str, Any] = {
        "discord_token": fake.world.token,
        "shard_count": 1,
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "identify_interval": 0,
        "guild_ready_timeout": 0.05,
        "health_host": "127.0.0.1",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest_asyncio.fixture
async def start_node(fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Any]]:  # noqa: F811
    """``bot = await start_node(shard_count=4, shard_ids="0-1")``: a PartnersBot connected to the fake
    and ready; closed at the end of the test. Keywords: settings, plus bus=, extensions=, intents=."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            *, bus: Any = None, extensions: Any = None, intents: Any = None, **settings: Any
        ) -> PartnersBot:
            s = node_settings(fake_discord, **settings)
            kwargs: dict[str, Any] = {"bus": bus if bus is not None else LocalBus(), "intents": intents}
            if extensions is not None:
                kwargs["extensions"] = extensions
            bot = PartnersBot(s, **kwargs)
            await stack.enter_async_context(running(bot, s.discord_token.get_secret_value()))
            return bot

        yield start
