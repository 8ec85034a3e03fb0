"""The `Guild` type: settings, limits, the queue and partner lists, join stats."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ..domain import enums
from ..domain.models import BLACKLIST_MAX, PENDING_MAX
from .connections import (
    ApplicationConnection,
    ApplicationEdge,
    AuditConnection,
    AuditEdge,
    BlacklistConnection,
    BlacklistEdge,
    PartnershipConnection,
    PartnershipEdge,
    page_info,
)
from .context import Info
from .directory import GuildChannel, GuildRole, channels_of, roles_of
from .ids import check_first, decode_cursor, encode_cursor
from .join_series import DailyJoins, join_series
from .loaders import field_of
from .scalars import Snowflake
from .search import check_search, search_scope
from .types import (
    Application,
    ApplicationStatus,
    AuditEntry,
    BlacklistEntry,
    GuildWarning,
    Limits,
    Partnership,
    PartnershipSettings,
    PartnershipStatus,
    SortOrder,
)


@strawberry.type
class PartnershipJoinStat:
    partnership: Partnership
    joins: int
    retained: int


@strawberry.type
class Guild:
    """Only ever built after the caller's view permission on `id` was checked."""

    id: Snowflake

    @strawberry.field(
        description="The bot is in this server, as its cluster reported when a shard became ready. "
        "False: nothing is posted, bumped or removed in this server until the bot is added."
    )
    async def bot_present(self, info: Info) -> bool:
        # As reported by the cluster when a shard became ready (shard.ready): a server the bot never
        # reported is one where nothing gets posted, which the dashboard says instead of promising it.
        return await info.context.loaders.bot_present.load(self.id)

    @strawberry.field(description="As the bot last saw it; null when the bot has never seen this server.")
    async def name(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.directory, self.id, "name")

    @strawberry.field
    async def icon_url(self, info: Info) -> str | None:
        return await field_of(info.context.loaders.directory, self.id, "icon_url")

    @strawberry.field(description="The server's channels as the bot last saw them, for pickers.")
    async def channels(self, info: Info) -> list[GuildChannel]:
        return channels_of(await info.context.loaders.directory.load(self.id))

    @strawberry.field(description="The server's roles as the bot last saw them (highest first), for pickers.")
    async def roles(self, info: Info) -> list[GuildRole]:
        return roles_of(await info.context.loaders.directory.load(self.id))

    @strawberry.field
    async def settings(self, info: Info) -> PartnershipSettings:
        ledger = await info.context.loaders.ledger.load(self.id)
        return PartnershipSettings.of(ledger.settings)

    @strawberry.field
    async def limits(self, info: Info) -> Limits:
        ledger = await info.context.loaders.ledger.load(self.id)
        return Limits(
            active_count=len(ledger.active),
            active_max=ledger.settings.active_max,
            pending_count=len(ledger.pending),
            pending_max=PENDING_MAX,
            blacklist_count=len(ledger.blacklisted),
            blacklist_max=BLACKLIST_MAX,
        )

    @strawberry.field(
        description="Pending applications default to OLDEST_FIRST (a queue). first is at most 100.\n"
        "search: a partner server's id, or part of its name (case-insensitive)."
    )
    async def applications(
        self,
        info: Info,
        status: ApplicationStatus | None = None,
        first: int | None = 25,
        after: str | None = None,
        order: SortOrder | None = SortOrder.OLDEST_FIRST,
        search: str | None = None,
    ) -> ApplicationConnection:
        repo = info.context.container.application_repo
        order = order or SortOrder.OLDEST_FIRST
        search = check_search(search)
        scope = f"applications:{self.id}:{status.value if status else '*'}:{order.value}" + search_scope(search)
        newest_first = order == SortOrder.NEWEST_FIRST
        if status is enums.ApplicationStatus.PENDING and not search:
            # The queue comes from the ledger (loaded once per request anyway), then the page by id.
            ledger = await info.context.loaders.ledger.load(self.id)
            keys, more = ledger.pending_page(check_first(first), decode_cursor(after, scope), newest_first)
            found = await info.context.loaders.application.load_many([app_id for _, app_id in keys])
            records = [r for r in found if r is not None]  # None: its journal is being finished right now
        else:
            records, more = await repo.page(
                self.id, status, check_first(first), decode_cursor(after, scope), newest_first, search
            )
        edges = [
            ApplicationEdge(cursor=encode_cursor(scope, r.submitted_at, r.id), node=Application.of(r)) for r in records
        ]

        async def count() -> int:
            if status is enums.ApplicationStatus.PENDING and not search:  # the ledger knows, no scan needed
                return len((await info.context.loaders.ledger.load(self.id)).pending)
            return await repo.count(self.id, status, search)

        return ApplicationConnection(edges=edges, page_info=page_info([e.cursor for e in edges], more), count=count)

    @strawberry.field(
        description="first is at most 100. search: a partner server's id, or part of its name (case-insensitive)."
    )
    async def partnerships(
        self,
        info: Info,
        status: PartnershipStatus | None = None,
        first: int | None = 25,
        after: str | None = None,
        order: SortOrder | None = SortOrder.OLDEST_FIRST,
        search: str | None = None,
    ) -> PartnershipConnection:
        repo = info.context.container.partnership_repo
        order = order or SortOrder.OLDEST_FIRST
        search = check_search(search)
        scope = f"partnerships:{self.id}:{status.value if status else '*'}:{order.value}" + search_scope(search)
        records, more = await repo.page(
            self.id, status, check_first(first), decode_cursor(after, scope), order == SortOrder.NEWEST_FIRST, search
        )
        edges = [
            PartnershipEdge(cursor=encode_cursor(scope, r.started_at, r.id), node=Partnership.of(r)) for r in records
        ]

        async def count() -> int:
            if status in (enums.PartnershipStatus.ACTIVE, enums.PartnershipStatus.AWAITING_PARTNER) and not search:
                ledger = await info.context.loaders.ledger.load(self.id)
                awaiting = len(ledger.awaiting_ids())  # both hold an active slot; the ledger tells them apart
                return awaiting if status is enums.PartnershipStatus.AWAITING_PARTNER else len(ledger.active) - awaiting
            return await repo.count(self.id, status, search)

        return PartnershipConnection(edges=edges, page_info=page_info([e.cursor for e in edges], more), count=count)

    @strawberry.field(description="Newest first. first is at most 100.")
    async def blacklist(self, info: Info, first: int | None = 25, after: str | None = None) -> BlacklistConnection:
        repo = info.context.container.blacklist_repo
        scope = f"blacklist:{self.id}"
        entries, ids, more = await repo.page(self.id, check_first(first), decode_cursor(after, scope))
        edges = [
            BlacklistEdge(cursor=encode_cursor(scope, e.added_at, i), node=BlacklistEntry.of(e))
            for e, i in zip(entries, ids, strict=True)
        ]

        async def count() -> int:
            return len((await info.context.loaders.ledger.load(self.id)).blacklisted)

        return BlacklistConnection(edges=edges, page_info=page_info([e.cursor for e in edges], more), count=count)

    @strawberry.field(description="Attributed joins of all partnerships per UTC day (see Partnership.joinSeries).")
    async def join_series(self, info: Info, days: int | None = 30) -> list[DailyJoins]:
        return await join_series(info.context.container, info.context.container.join_days.guild_scope(self.id), days)

    @strawberry.field(description="Attributed joins per partnership for members who joined in [since, until).")
    async def join_stats(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> list[PartnershipJoinStat]:
        container = info.context.container
        stats = await container.join_repo.stats(self.id, since, until)
        records = [info.context.loaders.partnership.load(pid) for pid in stats]
        result = []
        for pid, record in zip(stats, [await r for r in records], strict=True):
            if record is not None:
                joins, retained = stats[pid]
                result.append(PartnershipJoinStat(partnership=Partnership.of(record), joins=joins, retained=retained))
        return sorted(result, key=lambda s: (-s.joins, s.partnership.record.id))

    @strawberry.field(
        description="partnerships.edit. Staff actions and automatic decisions, newest first. first is at most 100."
    )
    async def audit_log(self, info: Info, first: int | None = 25, after: str | None = None) -> AuditConnection:
        info.context.require_edit(self.id)
        repo = info.context.container.audit_repo
        scope = f"audit:{self.id}"
        docs, more = await repo.page(self.id, check_first(first), decode_cursor(after, scope))
        edges = [AuditEdge(cursor=encode_cursor(scope, d["at"], d["_id"]), node=AuditEntry.of(d)) for d in docs]

        async def count() -> int:
            return await repo.count(self.id)

        return AuditConnection(edges=edges, page_info=page_info([e.cursor for e in edges], more), count=count)

    @strawberry.field(description="Problems with the bot's setup in this guild (e.g. it cannot read invites).")
    async def warnings(self, info: Info) -> list[GuildWarning]:
        found = await info.context.container.warnings.guild_warnings(self.id)
        return [GuildWarning(code=w["code"], message=w["message"], at=w["at"]) for w in found]
