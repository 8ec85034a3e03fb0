"""The CONFIRM flow's DM: the offer in words and two persistent buttons, Continue and No thanks.

Each button is a ``DynamicItem`` whose custom_id carries everything a click needs — the answer, the
offering guild, the partnership and the representative (``partners:confirm:<yes|no>:<guild>:<id>:<user>``)
— registered with ``bot.add_dynamic_items``, so a click works after any node restarted (DMs arrive
on shard 0, whichever node holds the guild). The api decides what the click means.
"""

from __future__ import annotations

import re
from datetime import datetime

import discord

from cluster.message_text import clip
from cluster.persistent_buttons import PersistentButton, persistent_view

TEMPLATE = (
    r"partners:confirm:(?P<answer>yes|no):(?P<guild_id>[0-9]{1,20}):(?P<partnership_id>[0-9a-f]{1,32}):"
    r"(?P<user_id>[0-9]{1,20})"
)
ANSWERS = {"yes": "CONTINUE", "no": "DECLINE"}

NOT_YOURS = "Only the representative this offer was sent to can answer it; nothing was changed."
SEND_FAILED = "Your answer could not be passed on right now; please try again in a moment."


def button_id(answer: str, guild_id: int, partnership_id: str, user_id: int) -> str:
    return f"partners:confirm:{answer}:{guild_id}:{partnership_id}:{user_id}"


def offer_text(guild_name: str, partner_name: str, expires_at: datetime) -> str:
    deadline = f"<t:{int(expires_at.timestamp())}:f>"
    return (
        f"Hello! **{clip(guild_name, 100)}** accepted your partnership request for **{clip(partner_name, 100)}**.\n"
        "Do you want to continue this partnership? If you press **Continue**, we send you our advertisement "
        "with an invite link made for you, and your advertisement is showcased in our server. "
        f"**No thanks** ends the request. The offer stays open until {deadline}."
    )


class ConfirmButton(PersistentButton, template=TEMPLATE):
    """Continue / No thanks; the Confirmations cog's ``answered(interaction, button)`` runs."""

    handler = ("Confirmations", "answered")

    def __init__(self, answer: str, guild_id: int, partnership_id: str, user_id: int) -> None:
        yes = answer == "yes"
        super().__init__(
            "Continue" if yes else "No thanks",
            button_id(answer, guild_id, partnership_id, user_id),
            discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
        )
        self.answer = ANSWERS[answer]
        self.guild_id = guild_id
        self.partnership_id = partnership_id
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ConfirmButton:
        return cls(match["answer"], int(match["guild_id"]), match["partnership_id"], int(match["user_id"]))


def offer_view(guild_id: int, partnership_id: str, user_id: int) -> discord.ui.View:
    return persistent_view(*(ConfirmButton(answer, guild_id, partnership_id, user_id) for answer in ("yes", "no")))
