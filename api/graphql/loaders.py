"""Per-request dataloaders: each batches the lookups of one request into one database round trip.

Each loader is a named `Source` (a batch read); a request that may be answered again from its result
records what its loaders read (api/graphql/reads.py), and the same sources read it again to check."""

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
from .reads import BatchRead, ReadLog, Source

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _each(get_many: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> BatchRead:
    """A batch read over a store's `get_many` (keys -> what was found, by key); a key not found reads None."""

    async def read(keys: list[K]) -> list[V | None]:
        found = await get_many(list(keys))
        return [found.get(k) for k in keys]

    return read


async def field_of(loader: DataLoader[K, Any], key: K | None, field: str) -> Any:
    """`field` of what `loader` finds for `key` (a person's name, a guild's icon): None when there is
    no key or nothing was found."""
    found = None if key is None else await loader.load(key)
    return None if found is None else getattr(found, field)


def sources(container: Container) -> dict[str, Source]:
    """Every loader's batch read, by the loader's name in `Loaders`."""
    c = container

    async def ledgers(guild_ids: list[int]) -> list[Ledger]:
        found = await c.ledgers.load_many(list(guild_ids))
        return [found[g] for g in guild_ids]

    async def bot_present(guild_ids: list[int]) -> list[bool]:
        present = await c.bot_guilds.present(list(guild_ids))
        return [g in present for g in guild_ids]

    async def reciprocities(pairs: list[tuple[int, int]]) -> list[Reciprocity]:
        return await mutual_service.reciprocities(c.bot_guilds, c.ledgers, c.partnership_repo, list(pairs))

    return {
        "application": Source(_each(c.application_repo.get_many)),
        "partnership": Source(_each(c.partnership_repo.get_many)),
        # Every change to a guild's ledger, by any replica, moves its version (the compare-and-set).
        "ledger": Source(ledgers, fingerprint=lambda ledger: ledger.version),
        "bot_present": Source(bot_present),
        "directory": Source(_each(c.directory_repo.get_many)),
        "person": Source(_each(c.people.get_many)),
        "reciprocity": Source(reciprocities),
    }


def _loader(name: str, source: Source, log: ReadLog | None) -> DataLoader:
    if log is None:
        return DataLoader(source.read)

    async def read_and_record(keys: list[Any]) -> list[Any]:
        values = await source.read(keys)
        log.record(name, keys, values)
        return values

    return DataLoader(read_and_record)


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
    def create(cls, container: Container, log: ReadLog | None = None) -> Loaders:
        """The loaders of one request; with `log`, each records the values it reads there."""
        return cls(**{name: _loader(name, source, log) for name, source in sources(container).items()})
