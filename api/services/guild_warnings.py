"""guild.warning: a setup problem the cluster found (e.g. the bot cannot read invites), shown to staff."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bus import Envelope
from bus.contracts import GuildWarning, parse_as

from ..domain import text
from ..store.warnings import WarningRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False, slots=True)
class GuildWarnings:
    _warnings: WarningRepository

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, GuildWarning)
        code, message = text.reported(data.code, 64), text.reported(data.message)
        log.warning("guild %s: %s %s", envelope.guild_id, code, message)
        await self._warnings.set_guild_warning(int(envelope.guild_id), code, message, envelope.occurred_at)
