"""A home server with an applicant and staff, a partner server the bot is not in, and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bus import Envelope
from cluster.bot import PartnersBot
from cluster.bus_link import LocalBus
from tests.fakediscord import Channel, FakeDiscord, Guild, Interaction, Message, eventually

PARTNER_CODE = "partner1"
PARTNER_MEMBERS = 1234
APPLY_MODAL = "partners:apply:"
PANEL_BUTTON = "partners:panel:apply"


@dataclass
class Home:
    fake: FakeDiscord
    guild: Guild
    general: Channel
    tickets: Channel
    rep: int  # the applicant: a plain member
    staff: int  # a member with Manage Server
    partner: Guild  # the applicant's server (the bot is not in it)

    @property
    def world(self):
        return self.fake.world


def build_home(fake: FakeDiscord, *, shard: int = 0, shard_count: int = 1, partner_name: str = "Partner Place") -> Home:
    w = fake.world
    guild = w.add_guild("Home", shard=shard, shard_count=shard_count)
    general = w.guild_channels(guild)[0]
    tickets = w.add_channel(guild, "tickets")
    rep = w.add_member(guild, username="rep").user_id
    managers = w.add_role(guild, "managers", permissions=["MANAGE_GUILD"])
    staff = w.add_member(guild, username="staff", roles=[managers]).user_id
    partner = w.add_guild(partner_name, bot_in_guild=False, member_count=PARTNER_MEMBERS, icon="abcdef")
    w.add_invite(partner, code=PARTNER_CODE)
    return Home(fake, guild, general, tickets, rep, staff, partner)


@pytest.fixture
def home(fake_discord: FakeDiscord) -> Home:
    return build_home(fake_discord)


@pytest.fixture
def bus() -> LocalBus:
    return LocalBus()


@pytest.fixture
async def bot(start_node, bus: LocalBus, home: Home) -> PartnersBot:
    """A node on `bus`, started once the home server exists."""
    return await start_node(bus=bus)


async def configure(bus: LocalBus, bot: PartnersBot, guild: Guild, **settings: Any) -> None:
    """What the api's settings.sync would tell the node."""
    data = {"application_mode": "SLASH", "channel_mode": "SINGLE_CHANNEL", "track_joins": False, **settings}
    await bus.deliver_command(bot.shard_of(guild.id), Envelope.new("settings.sync", guild.id, data))


async def command(bus: LocalBus, bot: PartnersBot, guild: Guild, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """Deliver an api command to the node; returns its command.completed data."""
    env = Envelope.new(type_, guild.id, data)
    await bus.deliver_command(bot.shard_of(guild.id), env)
    done = [e for e in bus.events("command.completed") if e.data["command_id"] == env.id]
    assert len(done) == 1, bus.published
    return done[0].data


def original(fake: FakeDiscord, it: Interaction) -> Message | None:
    return fake.world.messages.get(it.original_message_id) if it.original_message_id else None


async def final_answer(fake: FakeDiscord, it: Interaction, startswith: str = "") -> str:
    """The content of the (deferred, then edited) ephemeral answer to ``it`` once it has text."""

    def ready() -> str | None:
        m = original(fake, it)
        return m.content if m is not None and m.content and m.content.startswith(startswith) else None

    return await eventually(ready)


async def open_form(fake: FakeDiscord, home: Home, user: int | None = None) -> Interaction:
    it = await fake.slash_command("ppartner", subcommand="apply", user=user or home.rep, guild=home.guild)
    response = await it.wait_response()
    assert response["type"] == 9, response  # a modal
    return it
