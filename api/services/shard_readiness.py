"""shard.ready: a node (re)connected a shard; it keeps guild settings in memory only, so send them again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bus import Envelope, shard_for
from bus.contracts import ShardReady, parse_as

from ..store.bot_guilds import BotGuildRepository
from ..store.ledgers import LedgerRepository
from . import effects
from .writer import GuildWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False, slots=True)
class ShardReadiness:
    _writer: GuildWriter
    _ledgers: LedgerRepository
    _bot_guilds: BotGuildRepository

    async def handle(self, envelope: Envelope) -> None:
        data = parse_as(envelope, ShardReady)
        # A shard carries only the guilds Discord routes to it: any other id in the report is not
        # this shard's to vouch for (a confused or forged event), so it is left out, never marked.
        reported = [int(g) for g in data.guild_ids]
        own = [g for g in reported if shard_for(g, data.shard_count) == data.shard_id]
        if len(own) != len(reported):
            log.error("shard.ready of shard %s/%s named %d guilds of other shards: ignored them",
                      data.shard_id, data.shard_count, len(reported) - len(own))  # fmt: skip
        await self._bot_guilds.mark_present(own)
        guild_ids = own if reported else await self._ledgers.all_guild_ids()
        for guild_id, ledger in (await self._ledgers.load_many(guild_ids)).items():
            # Only guilds that configured something; the rest run on defaults the node already has.
            if ledger.version and shard_for(guild_id, data.shard_count) == data.shard_id:
                await self._writer.send_unjournaled([effects.settings_sync(guild_id, ledger.settings)])
