"""The partner contact role for a representative who joins the guild after their approval."""

from __future__ import annotations

from dataclasses import dataclass

from ..store.partnerships import PartnershipRepository
from . import effects
from .writer import GuildWriter


@dataclass(frozen=True, eq=False, slots=True)
class ContactRoles:
    _writer: GuildWriter
    _partnerships: PartnershipRepository

    async def representative_joined(self, guild_id: int, user_id: int) -> None:
        partnerships = await self._partnerships.active_for_representative(guild_id, user_id)
        if not partnerships:
            return
        settings = (await self._writer.load(guild_id)).settings
        grant = effects.contact_role_grant(guild_id, user_id, settings, partnerships[0].id)
        await self._writer.send_unjournaled(grant)
