"""Members attributed to partnerships: joins through a tracked invite, later leaves, and which are fake.

Events arrive one guild at a time in the guild's order, alone (`joined`, `left`) or as a run of a
batch (`handle_many`): both go through the same code, which reads what it needs once per run, decides
every event in order in memory (api.domain.join_quality), and writes with one call per collection:

    read   guild's join rules; partnerships by tracked invite; (partnership, member) claims, one insert;
           only for failed claims and leaves: those members' earlier joins and processed marks
    write  1. new join documents (insert_many), leaves marked on stored joins (one bulk write)
           2. counters: one update per partnership, one per daily bucket (partnership and guild)
           3. the events marked processed (insert_many)
           4. live notifications of the new joins

Idempotent with the event ids, through a crash at any point: a join document is keyed by its event
id and records what it adds to the counters (`counts`), a leave records its own (`left_counts`) on
the join it marks (`left_event`); a redelivery of an event marked processed does nothing, one not
yet marked adds its recorded counts again, and the counter documents remember their recent event
ids so that this second add is a no-op when the first one happened (api/store/event_counters.py).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bus import Envelope
from bus.contracts import parse

from ..domain.enums import JoinType, PartnershipStatus
from ..domain.join_quality import JoinRules, day_of, fake_on_join, fake_on_leave
from ..domain.models import Partnership
from ..store.join_days import JoinDayRepository, guild_scope
from ..store.joins import JoinRepository
from ..store.partnerships import PartnershipRepository
from ..store.processed import ProcessedEvents
from .join_claims import JoinClaimBackfill
from .journal import LIVE_JOINS

log = logging.getLogger(__name__)

JOINED, LEFT = "member.joined", "member.left"
# Most events one run handles: the counter documents remember more ids than this (event_counters).
MAX_BATCH = 250


class _Tally:
    """What a run adds, per counter document and per event (so each event can be added once)."""

    def __init__(self, guild_id: int) -> None:
        self.guild_id = guild_id
        self.partnerships: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        self.days: dict[tuple[str, str], dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))

    def add(self, event_id: str, partnership_id: str, counts: dict[str, int], day: str, **bucket: int) -> None:
        if any(counts.values()):
            self.partnerships[partnership_id][event_id].update({k: v for k, v in counts.items() if v})
        bucket = {k: v for k, v in bucket.items() if v}
        if bucket:
            for scope in (partnership_id, guild_scope(self.guild_id)):
                self.days[(scope, day)][event_id].update(bucket)


@dataclass(frozen=True)
class _Known:
    rules: JoinRules
    first: set[str]  # join event ids whose (partnership, member) claim succeeded now: first joins
    first_events: dict[tuple[str, str], str]  # (partnership, member) -> event id of the first join
    history: list[dict]  # earlier joins of the members who left or whose claim failed
    done: set[str]  # of the events that may have been handled before, those marked processed


@dataclass(frozen=True, eq=False, slots=True)
class JoinService:
    _partnerships: PartnershipRepository
    _joins: JoinRepository
    _days: JoinDayRepository
    _processed: ProcessedEvents
    _bus: Any
    on_representative_join: Callable[[int, int], Awaitable[None]] | None = None
    count_join: Callable[[JoinType], None] | None = None  # the joins-by-type metric
    claims_backfill: JoinClaimBackfill | None = None  # joins stored before member claims existed

    async def joined(self, envelope: Envelope) -> None:
        await self.handle_many([envelope])

    async def left(self, envelope: Envelope) -> None:
        await self.handle_many([envelope])

    async def handle_many(self, envelopes: Sequence[Envelope]) -> None:
        """member.joined / member.left events of one guild, in that guild's order. Raises to have the
        whole run retried (every event of it is idempotent)."""
        guilds = {e.guild_id for e in envelopes}
        if len(guilds) > 1:
            raise ValueError(f"one guild per run, got {sorted(guilds)}")
        for start in range(0, len(envelopes), MAX_BATCH):
            await self._run(envelopes[start : start + MAX_BATCH])

    async def _run(self, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        guild_id = int(envelopes[0].guild_id)
        events = [(env, parse(env)) for env in envelopes]
        joins = [(env, data) for env, data in events if env.type == JOINED]
        await self._before_attribution(guild_id, [data for _, data in joins])
        by_code = await self._tracked(guild_id, {d.invite_code for _, d in joins if _attributable(d)})
        steps: list[tuple[Envelope, Any, Partnership | None]] = []
        listed: set[str] = set()
        for env, data in events:
            if env.id in listed:
                continue  # the same event twice in one run (a redelivery next to its original)
            listed.add(env.id)
            if env.type == JOINED:
                partnership = by_code.get(data.invite_code) if _attributable(data) else None
                if partnership is not None:
                    steps.append((env, data, partnership))
            elif env.type == LEFT:
                steps.append((env, data, None))
        if not steps:
            return
        await self._apply(guild_id, await self._read(guild_id, steps), steps)

    async def _read(self, guild_id: int, steps: list) -> _Known:
        """What the run's decisions need, reading the joins collection only where it must.

        Each attributed join first claims its (partnership, member) pair with an insert: a claim that
        succeeds is a member's first join through that partnership, certainly never handled before,
        and needs no read at all (the common case, and a cheap one however many joins are stored).
        Only joins whose claim fails (a rejoin, or a redelivery) and leaves read the members' earlier
        joins and the processed marks."""
        joins = [(env, int(data.user_id), p.id) for env, data, p in steps if p is not None]
        if self.claims_backfill is not None:
            await self.claims_backfill.claim_history(guild_id, {user for _, user, _ in joins})
        claimed = await self._joins.claim_members(guild_id, [(p, user, env.id) for env, user, p in joins])
        first = {env.id for (env, _, _), ok in zip(joins, claimed, strict=True) if ok}
        doubtful = [(env, user, p) for env, user, p in joins if env.id not in first]
        first_events = await self._joins.first_events([(p, user) for _, user, p in doubtful])
        users = {user for _, user, _ in doubtful} | {int(d.user_id) for _, d, p in steps if p is None}
        history = await self._joins.of_users(guild_id, users)
        left_events = {d["left_event"] for d in history if d.get("left_event")}
        maybe_done = [env.id for env, _, _ in doubtful]
        maybe_done += [env.id for env, _, p in steps if p is None and env.id in left_events]
        return _Known(
            rules=await self._joins.rules(guild_id),
            first=first,
            first_events=first_events,
            history=history,
            done=await self._processed.seen_many(maybe_done),
        )

    async def _before_attribution(self, guild_id: int, joins: list) -> None:
        for data in joins:
            if self.count_join is not None:
                self.count_join(data.join_type)
        if self.on_representative_join is None:
            return
        # One read finds the run's members who represent a partner here (usually none); only they
        # go through the contact-role hook, in the order they joined.
        users = [int(d.user_id) for d in joins if not d.bot]
        representatives = await self._partnerships.representatives_among(guild_id, users)
        for user_id in users:
            if user_id in representatives:
                await self.on_representative_join(guild_id, user_id)

    async def _tracked(self, guild_id: int, codes: set[str]) -> dict[str, Partnership]:
        found = {}
        for code in sorted(codes):
            partnership = await self._partnerships.by_invite_code(guild_id, code)
            if partnership is not None and partnership.status is PartnershipStatus.ACTIVE:
                found[code] = partnership
        return found

    async def _apply(self, guild_id: int, known: _Known, steps: list) -> None:
        rules, history = known.rules, known.history
        docs = {d["_id"]: d for d in history}
        by_user: dict[str, list[dict]] = defaultdict(list)
        for d in sorted(history, key=lambda d: d["joined_at"]):
            by_user[d["user_id"]].append(d)
        left_by_event = {d["left_event"]: d for d in history if d.get("left_event")}
        tally = _Tally(guild_id)
        new_docs: list[dict] = []
        new_ids: set[str] = set()
        stored_leaves: list[tuple[str, Any, str, str | None, dict[str, int]]] = []
        counted: list[str] = []
        live: list[dict] = []

        for env, data, partnership in steps:
            user = str(data.user_id)
            if partnership is not None:  # a join
                doc = docs.get(env.id)
                if doc is None:
                    first_join = env.id in known.first or known.first_events.get((partnership.id, user)) == env.id
                    doc = _new_join(env.id, guild_id, partnership, data, rules, None if first_join else by_user[user])
                    docs[env.id] = doc
                    by_user[user].append(doc)
                    new_docs.append(doc)
                    new_ids.add(env.id)
                elif env.id in known.done:
                    continue  # a redelivery of a join already counted
                counts = _counts(doc)
                day = day_of(doc["joined_at"])
                tally.add(
                    env.id, doc["partnership_id"], counts, day, joins=counts["join_count"], fake=counts["fake_count"]
                )
                counted.append(env.id)
                live.append(_join_notice(doc))
                continue
            doc = left_by_event.get(env.id)  # a leave
            if doc is None:
                present = [d for d in by_user[user] if d.get("left_at") is None]
                if not present:
                    continue  # not an attributed member (or its join was never seen)
                doc = max(present, key=lambda d: d["joined_at"])
                joined = _counts(doc)
                quick = joined["join_count"] == 1 and not doc.get("fake")
                quick = quick and fake_on_leave(rules, doc["joined_at"], data.left_at)
                doc["left_at"], doc["left_event"] = data.left_at, env.id
                doc["left_counts"] = {"retained_count": -joined["retained_count"], "fake_count": int(quick)}
                if quick:
                    doc["fake"] = "QUICK_LEAVE"
                left_by_event[env.id] = doc
                if doc["_id"] not in new_ids:
                    stored_leaves.append((doc["_id"], data.left_at, env.id, doc.get("fake"), doc["left_counts"]))
            elif env.id in known.done:
                continue  # a redelivery of a leave already counted
            counts = doc.get("left_counts") or _LEGACY_LEFT
            tally.add(env.id, doc["partnership_id"], counts, day_of(doc["left_at"]), left=1)
            if counts["fake_count"]:
                tally.add(env.id, doc["partnership_id"], {}, day_of(doc["joined_at"]), fake=counts["fake_count"])
            counted.append(env.id)

        # Stored first, counted next, marked last: a crash anywhere is finished by the redelivery.
        await self._joins.insert_many(new_docs)
        await self._joins.mark_left(stored_leaves)
        for partnership_id, per_event in tally.partnerships.items():
            await self._partnerships.add_join_counts(partnership_id, per_event)
        for (scope, day), per_event in tally.days.items():
            await self._days.add(scope, guild_id, day, per_event)
        await self._processed.mark_many(counted)
        # A live notification, not work (bus/contracts/live.py): it belongs to no ledger change, so it
        # goes out directly; a replica that misses it only loses a dashboard refresh. One message for
        # the run's joins: a confirmed publish per join cost a quarter of the worker's CPU.
        if live:
            await self._bus.publish_live(Envelope.new(LIVE_JOINS, guild_id, {"joins": live}))


# Joins stored before join quality existed: counted (the processed-events mark did that), one join each.
_LEGACY_COUNTS = {"join_count": 1, "retained_count": 1, "fake_count": 0}
_LEGACY_LEFT = {"retained_count": -1, "fake_count": 0}


def _counts(doc: dict) -> dict[str, int]:
    return doc.get("counts") or _LEGACY_COUNTS


def _attributable(data) -> bool:
    # vanity, unknown and ambiguous joins are never guessed onto a partner; bots are not members
    return not data.bot and data.join_type == JoinType.INVITE and bool(data.invite_code)


def _new_join(event_id: str, guild_id: int, p: Partnership, data, rules: JoinRules, earlier: list[dict] | None) -> dict:
    """The join document, with what it adds to the counters decided now (and kept for a recount).
    `earlier`: the member's earlier joins when this is a rejoin, None for a first join."""
    user_id = int(data.user_id)
    rejoin = earlier is not None
    if rejoin:  # counted once; present again unless an earlier join was never seen leaving
        present = any(d.get("left_at") is None for d in earlier if d["partnership_id"] == p.id)
        counts, fake = {"join_count": 0, "retained_count": 0 if present else 1, "fake_count": 0}, None
    else:
        fake = fake_on_join(rules, data.joined_at, data.account_created_at, user_id, p.representative_id)
        counts = {"join_count": 1, "retained_count": 1, "fake_count": int(fake is not None)}
    return {
        "_id": event_id,
        "guild_id": str(guild_id),
        "partnership_id": p.id,
        "user_id": str(user_id),
        "joined_at": data.joined_at,
        "left_at": None,
        "fake": None if fake is None else fake.value,
        "rejoin": rejoin,
        "counts": counts,
    }


def _join_notice(doc: dict) -> dict:
    return {"partnership_id": doc["partnership_id"], "user_id": doc["user_id"], "at": doc["joined_at"]}
