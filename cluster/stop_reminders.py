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

from cluster.persistent_buttons import PersistentButton, persistent_view

TEMPLATE = r"partners:reminders:off:(?P<guild_id>[0-9]{1,20}):(?P<user_id>[0-9]{1,20})"

NOT_YOURS = "These reminders are sent to the partnership's representative; only they can turn them off."
SEND_FAILED = "That could not be passed on right now; please try again in a moment."


def button_id(guild_id: int, user_id: int) -> str:
    return f"partners:reminders:off:{guild_id}:{user_id}"


class StopRemindersButton(PersistentButton, template=TEMPLATE):
    """The DirectMessages cog's ``stop_reminders(interaction, button)`` runs on a click."""

    handler = ("DirectMessages", "stop_reminders")

    def __init__(self, guild_id: int, user_id: int) -> None:
        super().__init__("Stop these reminders", button_id(guild_id, user_id))
        self.guild_id = guild_id
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> StopRemindersButton:
        return cls(int(match["guild_id"]), int(match["user_id"]))


def stop_reminders_view(guild_id: int, user_id: int) -> discord.ui.View:
    return persistent_view(StopRemindersButton(guild_id, user_id))
