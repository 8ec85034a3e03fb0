"""Direct messages the api sends (outcomes of DM applications, notices to representatives): ``dm.send``.

Opens a DM with the user and sends ``content`` (clipped to Discord's limit, no mentions). Result
``{channel_id, message_id}``. Closed DMs -> FORBIDDEN_DM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bus import Envelope, parse
from bus.contracts.commands import DmSend
from cluster.command_handlers import command_handler
from cluster.message_text import CONTENT_LIMIT, NO_MENTIONS, clip

if TYPE_CHECKING:
    from cluster.bot import PartnersBot


class DirectMessages(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot

    @command_handler("dm.send")
    async def on_dm_send(self, env: Envelope) -> dict[str, Any]:
        cmd: DmSend = parse(env)
        channel = await self.bot.create_dm(discord.Object(int(cmd.user_id)))
        message = await channel.send(clip(cmd.content, CONTENT_LIMIT), allowed_mentions=NO_MENTIONS)
        return {"channel_id": str(channel.id), "message_id": str(message.id)}


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(DirectMessages(bot))
