"""Helpers for the join-attribution tests: a node whose guilds track joins, and the events it sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from bus import Envelope
from cluster.bot import PartnersBot
from cluster.bus_link import LocalBus
from cluster.cogs.joins import Joins
from tests.fakediscord import FakeDiscord, Guild
from tests.fakediscord.server import eventually

INVITES = "GET /guilds/{guild_id}/invites"
VANITY_URL = "GET /guilds/{guild_id}/vanity-url"


def settings_sync(guild_id: int, *, track_joins: bool = True) -> Envelope:
    data = {"application_mode": "SLASH", "channel_mode": "SINGLE_CHANNEL", "track_joins": track_joins}
    return Envelope.new("settings.sync", guild_id, data)


@dataclass
class Node:
    fake: FakeDiscord
    bot: PartnersBot
    bus: LocalBus
    cog: Joins

    async def track(self, guild: Guild, on: bool = True, *, until: Callable[[], Any] | None = None) -> None:
        """Sync the guild's settings (as the api does) and wait until the joins cog acted on them (it hears
        of them as a bot event, after the command): by default until the guild has a snapshot (on) or has
        none (off); ``until`` for another outcome (e.g. the snapshot refused)."""
        await self.bus.deliver_command(self.bot.shard_of(guild.id), settings_sync(guild.id, track_joins=on))
        if until is None:
            snapshots = self.cog.snapshots
            until = (lambda: guild.id in snapshots) if on else (lambda: guild.id not in snapshots)
        await eventually(until)

    def joined(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        return [e.data for e in self.bus.events("member.joined") if guild is None or e.guild_id == str(guild.id)]

    def by_user(self) -> dict[str, dict[str, Any]]:
        return {d["user_id"]: d for d in self.joined()}

    async def wait_joined(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        await eventually(lambda: len(self.joined()) >= count, timeout)
        return self.joined()

    def invite_fetches(self, guild: Guild, since: int = 0) -> int:
        return len(self.fake.calls.calls_to(INVITES, guild_id=guild.id, since=since))


@pytest_asyncio.fixture
async def node(fake_discord: FakeDiscord, start_node):
    """``n = await node(window=0.25)``: a started node (one shard) with the Joins cog tuned for tests."""

    async def make(*, window: float = 0.25, settle: float = 1.0, **settings: Any) -> Node:
        bus = LocalBus()
        bot = await start_node(bus=bus, **settings)
        cog = bot.get_cog("Joins")
        assert cog is not None and type(cog).__name__ == "Joins"
        cog.window, cog.settle = window, settle
        return Node(fake_discord, bot, bus, cog)

    return make


def label(data: dict[str, Any]) -> tuple[str, str | None, list[str]]:
    return data["join_type"], data["invite_code"], data["candidates"]
