"""Per-request dataloaders: each batches the lookups of one request into one database round trip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from ..container import Container
from ..domain.enums import Reciprocity
from ..domain.ledger import Ledger
from ..domain.models import Application, Partnership
from ..services import mutual as mutual_service
from ..store.directory import GuildDirectory
from ..store.people import Person

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _each(get_many: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> DataLoader[K, V | None]:
    """A loader over a store's batch read (keys -> what was found, by key); a key not found loads None."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await get_many(list(keys))
        return [found.get(k) for k in keys]

    return DataLoader(load)


async def field_of(loader: DataLoader[K, Any], key: K | None, field: str) -> Any:
    """`field` of what `loader` finds for `key` (a person's name, a guild's icon): None when there is
    no key or nothing was found."""
    found = None if key is None else await loader.load(key)
    return None if found is None else getattr(found, field)


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
        async def ledgers(guild_ids: list[int]) -> list[Ledger]:
            found = await container.ledgers.load_many(list(guild_ids))
            return [found[g] for g in guild_ids]

        async def bot_present(guild_ids: list[int]) -> list[bool]:
            present = await container.bot_guilds.present(list(guild_ids))
            return [g in present for g in guild_ids]

        async def reciprocities(pairs: list[tuple[int, int]]) -> list[Reciprocity]:
            c = container
            return await mutual_service.reciprocities(c.bot_guilds, c.ledgers, c.partnership_repo, list(pairs))

        return cls(
            _each(container.application_repo.get_many),
            _each(container.partnership_repo.get_many),
            DataLoader(ledgers),
            DataLoader(bot_present),
            _each(container.directory_repo.get_many),
            _each(container.people.get_many),
            DataLoader(reciprocities),
        )
