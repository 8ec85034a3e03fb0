"""Per-request dataloaders: each batches the lookups of one request into one database round trip."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from ..container import Container
from ..domain.enums import Reciprocity
from ..domain.ledger import Ledger
from ..domain.models import Application, Partnership
from ..services.mutual import reciprocities
from ..store.directory import GuildDirectory
from ..store.people import Person


@dataclass
class Loaders:
    application: DataLoader[str, Application | None]
    partnership: DataLoader[str, Partnership | None]
    ledger: DataLoader[int, Ledger]
    bot_present: DataLoader[int, bool]
    directory: DataLoader[int, GuildDirectory | None]
    person: DataLoader[int, Person | None]
    reciprocity: DataLoader[tuple[int, int], Reciprocity]  # (our guild, partner guild)

    @classmethod
    def create(cls, container: Container) -> Loaders:
        async def applications(ids: list[str]) -> list[Application | None]:
            found = await container.application_repo.get_many(list(ids))
            return [found.get(i) for i in ids]

        async def partnerships(ids: list[str]) -> list[Partnership | None]:
            found = await container.partnership_repo.get_many(list(ids))
            return [found.get(i) for i in ids]

        async def ledgers(guild_ids: list[int]) -> list[Ledger]:
            found = await container.ledgers.load_many(list(guild_ids))
            return [found[g] for g in guild_ids]

        async def bot_present(guild_ids: list[int]) -> list[bool]:
            present = await container.bot_guilds.present(list(guild_ids))
            return [g in present for g in guild_ids]

        async def directories(guild_ids: list[int]) -> list[GuildDirectory | None]:
            found = await container.directory_repo.get_many(list(guild_ids))
            return [found.get(g) for g in guild_ids]

        async def people(user_ids: list[int]) -> list[Person | None]:
            found = await container.people.get_many(list(user_ids))
            return [found.get(u) for u in user_ids]

        async def reciprocity(pairs: list[tuple[int, int]]) -> list[Reciprocity]:
            c = container
            return await reciprocities(c.bot_guilds, c.ledgers, c.partnership_repo, list(pairs))

        return cls(
            DataLoader(applications),
            DataLoader(partnerships),
            DataLoader(ledgers),
            DataLoader(bot_present),
            DataLoader(directories),
            DataLoader(people),
            DataLoader(reciprocity),
        )
