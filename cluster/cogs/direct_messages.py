"""Direct messages the api sends (outcomes of DM applications, notices to representatives): ``dm.send``.

Opens a DM with the user and sends ``content`` then each of ``messages``, no mentions. Nothing is cut:
a text over Discord's 2,000 characters is sent as several messages split at line breaks
(``cluster.message_text.split_whole``), so the end of an advertisement, where its invite usually
sits, always arrives. Result ``{channel_id, message_id}`` (the first message). Closed DMs ->
FORBIDDEN_DM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import DmSend
from cluster.command_handlers import CommandCog, command_handler
from cluster.message_text import NO_MENTIONS, split_whole

if TYPE_CHECKING:
    from cluster.bot import PartnersBot


class DirectMessages(CommandCog):
    @command_handler("dm.send")
    async def on_dm_send(self, env: Envelope) -> dict[str, Any]:
        cmd: DmSend = parse(env)
        channel = await self.bot.create_dm(discord.Object(int(cmd.user_id)))
        pieces = [piece for text in (cmd.content, *cmd.messages) for piece in split_whole(text)]
        first = None
        for piece in pieces or [cmd.content]:
            message = await channel.send(piece, allowed_mentions=NO_MENTIONS)
            first = first or message
        return {"channel_id": str(channel.id), "message_id": str(first.id)}


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(DirectMessages(bot))
