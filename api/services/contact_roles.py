"""The partner contact role for a representative who joins the guild after their approval."""

from __future__ import annotations

from ..store.partnerships import PartnershipRepository
from . import effects
from .writer import GuildWriter


class ContactRoles:
    def __init__(self, writer: GuildWriter, partnerships: PartnershipRepository):
        self._writer = writer
        self._partnerships = partnerships

    async def representative_joined(self, guild_id: int, user_id: int) -> None:
        partnerships = await self._partnerships.active_for_representative(guild_id, user_id)
        if not partnerships:
            return
        settings = (await self._writer.load(guild_id)).settings
        grant = effects.contact_role_grant(guild_id, user_id, settings, partnerships[0].id)
        await self._writer.send_unjournaled(grant)
