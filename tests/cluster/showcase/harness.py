"""A node with the review, showcase, tracked-invite, contact-role, DM, confirmation and staff-log cogs on a fake
Discord, and the world they act in.

home = await start_home(fake_discord, start_node)
done = await home.command("showcase.post", {...})      # the command.completed envelope
home.warnings()                                         # guild.warning envelopes published
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bus import Envelope
from cluster.bot import PartnersBot
from cluster.bus_link import LocalBus
from tests.fakediscord import Channel, FakeDiscord, Guild, Message, Role, World
from tests.fakediscord.constants import MessageFlags

EXTENSIONS = (
    "cluster.cogs.guild_config",
    "cluster.cogs.review",
    "cluster.cogs.showcase",
    "cluster.cogs.tracked_invites",
    "cluster.cogs.contact_roles",
    "cluster.cogs.direct_messages",
    "cluster.cogs.confirmations",
    "cluster.cogs.staff_notices",
    "cluster.cogs.partner_checks",
)
MENTIONS_AD = "Join us! @everyone @here <@&{role}> <@{user}> best server"


@dataclass
class Home:
    fake: FakeDiscord
    bot: PartnersBot
    bus: LocalBus
    guild: Guild
    general: Channel
    review: Channel
    showcase: Channel
    category: Channel
    forum: Channel
    ping_role: Role
    manager_role: Role
    contact_role: Role
    rep: int
    partner: dict[str, Any]

    @property
    def world(self) -> World:
        return self.fake.world

    async def command(self, type_: str, data: dict[str, Any]) -> Envelope:
        """Deliver a command to the node; returns its command.completed."""
        env = Envelope.new(type_, self.guild.id, data)
        await self.bus.deliver_command(self.bot.shard_of(self.guild.id), env)
        done = [e for e in self.bus.events("command.completed") if e.data["command_id"] == env.id]
        assert len(done) == 1, f"expected one command.completed for {type_}, got {done}"
        return done[0]

    async def ok(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        done = await self.command(type_, data)
        assert done.data["ok"] is True, done.data
        return done.data["result"]

    async def refusal_to_a_stranger(self, message: Message, label: str) -> str:
        """A member who is not the one the button is for clicks it: the ephemeral answer they get."""
        stranger = self.world.add_member(self.guild, username="stranger").user_id
        click = await self.fake.button_click(message, message.buttons[label], user=stranger)
        response = await click.wait_response()
        assert response["type"] == 4 and response["data"]["flags"] & MessageFlags.EPHEMERAL, response
        return response["data"]["content"]

    async def sync(self, **settings: Any) -> None:
        data = {"application_mode": "SLASH", "channel_mode": "SINGLE_CHANNEL", "track_joins": False, **settings}
        await self.ok("settings.sync", data)

    def warnings(self, code: str | None = None) -> list[Envelope]:
        return [e for e in self.bus.events("guild.warning") if code is None or e.data["code"] == code]

    def message(self, channel: Any, message_id: Any) -> Message:
        return self.world.message(channel, message_id)

    def sent_by_bot(self) -> list[Message]:
        """Every message the bot posted (deleted ones too), in guild channels and DMs."""
        return [m for m in self.world.messages.values() if m.author_id == self.world.bot.id]

    def showcase_post(self, mode: str, target: Any, *, ad: str = "Our ad", replace: Any = None) -> dict[str, Any]:
        return {
            "partnership_id": "p1",
            "channel_mode": mode,
            "target_id": str(getattr(target, "id", target)),
            "partner": self.partner,
            "advertisement": ad,
            "replace": replace,
        }

    def review_post(self, *, ad: str = "Our ad", ping: bool = True) -> dict[str, Any]:
        return {
            "application_id": "a1",
            "channel_id": str(self.review.id),
            "ping_role_id": str(self.ping_role.id) if ping else None,
            "partner": self.partner,
            "representative_id": str(self.rep),
            "advertisement": ad,
            "source": "DM",
        }


async def start_home(
    fake: FakeDiscord, start_node: Callable[..., Any], prepare: Callable[[World, Guild], None] | None = None
) -> Home:
    """The guild "Home" (shard 0 of 1) with #general, #partnership-requests (review), #partners (single
    showcase), a category, a forum, three roles and a representative; started node, LocalBus."""
    w = fake.world
    guild = w.add_guild("Home", shard=0, shard_count=1)
    general = w.guild_channels(guild)[0]
    review = w.add_channel(guild, "partnership-requests")
    showcase = w.add_channel(guild, "partners")
    category = w.add_category(guild, "partner-channels")
    forum = w.add_forum(guild, "partner-forum")
    ping_role = w.add_role(guild, "Partnership Team", mentionable=True)
    manager_role = w.add_role(guild, "Managers", permissions=["MANAGE_GUILD"])
    contact_role = w.add_role(guild, "Partner contact")
    rep = w.add_member(guild, username="rep").user_id
    partner_guild = w.add_guild("Cool Partner", bot_in_guild=False, member_count=1234)
    partner = {
        "id": str(partner_guild.id),
        "name": "Cool Partner",
        "icon_url": "https://cdn.discordapp.com/icons/1/abc.png",
        "member_count": 1234,
        "invite_code": "cool",
    }
    if prepare is not None:
        prepare(w, guild)
    bus = LocalBus()
    bot = await start_node(bus=bus, extensions=EXTENSIONS)
    return Home(
        fake, bot, bus, guild, general, review, showcase, category, forum, ping_role, manager_role, contact_role, rep,
        partner,
    )  # fmt: skip
