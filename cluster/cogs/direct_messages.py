"""Direct messages the api sends (outcomes of DM applications, notices to representatives): ``dm.send``.

Opens a DM with the user and sends ``content`` then each of ``messages``, no mentions. Nothing is cut:
a text over Discord's 2,000 characters is sent as several messages split at line breaks
(``cluster.message_text.split_whole``), so the end of an advertisement, where its invite usually
sits, always arrives. Result ``{channel_id, message_id}`` (the first message). Closed DMs ->
FORBIDDEN_DM.

A ``button`` (STOP_BUMP_REMINDERS) puts a persistent "Stop these reminders" button under the last
message (``cluster.stop_reminders``). Its click, by the DM's addressee only, becomes
``representative.bump_reminders_off`` for the guild that sent it; anyone else is told so and nothing
is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import DmSend
from bus.contracts.common import DmButton
from bus.contracts.events import RepresentativeBumpRemindersOff
from cluster.command_handlers import CommandCog, command_handler
from cluster.discord_helpers import deferred_reply, forward_deferred
from cluster.message_text import NO_MENTIONS, split_whole
from cluster.stop_reminders import NOT_YOURS, SEND_FAILED, StopRemindersButton, stop_reminders_view

if TYPE_CHECKING:
    from cluster.bot import PartnersBot


class DirectMessages(CommandCog):
    dynamic_items = (StopRemindersButton,)

    @command_handler("dm.send")
    async def on_dm_send(self, env: Envelope) -> dict[str, Any]:
        cmd: DmSend = parse(env)
        channel = await self.bot.create_dm(discord.Object(int(cmd.user_id)))
        pieces = [piece for text in (cmd.content, *cmd.messages) for piece in split_whole(text)] or [cmd.content]
        first = None
        for n, piece in enumerate(pieces, start=1):
            extra = {}
            if n == len(pieces) and cmd.button is DmButton.STOP_BUMP_REMINDERS:  # under the last message
                extra["view"] = stop_reminders_view(int(env.guild_id), int(cmd.user_id))
            message = await channel.send(piece, allowed_mentions=NO_MENTIONS, **extra)
            first = first or message
        return {"channel_id": str(channel.id), "message_id": str(first.id)}

    async def stop_reminders(self, interaction: discord.Interaction, button: StopRemindersButton) -> None:
        if interaction.user.id != button.user_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        body = RepresentativeBumpRemindersOff(user_id=str(interaction.user.id), reply=deferred_reply(interaction))
        await forward_deferred(self.bot, interaction, Envelope.new(body.TYPE, button.guild_id, body), SEND_FAILED)


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(DirectMessages(bot))
