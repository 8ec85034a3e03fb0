"""The one projector: record changes (`api.domain.records`) to the MongoDB writes they mean.

`encode` turns a record change into a journal item at commit time (a plain dict stored in the
guild's `todo`, see `ledgers.py`); `apply` carries an item out. Each item is one of three idempotent
writes, so a replay after a crash changes nothing twice:
- `insert`: a new document; a duplicate key means it was already applied.
- `update`: guarded by `expect` (the status it moves from), a no-op once the document moved on.
- `put_versioned`: an upsert guarded by `rev`, so a newer version wins over a late older one.
- `link`: one guild's side of a mutual pair's link, set or cleared, guarded the same way by `rev`.
- `problem`: a partnership's problem (and its guild warning) raised once per code, or cleared.
Items store the write itself (plus the change's name, for readers of a stuck journal), so items
journaled by earlier releases, which had the same three shapes, replay unchanged.
"""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..clock import as_utc
from ..domain import records
from ..domain.enums import ApplicationStatus, PartnershipStatus
from ..domain.mutual import pair_key
from .bump_reminder_opt_outs import COLLECTION as BUMP_REMINDERS_OFF
from .bump_reminder_opt_outs import opt_out_doc
from .database import Database
from .documents import (
    application_to_doc,
    blacklist_doc,
    health_to_doc,
    partner_facts_doc,
    partner_to_doc,
    partnership_to_doc,
    placement_to_doc,
    problem_from_doc,
    problem_to_doc,
    proposal_to_doc,
    sid,
)
from .warnings import WarningRepository

# Journal items with these ops are database writes; the others (`command`, `live`) go to the bus.
DB_OPS = frozenset({"insert", "update", "put_versioned", "schedule", "link", "problem"})

PENDING = {"status": ApplicationStatus.PENDING.value}
ACTIVE = {"status": PartnershipStatus.ACTIVE.value}
AWAITING = {"status": PartnershipStatus.AWAITING_PARTNER.value}
NOT_ENDED = {"status": {"$in": [PartnershipStatus.ACTIVE.value, PartnershipStatus.AWAITING_PARTNER.value]}}
# Scheduled work of the CONFIRM flow's answer deadline (handled by api.services.confirmations).
CONFIRM_DEADLINE = "confirm.deadline"


