"""Explicit wiring of one API process: database, bus, repositories, services, live hub.

Built once by `create_app` (and by the standalone worker); the GraphQL context hands it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from bus import Bus, Envelope, make_bus

from .live import LiveHub
from .metrics import ApiMetrics
from .services.applications import ApplicationService
from .services.blacklist import BlacklistService
from .services.cluster_events import ClusterEventService
from .services.directory import DirectoryService
from .services.guild_settings import SettingsService
from .services.joins import JoinService
from .services.journal_items import LIVE_JOIN
from .services.partnerships import PartnershipService
from .services.writer import GuildWriter
from .settings import ApiSettings
from .store import Database, open_database
from .store.applications import ApplicationRepository
from .store.audit import AuditRepository
from .store.blacklist import BlacklistRepository
from .store.bot_guilds import BotGuildRepository
from .store.directory import DirectoryRepository
from .store.joins import JoinRepository
from .store.journal import JournalWriter
from .store.ledgers import LedgerRepository
from .store.partnerships import PartnershipRepository
from .store.people import PeopleRepository
from .store.processed import ProcessedEvents
from .store.warnings import WarningRepository

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: ApiSettings
    database: Database
    bus: Bus
    ledgers: LedgerRepository
    application_repo: ApplicationRepository
    partnership_repo: PartnershipRepository
    blacklist_repo: BlacklistRepository
    join_repo: JoinRepository
    warnings: WarningRepository
    audit_repo: AuditRepository
    bot_guilds: BotGuildRepository
    writer: GuildWriter
    applications: ApplicationService
    partnerships: PartnershipService
    blacklist: BlacklistService
    guild_settings: SettingsService
    joins: JoinService
    cluster_events: ClusterEventService
    hub: LiveHub
    directory_repo: DirectoryRepository  # guilds' names, channels and roles (guild.directory)
    people: PeopleRepository  # users' display names and avatars
    directory: DirectoryService
    _tasks: list[asyncio.Task] = field(default_factory=list)
    metrics: ApiMetrics = field(default_factory=ApiMetrics)  # this process's registry, served at /metrics
    draining: bool = False  # shutting down: /readyz answers 503
    expected_consumers: int = 0  # bus consumers this container started (live, events), for /readyz

    def __post_init__(self) -> None:
        self.metrics.bind(self)
        self.joins.metrics = self.metrics

    @classmethod
    async def open(cls, settings: ApiSettings, database: Database | None = None, bus: Bus | None = None) -> Container:
        """Connects to the database and the broker. `database` / `bus` may be shared (tests, embedded default)."""
        database = database or open_database(settings.mongodb_url, settings.mongodb_database)
        await database.ensure_indexes()
        if bus is None:
            bus = make_bus(
                settings.rabbitmq_url.get_secret_value(),
                prefetch=settings.bus_prefetch,
                publish_timeout=settings.publish_timeout_seconds,
                shard_count=settings.shard_count,
                close_timeout=settings.shutdown_grace_seconds,
            )
            await bus.start()
        ledgers = LedgerRepository(database)
        apps = ApplicationRepository(database)
        partnerships = PartnershipRepository(database)
        blacklist = BlacklistRepository(database)
        joins = JoinRepository(database)
        warnings = WarningRepository(database)
        bot_guilds = BotGuildRepository(database)
        writer = GuildWriter(ledgers, JournalWriter(database), bus, settings.shard_count)
        processed = ProcessedEvents(database)
        application_service = ApplicationService(writer, apps, partnerships, processed)
        partnership_service = PartnershipService(writer, partnerships)
        cluster_events = ClusterEventService(
            writer,
            ledgers,
            apps,
            partnerships,
            warnings,
            application_service,
            partnership_service,
            bot_guilds,
        )
        join_service = JoinService(partnerships, joins, processed, bus, cluster_events.representative_joined)

        async def load_records(envelope: Envelope) -> dict[str, Any]:
            data = envelope.data
            if envelope.type == LIVE_JOIN:
                return {"partnership": await partnerships.get(data["partnership_id"])}
            app_id, partnership_id = data.get("application_id"), data.get("partnership_id")
            return {
                "application": await apps.get(app_id) if app_id else None,
                "partnership": await partnerships.get(partnership_id) if partnership_id else None,
            }

        # Several replicas: hold live events 10 ms to put near-simultaneous changes of a guild in order.
        window = 0.0 if database.in_memory and not settings.rabbitmq_url.get_secret_value() else 0.01
        return cls(
            settings=settings,
            database=database,
            bus=bus,
            ledgers=ledgers,
            application_repo=apps,
            partnership_repo=partnerships,
            blacklist_repo=blacklist,
            join_repo=joins,
            warnings=warnings,
            audit_repo=AuditRepository(database),
            bot_guilds=bot_guilds,
            writer=writer,
            applications=application_service,
            partnerships=partnership_service,
            blacklist=BlacklistService(writer, blacklist),
            guild_settings=SettingsService(writer),
            joins=join_service,
            cluster_events=cluster_events,
            hub=LiveHub(load_records, reorder_window=window),
            **_directory_parts(database, bot_guilds),
        )

    async def start_live(self) -> None:
        await self.bus.consume_live(self.hub.receive)
        self.expected_consumers += 1

    async def start_worker(self) -> None:
        from .worker import EventWorker

        await self.bus.consume_events(EventWorker(self).handle)
        self.expected_consumers += 1
        self._tasks.append(asyncio.create_task(self._journal_relay(), name="journal-relay"))

    async def _journal_relay(self) -> None:
        """Finishes journals that a crash or a broker outage left unfinished (see store/ledgers.py)."""
        while True:
            await asyncio.sleep(self.settings.journal_relay_seconds)
            try:
                for guild_id in await self.ledgers.guilds_with_unfinished_work():
                    await self.writer.finish_guild(guild_id)
            except Exception:
                log.exception("journal relay pass failed; retrying")

    async def stop_consuming(self) -> None:
        """Shutdown, first step: no new events or live messages; the running handlers finish (bounded)."""
        self.draining = True
        await self.bus.stop_consuming()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.bus.close()
        self.database.close()


def _directory_parts(database: Database, bot_guilds: BotGuildRepository) -> dict[str, Any]:
    directory_repo, people = DirectoryRepository(database), PeopleRepository(database)
    return {
        "directory_repo": directory_repo,
        "people": people,
        "directory": DirectoryService(directory_repo, people, bot_guilds),
    }
