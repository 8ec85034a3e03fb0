"""The CONFIRM flow in Discord: ``partnership.confirm.ask`` DMs the representative the offer with
Continue / No thanks (``cluster.confirm.views``), and each click becomes ``partnership.answer``.

A click by anyone but the representative named in the button gets a clear ephemeral answer and
publishes nothing. Otherwise the click is deferred (ephemeral) and forwarded; the api checks it
again (the representative, the offer still open) and answers it with ``interaction.followup``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bus import Envelope, parse
from bus.contracts.commands import ConfirmAsk
from bus.contracts.events import PartnershipAnswer
from cluster.command_handlers import CommandCog, command_handler
from cluster.confirm.views import NOT_YOURS, SEND_FAILED, ConfirmButton, offer_text, offer_view
from cluster.discord_helpers import deferred_reply, forward_deferred
from cluster.message_text import NO_MENTIONS

if TYPE_CHECKING:
    from cluster.bot import PartnersBot


class Confirmations(CommandCog):
    dynamic_items = (ConfirmButton,)

    @command_handler("partnership.confirm.ask")
    async def on_confirm_ask(self, env: Envelope) -> dict[str, Any]:
        cmd: ConfirmAsk = parse(env)
        guild = self.guild_of(env)
        user_id = int(cmd.user_id)
        channel = await self.bot.create_dm(discord.Object(user_id))
        message = await channel.send(
            offer_text(guild.name, cmd.partner.name, cmd.expires_at),
            view=offer_view(guild.id, cmd.partnership_id, user_id),
            allowed_mentions=NO_MENTIONS,
        )
        return {"channel_id": str(channel.id), "message_id": str(message.id)}

    async def answered(self, interaction: discord.Interaction, button: ConfirmButton) -> None:
        if interaction.user.id != button.user_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        body = PartnershipAnswer(
            partnership_id=button.partnership_id,
            user_id=str(interaction.user.id),
            answer=button.answer,
            reply=deferred_reply(interaction),
        )
        await forward_deferred(self.bot, interaction, Envelope.new(body.TYPE, button.guild_id, body), SEND_FAILED)


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Confirmations(bot))