def encode(change: records.RecordChange) -> dict[str, Any]:
    """The journal item of a record change: one branch per change type."""
    match change:
        case records.ApplicationRecorded(application=app):
            return _insert(change, "applications", application_to_doc(app))
        case records.ApplicationDecided():
            decided = {
                "status": change.status.value,
                "decided_at": change.decided_at,
                "decided_by": sid(change.decided_by),
            }
            if change.partnership_id is not None:
                decided["partnership_id"] = change.partnership_id
            if change.status is ApplicationStatus.DENIED:
                decided["reason"] = change.reason
            return _update(change, "applications", change.application_id, PENDING, decided)
        case records.PartnershipStarted(partnership=p):
            return _insert(change, "partnerships", partnership_to_doc(p))
        case records.PartnershipEnded():
            ended = {
                "status": PartnershipStatus.ENDED.value,
                "ended_at": change.ended_at,
                "end_reason": change.reason,
                "proposed_ad": None,
            }  # a pending change ends with the partnership
            return _update(change, "partnerships", change.partnership_id, NOT_ENDED, ended)
        case records.PartnershipConfirmed():
            confirmed = {"status": PartnershipStatus.ACTIVE.value, "confirmed_at": change.confirmed_at}
            return _update(change, "partnerships", change.partnership_id, AWAITING, confirmed)
        case records.ConfirmationDeadlineSet():
            # Through the scheduled-work store like every due time (a heap on the embedded default);
            # keep_earlier makes a replay a no-op.
            return _item(
                change, "schedule", "scheduled_work", kind=CONFIRM_DEADLINE, key=change.partnership_id,
                due_at=change.due_at, guild_id=sid(change.guild_id), keep_earlier=True,
            )  # fmt: skip
        case records.PartnershipPlaced(placement=placement):
            shown = {
                "showcase": placement_to_doc(placement),
                "last_bumped_at": placement.posted_at,
                "showcase_error": None,
            }
            return _update(change, "partnerships", change.partnership_id, ACTIVE, shown)
        case records.ShowcaseFailed():
            return _update(change, "partnerships", change.partnership_id, ACTIVE, {"showcase_error": change.error})
        case records.TrackedInviteStored():
            # Whatever the status: a late invite of an ended partnership still attributes its joins.
            return _update(change, "partnerships", change.partnership_id, {}, {"tracked_invite_code": change.code})
        case records.PartnershipEdited(partner=partner):
            edited = {
                "partner": partner_to_doc(partner),
                "advertisement": change.advertisement,
                "representative_id": sid(change.representative_id),
            }
            return _update(change, "partnerships", change.partnership_id, ACTIVE, edited)
        case records.AdProposed(proposal=proposal):
            return _update(
                change, "partnerships", change.partnership_id, ACTIVE, {"proposed_ad": proposal_to_doc(proposal)}
            )
        case records.AdDecided():
            decided: dict[str, Any] = {"proposed_ad": None}
            if change.advertisement is not None:
                decided["advertisement"] = change.advertisement
            # Guarded by the proposal's id: a replay after a newer proposal changes nothing.
            return _update(
                change, "partnerships", change.partnership_id, {"proposed_ad.id": change.proposal_id}, decided
            )
        case records.BlacklistAdded():
            doc = blacklist_doc(
                change.guild_id, change.partner_guild_id, change.reason, change.added_by, change.added_at, change.rev
            )
            return _put_versioned(change, "blacklist", doc)
        case records.BlacklistRemoved():
            # Only the flag: the entry keeps who added it and why, for the audit trail.
            doc = {
                "_id": f"{change.guild_id}:{change.partner_guild_id}",
                "guild_id": str(change.guild_id),
                "removed": True,
                "rev": change.rev,
            }
            return _put_versioned(change, "blacklist", doc)
        case records.AuditRecorded():
            doc = {
                "_id": change.entry_id,
                "guild_id": str(change.guild_id),
                "at": change.at,
                "actor_id": sid(change.actor),
                "action": change.action,
                "target_id": change.target,
                "before": change.before,
                "after": change.after,
                "reason": change.reason,
            }
            return _insert(change, "audit_log", doc)
        case records.HealthChecked():
            # Only Discord's facts of the partner: an invite code edited meanwhile is kept.
            checked = {"health": health_to_doc(change.health), **partner_facts_doc(change.partner)}
            return _update(change, "partnerships", change.partnership_id, ACTIVE, checked)
        case records.WorkScheduled():
            return _item(
                change, "schedule", "scheduled_work", kind=change.kind, key=change.key, due_at=change.due_at,
                guild_id=sid(change.guild_id), keep_earlier=change.keep_earlier,
            )  # fmt: skip
        case records.MutualLinkJoined():
            return _link(change, change.partnership_id, expect=None)
        case records.MutualLinkLeft():
            # Only while our side is still this partnership: a later one with the same partner keeps its side.
            return _link(change, None, expect=change.partnership_id)
        case records.BumpRemindersStopped():
            # Inserted once: a replay, or a second click, finds it there (a duplicate key).
            doc = opt_out_doc(change.guild_id, change.representative_id, change.at)
            return _insert(change, BUMP_REMINDERS_OFF, doc)
        case records.ProblemRaised(problem=problem):
            return _problem(change, change.partnership_id, problem.code, problem_to_doc(problem))
        case records.ProblemCleared():
            return _problem(change, change.partnership_id, change.code, None)
    raise TypeError(f"not a record change: {change!r}")


def _item(change: records.RecordChange, op: str, coll: str, **fields: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "op": op, "change": type(change).__name__, "coll": coll, **fields}


def _insert(change: records.RecordChange, coll: str, doc: dict[str, Any]) -> dict[str, Any]:
    return _item(change, "insert", coll, doc=doc)


