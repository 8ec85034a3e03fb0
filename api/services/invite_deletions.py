"""invite.deleted: an invite of the guild was deleted in Discord; a partnership's tracked invite is made again."""

from __future__ import annotations

from dataclasses import dataclass

from bus import Envelope
from bus.contracts import parse_as
from bus.contracts.events import InviteDeleted

from .partnerships import PartnershipService


@dataclass(frozen=True, eq=False, slots=True)
class InviteDeletions:
    _partnerships: PartnershipService

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, InviteDeleted)
        # Only the guild the event names: the code is looked up among that guild's partnerships.
        await self._partnerships.tracked_invite_deleted(int(envelope.guild_id), data.code)
