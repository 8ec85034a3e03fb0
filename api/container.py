"""Explicit wiring of one API process: database, bus, repositories, services, live hub, metrics.

Built once by `create_app` (and by the standalone worker); the GraphQL context hands it out. It only
wires: starting consumers and the journal relay is `api.lifecycle.start_live` and
`api.worker.start_worker`; shutting down is `stop_consuming` then `close`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bus import Bus, Envelope, make_bus

from .live import LiveHub
from .metrics import ApiMetrics
from .services.ad_proposals import AdProposals
from .services.applications import ApplicationService
from .services.blacklist import BlacklistService
from .services.bump_reminders import BumpReminders
from .services.command_outcomes import CommandOutcomes
from .services.confirmations import Confirmations
from .services.contact_roles import ContactRoles
from .services.directory import DirectoryService
from .services.guild_settings import SettingsService
from .services.guild_warnings import GuildWarnings
from .services.health import HealthService
from .services.join_claims import JoinClaimBackfill
from .services.joins import JoinService
from .services.journal import LIVE_JOIN
from .services.mutual import MutualService
from .services.partnerships import PartnershipService
from .services.reminders import StaleQueueReminders
from .services.representatives import RepresentativeRequests
from .services.review_buttons import ReviewButtons
from .services.review_reactions import ReviewReactions
from .services.shard_readiness import ShardReadiness
from .services.writer import GuildWriter
from .settings import ApiSettings
from .store import Database, open_database
from .store.applications import ApplicationRepository
from .store.audit import AuditRepository
from .store.blacklist import BlacklistRepository
from .store.bot_guilds import BotGuildRepository
from .store.bump_reminder_opt_outs import BumpReminderOptOuts
from .store.directory import DirectoryRepository
from .store.join_days import JoinDayRepository
from .store.joins import JoinRepository
from .store.ledgers import LedgerRepository
from .store.migrations import MigrationMarkers
from .store.mutual_links import MutualLinkRepository
from .store.partnerships import PartnershipRepository
from .store.people import PeopleRepository
from .store.processed import ProcessedEvents
from .store.projector import Projector
from .store.scheduled import ScheduledWork
from .store.scheduled_memory import MemoryScheduledWork
from .store.warnings import WarningRepository


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
    join_days: JoinDayRepository
    warnings: WarningRepository
    audit_repo: AuditRepository
    bot_guilds: BotGuildRepository
    writer: GuildWriter
    applications: ApplicationService
    partnerships: PartnershipService
    representatives: RepresentativeRequests
    ad_proposals: AdProposals
    blacklist: BlacklistService
    guild_settings: SettingsService
    joins: JoinService
    join_claims: JoinClaimBackfill  # started by the worker (api/worker.py)
    review_reactions: ReviewReactions
    review_buttons: ReviewButtons
    confirmations: Confirmations
    command_outcomes: CommandOutcomes
    guild_warnings: GuildWarnings
    shard_readiness: ShardReadiness
    scheduled: ScheduledWork | MemoryScheduledWork
    health: HealthService
    reminders: StaleQueueReminders
    bump_reminders: BumpReminders  # the representative's DM when a bump becomes possible
    hub: LiveHub
    directory_repo: DirectoryRepository  # guilds' names, channels and roles (guild.directory)
    people: PeopleRepository  # users' display names and avatars
    directory: DirectoryService
    metrics: ApiMetrics  # this process's registry, served at /metrics
    background: list[asyncio.Task] = field(default_factory=list)  # cancelled by close()
    draining: bool = False  # shutting down: /readyz answers 503
    expected_consumers: int = 0  # bus consumers started for this container (live, events), for /readyz

    @classmethod
    async def open(cls, settings: ApiSettings, database: Database | None = None, bus: Bus | None = None) -> Container:
        """Connects to the database and the broker. `database` / `bus` may be shared (tests, embedded default)."""
        database = database or open_database(settings.mongodb_url, settings.mongodb_database)
        await database.ensure_indexes()
        if bus is None:
            bus = make_bus(
                settings.rabbitmq_url.get_secret_value(),
                prefetch=settings.bus_prefetch,
                batch_linger=settings.event_batch_linger_ms / 1000,
                publish_timeout=settings.publish_timeout_seconds,
                connect_timeout=settings.rabbitmq_connect_timeout_seconds,
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
        processed = ProcessedEvents(database)
        join_days = JoinDayRepository(database)
        join_claims = JoinClaimBackfill(joins, MigrationMarkers(database))

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
        hub = LiveHub(load_records, reorder_window=window)
        metrics = ApiMetrics(
            bus_stats=lambda: bus.stats,
            subscriber_count=hub.subscriber_count,
            outbox_backlog=ledgers.count_with_unfinished_work,
        )

        # mongomock scans whole collections: the embedded default keeps due times in a heap instead.
        scheduled = MemoryScheduledWork() if database.in_memory else ScheduledWork(database)
        await scheduled.ensure_indexes()
        writer = GuildWriter(ledgers, Projector(database, scheduled), bus, settings.shard_count)
        every = timedelta(hours=settings.health_check_hours)
        mutual = MutualService(
            writer, ledgers, bot_guilds, DirectoryRepository(database), apps, partnerships,
            MutualLinkRepository(database),
        )  # fmt: skip
        application_service = ApplicationService(writer, apps, partnerships, processed, mutual, check_every=every)
        health = HealthService(writer, partnerships, every, mutual=mutual)
        partnership_service = PartnershipService(writer, partnerships, warnings, mutual, check_every=every)
        contact_roles = ContactRoles(writer, partnerships)
        ad_proposals = AdProposals(writer, partnerships, processed)
        return cls(
            settings=settings,
            database=database,
            bus=bus,
            ledgers=ledgers,
            application_repo=apps,
            partnership_repo=partnerships,
            blacklist_repo=blacklist,
            join_repo=joins,
            join_days=join_days,
            warnings=warnings,
            audit_repo=AuditRepository(database),
            bot_guilds=bot_guilds,
            writer=writer,
            applications=application_service,
            partnerships=partnership_service,
            representatives=RepresentativeRequests(writer, apps, partnerships, partnership_service, processed),
            ad_proposals=ad_proposals,
            blacklist=BlacklistService(writer, blacklist),
            guild_settings=SettingsService(writer),
            joins=JoinService(
                partnerships,
                joins,
                join_days,
                processed,
                bus,
                on_representative_join=contact_roles.representative_joined,
                count_join=metrics.join_attributed,
                claims_backfill=join_claims,
            ),
            join_claims=join_claims,
            review_reactions=ReviewReactions(writer, apps, warnings, application_service, partnerships, ad_proposals),
            review_buttons=ReviewButtons(writer, apps, application_service),
            confirmations=Confirmations(writer, partnerships, mutual),
            command_outcomes=CommandOutcomes(writer, apps, partnerships, partnership_service, warnings, health),
            scheduled=scheduled,
            health=health,
            reminders=StaleQueueReminders(writer),
            bump_reminders=BumpReminders(
                writer, partnerships, BumpReminderOptOuts(database), DirectoryRepository(database)
            ),
            guild_warnings=GuildWarnings(warnings),
            shard_readiness=ShardReadiness(writer, ledgers, bot_guilds),
            hub=hub,
            metrics=metrics,
            **_directory_parts(database, bot_guilds),
        )

    async def stop_consuming(self) -> None:
        """Shutdown, first step: no new events or live messages; the running handlers finish (bounded)."""
        self.draining = True
        await self.bus.stop_consuming()

    async def close(self) -> None:
        for task in self.background:
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