def _update(
    change: records.RecordChange, coll: str, _id: str, expect: dict[str, Any], set_: dict[str, Any]
) -> dict[str, Any]:
    return _item(change, "update", coll, _id=_id, expect=expect, set=set_)


def _put_versioned(change: records.RecordChange, coll: str, doc: dict[str, Any]) -> dict[str, Any]:
    return _item(change, "put_versioned", coll, doc=doc)


def _link(
    change: records.MutualLinkJoined | records.MutualLinkLeft, partnership_id: str | None, expect: str | None
) -> dict[str, Any]:
    return _item(
        change, "link", "mutual_links", _id=pair_key(change.guild_id, change.partner_id),
        side=str(change.guild_id), partnership_id=partnership_id, expect=expect, rev=change.rev,
    )  # fmt: skip


def _problem(
    change: records.ProblemRaised | records.ProblemCleared, partnership_id: str, code: str, doc: dict | None
) -> dict[str, Any]:
    return _item(
        change, "problem", "partnerships", _id=partnership_id, guild_id=sid(change.guild_id), code=code, doc=doc
    )


class Projector:
    """Applies the database items of a guild's journal. Each one is idempotent (see above)."""

    def __init__(self, database: Database, scheduled: Any = None):
        self._db = database.db
        self._warnings = WarningRepository(database)
        # ScheduledWork or its in-memory twin: `schedule` items go through it (idempotent: a replay
        # sets the same due time again).
        self._scheduled = scheduled

    encode = staticmethod(encode)

    async def apply(self, item: dict[str, Any]) -> None:
        collection = self._db[item["coll"]]
        op = item["op"]
        if op == "insert":
            try:
                await collection.insert_one(item["doc"])
            except DuplicateKeyError:
                pass  # already applied
        elif op == "update":
            # `expect` makes a replay a no-op once the document has moved on.
            await collection.update_one({"_id": item["_id"], **item.get("expect", {})}, {"$set": item["set"]})
        elif op == "schedule":
            if self._scheduled is None:  # never drop owed work silently: the journal keeps it
                raise RuntimeError("a schedule item needs a Projector built with the scheduled-work store")
            guild_id = None if item.get("guild_id") is None else int(item["guild_id"])
            await self._scheduled.schedule(
                item["kind"], item["key"], as_utc(item["due_at"]), guild_id=guild_id,
                keep_earlier=item.get("keep_earlier", False),
            )  # fmt: skip
        elif op == "put_versioned":
            # A newer version of the same document wins over a late replay of an older one.
            doc = item["doc"]
            try:
                await collection.update_one({"_id": doc["_id"], "rev": {"$lt": doc["rev"]}}, {"$set": doc}, upsert=True)
            except DuplicateKeyError:
                pass  # a newer version is stored
        elif op == "link":
            await _apply_link(collection, item)
        elif op == "problem":
            guild_id, doc = int(item["guild_id"]), item["doc"]
            if doc is None:
                await self._warnings.clear_problem(guild_id, item["_id"], item["code"])
            else:
                await self._warnings.raise_problem(guild_id, item["_id"], problem_from_doc(doc))
        else:
            raise ValueError(f"not a database journal op: {op}")


async def _apply_link(collection: Any, item: dict[str, Any]) -> None:
    """Sets our side of the pair's link (upserted: whichever side comes first creates the document) or
    clears it while it is still `expect`. Each side keeps the ledger version that last wrote it, so a
    late replay of an older change is a no-op."""
    side, rev, expect = item["side"], item["rev"], item["expect"]
    query: dict[str, Any] = {"_id": item["_id"], f"revs.{side}": {"$not": {"$gte": rev}}}
    if expect is not None:
        query[f"sides.{side}"] = expect
    update = {"$set": {f"sides.{side}": item["partnership_id"], f"revs.{side}": rev}}
    for _ in range(2):  # both sides' first upserts of one _id: the loser's insert collides, then it updates
        try:
            await collection.update_one(query, update, upsert=expect is None)
            return
        except DuplicateKeyError:
            continue
    # Colliding again means the document exists and our side holds a newer version: it wins.
