"""The bump reminder DM's persistent "Stop these reminders" button (``dm.send`` with button
STOP_BUMP_REMINDERS).

A ``DynamicItem`` whose custom_id carries what a click needs — the guild the reminders come from and
the representative they are sent to (``partners:reminders:off:<guild>:<user>``) — registered with
``bot.add_dynamic_items``, so a click works after any node restarted (DMs arrive on shard 0, whichever
node holds the guild). The DirectMessages cog handles the click.
"""

from __future__ import annotations

import re

import discord

TEMPLATE = r"partners:reminders:off:(?P<guild_id>[0-9]{1,20}):(?P<user_id>[0-9]{1,20})"

NOT_YOURS = "These reminders are sent to the partnership's representative; only they can turn them off."
SEND_FAILED = "That could not be passed on right now; please try again in a moment."


def button_id(guild_id: int, user_id: int) -> str:
    return f"partners:reminders:off:{guild_id}:{user_id}"


class StopRemindersButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    """The DirectMessages cog's ``stop_reminders(interaction, button)`` runs on a click."""

    def __init__(self, guild_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Stop these reminders",
                style=discord.ButtonStyle.secondary,
                custom_id=button_id(guild_id, user_id),
            )
        )
        self.guild_id = guild_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StopRemindersButton:
        return cls(int(match["guild_id"]), int(match["user_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("DirectMessages")  # type: ignore[attr-defined]
        if cog is not None:
            await cog.stop_reminders(interaction, self)


def stop_reminders_view(guild_id: int, user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StopRemindersButton(guild_id, user_id))
    return view
