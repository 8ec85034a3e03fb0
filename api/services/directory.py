"""Names for ids: each guild's directory (``guild.directory``) and the representatives' display names
(``application.submitted``). Labels only: nothing here changes a guild's partnership state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bus import Envelope
from bus.contracts import ApplicationSubmittedV2, GuildDirectory, parse, parse_as

from ..store.bot_guilds import BotGuildRepository
from ..store.directory import DirectoryChannel, DirectoryRepository, DirectoryRole
from ..store.directory import GuildDirectory as StoredDirectory
from ..store.people import PeopleRepository, Person


@dataclass(frozen=True, eq=False, slots=True)
class DirectoryService:
    _directory: DirectoryRepository
    _people: PeopleRepository
    _bot_guilds: BotGuildRepository

    async def guild_directory(self, envelope: Envelope) -> None:
        """Stores the guild's directory unless a newer one is already stored (touches only that guild)."""
        data = parse_as(envelope, GuildDirectory)
        guild_id = int(envelope.guild_id)
        await self._directory.replace_if_newer(
            StoredDirectory(
                guild_id=guild_id,
                revision=data.revision,
                name=data.name,
                icon_url=data.icon_url,
                channels=tuple(
                    DirectoryChannel(
                        int(c.id), c.name, c.type.value, None if c.parent_id is None else int(c.parent_id), c.position
                    )
                    for c in data.channels
                ),
                roles=tuple(DirectoryRole(int(r.id), r.name, r.color, r.position, r.managed) for r in data.roles),
                member_count=data.member_count,
            )
        )
        # A directory comes from a node that holds the guild: the bot is there.
        await self._bot_guilds.mark_present([guild_id])

    def remembering_representative(
        self, submit: Callable[[Envelope], Awaitable[Any]]
    ) -> Callable[[Envelope], Awaitable[Any]]:
        """``application.submitted``'s handler, keeping the representative's name and avatar first
        (returns what ``submit`` returns)."""

        async def handle(envelope: Envelope) -> Any:
            data = parse(envelope)  # v1 carries no name: nothing to keep
            if isinstance(data, ApplicationSubmittedV2) and data.representative_name:
                person = Person(int(data.representative_id), data.representative_name, data.representative_avatar_url)
                await self._people.remember(person, envelope.occurred_at)
            return await submit(envelope)

        return handle
