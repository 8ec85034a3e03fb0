"""What a partner's representative can do in a server: ``/ppartner status``, ``withdraw``, ``bump`` and ``ad``
(a form for a new advertisement, which staff review like an application).

These are subcommands of intake's ``/ppartner`` group (one top-level command per feature area), added when
this cog loads. The node knows nothing of applications or partnerships (it never reads the database), so
each command defers an ephemeral answer ("thinking…") and publishes a ``representative.*`` event carrying
the interaction; the api checks that the member is the representative, acts, and answers through
``interaction.followup`` (intake's handler), as ``/ppartner apply`` does. ``partner`` (a partner server's
id) picks one when the member represents several.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bus import Envelope
from bus.contracts import (
    RepresentativeAd,
    RepresentativeBump,
    RepresentativeStatus,
    RepresentativeWithdraw,
)
from bus.contracts.events import RepresentativeRequest
from cluster.discord_helpers import deferred_reply, forward_deferred
from cluster.intake.views import AD_FIELD, advertisement_input, modal_values, submitted_form

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)

GROUP = "ppartner"
SEND_FAILED = "Your request could not be sent right now. Please try again in a few minutes."
BAD_PARTNER = "`partner` is a partner server's id (a number like 123456789012345678)."
PARTNER_HELP = "The partner server's id, when you represent several"
AD_FORM_PREFIX = "partners:ad:"


class Representative(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self._added: list[app_commands.Command] = []

    async def cog_load(self) -> None:
        group = self.bot.tree.get_command(GROUP)
        if not isinstance(group, app_commands.Group):
            raise RuntimeError("the representative commands need intake's /ppartner group: load intake first")

        @app_commands.describe(partner=PARTNER_HELP)
        async def status(interaction: discord.Interaction, partner: str | None = None) -> None:
            await self.request(interaction, RepresentativeStatus, partner)

        @app_commands.describe(partner=PARTNER_HELP)
        async def withdraw(interaction: discord.Interaction, partner: str | None = None) -> None:
            await self.request(interaction, RepresentativeWithdraw, partner)

        @app_commands.describe(partner=PARTNER_HELP)
        async def bump(interaction: discord.Interaction, partner: str | None = None) -> None:
            await self.request(interaction, RepresentativeBump, partner)

        @app_commands.describe(partner=PARTNER_HELP)
        async def ad(interaction: discord.Interaction, partner: str | None = None) -> None:
            await self.open_ad_form(interaction, partner)

        for name, description, callback in (
            ("status", "Your applications and partnerships in this server, and what happens next", status),
            ("withdraw", "Withdraw your pending partnership application", withdraw),
            ("bump", "Re-post your partnership ad (once the bump interval has passed)", bump),
            ("ad", "Propose a new advertisement for your partnership (staff review it)", ad),
        ):
            command = app_commands.Command(name=name, description=description, callback=callback)
            group.add_command(command)
            self._added.append(command)

    async def cog_unload(self) -> None:
        group = self.bot.tree.get_command(GROUP)
        if isinstance(group, app_commands.Group):
            for command in self._added:
                group.remove_command(command.name)
        self._added.clear()

    # ---- /ppartner ad: a form, then the proposal -----------------------------------------------------------

    async def open_ad_form(self, interaction: discord.Interaction, partner: str | None) -> None:
        partner = _partner_id(partner)
        if partner is False:
            await interaction.response.send_message(BAD_PARTNER, ephemeral=True)
            return
        await interaction.response.send_modal(AdForm(partner))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = submitted_form(interaction) or ""
        if not custom_id.startswith(AD_FORM_PREFIX):
            return
        partner = custom_id[len(AD_FORM_PREFIX) :] or None
        advertisement = modal_values(interaction.data).get(AD_FIELD, "")  # type: ignore[arg-type]
        await self.request(interaction, RepresentativeAd, partner, advertisement=advertisement)

    # ---- the requests -----------------------------------------------------------------------------------------

    async def request(
        self,
        interaction: discord.Interaction,
        model: type[RepresentativeRequest],
        partner: str | None,
        **extra: str,
    ) -> None:
        try:
            await self._request(interaction, model, partner, extra)
        except discord.HTTPException:
            # The interaction expired or Discord failed: nothing more can be said to the member.
            log.exception("guild %s: answering /%s %s failed", interaction.guild_id, GROUP, model.TYPE)

    async def _request(
        self,
        interaction: discord.Interaction,
        model: type[RepresentativeRequest],
        partner: str | None,
        extra: dict[str, str],
    ) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:  # the group is guild-only; kept for type narrowing
            await interaction.response.send_message("This command works inside a server.", ephemeral=True)
            return
        partner_id = _partner_id(partner)
        if partner_id is False:
            await interaction.response.send_message(BAD_PARTNER, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        body = model(
            user_id=str(interaction.user.id),
            reply=deferred_reply(interaction),
            partner_id=partner_id,
            **extra,
        )
        await forward_deferred(self.bot, interaction, Envelope.new(model.TYPE, guild_id, body), SEND_FAILED)


def _partner_id(partner: str | None) -> str | bool | None:
    """The partner server id given, None when none was, False when it is not a server id."""
    partner = (partner or "").strip() or None
    if partner is not None and not (partner.isdigit() and 15 <= len(partner) <= 21):
        return False
    return partner


class AdForm(discord.ui.Modal):
    """The proposed advertisement (paragraph, up to 2,000). Its custom_id carries the partner id chosen, so
    the submission is handled from it alone (like intake's application form: nothing kept in memory)."""

    advertisement: discord.ui.TextInput = advertisement_input("Your new advertisement")

    def __init__(self, partner: str | None) -> None:
        super().__init__(title="New advertisement", custom_id=AD_FORM_PREFIX + (partner or ""), timeout=None)
        self.stop()  # not kept in discord.py's view store: the cog handles the submission (on_interaction)


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Representative(bot))
