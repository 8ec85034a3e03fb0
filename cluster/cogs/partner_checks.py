"""Partner health checks: ``partner.check`` resolves a partner's invite and reports the facts.

The api decides what they mean (``api.domain.health``); the node only asks Discord. Checks run in the
background path (``cluster.background_work``): after user-facing commands, within the node's budget.
Result ``{resolved, guild_id, name, icon_url, member_count}``; an invite Discord no longer knows
(404) is ``resolved: false``, a fact rather than a failure. 5xx / 429 propagate and are redelivered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import PartnerCheck
from cluster.command_handlers import command_handler

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

UNRESOLVED: dict[str, Any] = {"resolved": False, "guild_id": None, "name": None, "icon_url": None, "member_count": None}


class PartnerChecks(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot

    @command_handler("partner.check")
    async def check_partner(self, env: Envelope) -> dict[str, Any]:
        cmd: PartnerCheck = parse(env)
        async with self.bot.background_work.background():
            try:
                invite = await self.bot.fetch_invite(cmd.invite_code, with_counts=True)
            except discord.NotFound:
                return dict(UNRESOLVED)
        guild = invite.guild
        name = getattr(guild, "name", None)
        if guild is None or not name:
            return dict(UNRESOLVED)  # a group-DM invite, or a server Discord no longer shows
        icon = getattr(guild, "icon", None)
        return {
            "resolved": True,
            "guild_id": str(guild.id),
            "name": name,
            "icon_url": icon.url if icon is not None else None,
            "member_count": invite.approximate_member_count,
        }


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(PartnerChecks(bot))
