"""Mapping between domain records and MongoDB documents."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..clock import as_utc
from ..domain.enums import ApplicationSource, ApplicationStatus, HealthIssue, PartnershipStatus
from ..domain.ledger import ActiveSlot, Ledger, PendingSlot
from ..domain.models import (
    AdProposal,
    Application,
    BlacklistEntry,
    GuildSettings,
    Health,
    HealthProblem,
    PartnerServer,
    Partnership,
    Problem,
    ReviewPost,
    ShowcasePlacement,
)
from ..domain.settings_rules import ENUM_FIELDS, ID_FIELDS, plain_settings


def sid(value: int | None) -> str | None:
    return None if value is None else str(value)


def iid(value: str | None) -> int | None:
    return None if value is None else int(value)


# --- settings -----------------------------------------------------------------------------------

_ID_SETTINGS = frozenset(ID_FIELDS)


def settings_from_doc(doc: dict[str, Any] | None) -> GuildSettings:
    if not doc:
        return GuildSettings()
    known = {f.name for f in dataclasses.fields(GuildSettings)}
    values: dict[str, Any] = {}
    for name, value in doc.items():
        if name not in known:
            continue
        if name in _ID_SETTINGS:
            value = iid(value)
        elif name in ("manager_role_ids", "viewer_role_ids"):
            value = tuple(int(v) for v in value)
        elif name in ENUM_FIELDS:
            value = ENUM_FIELDS[name](value)
        values[name] = value
    return GuildSettings(**values)


# --- ledger -------------------------------------------------------------------------------------


def ledger_fields_to_doc(ledger: Ledger) -> dict[str, Any]:
    """Everything but `_id` and `todo` (the journal is appended to, never rewritten)."""
    return {
        "version": ledger.version,
        "settings": plain_settings(ledger.settings),
        "pending": [
            {"application_id": k, "partner_id": str(s.partner_id), "representative_id": str(s.representative_id),
             "submitted_at": s.submitted_at}
            for k, s in ledger.pending.items()
        ],
        "active": [
            {"partnership_id": k, "partner_id": str(s.partner_id), "application_id": s.application_id,
             "representative_id": str(s.representative_id), "started_at": s.started_at,
             "last_posted_at": s.last_posted_at, "post_requested_at": s.post_requested_at,
             "awaiting_until": s.awaiting_until, "proposal_id": s.proposal_id,
             "bump_reminded_for": s.bump_reminded_for}
            for k, s in ledger.active.items()
        ],
        "blacklisted": sorted(str(p) for p in ledger.blacklisted),
        "last_by_representative": {str(k): v for k, v in ledger.last_by_representative.items()},
        "last_by_partner": {str(k): v for k, v in ledger.last_by_partner.items()},
    }  # fmt: skip


def ledger_from_doc(guild_id: int, doc: dict[str, Any] | None) -> Ledger:
    if doc is None:
        return Ledger(guild_id=guild_id)
    pending = {
        p["application_id"]: PendingSlot(int(p["partner_id"]), int(p["representative_id"]), as_utc(p["submitted_at"]))
        for p in doc.get("pending", [])
    }
    active = {
        a["partnership_id"]: ActiveSlot(
            int(a["partner_id"]),
            a["application_id"],
            int(a["representative_id"]),
            as_utc(a["started_at"]),
            as_utc(a.get("last_posted_at")),
            as_utc(a.get("post_requested_at")),
            as_utc(a.get("awaiting_until")),
            a.get("proposal_id"),
            as_utc(a.get("bump_reminded_for")),
        )
        for a in doc.get("active", [])
    }
    return Ledger(
        guild_id=guild_id,
        version=doc["version"],
        settings=settings_from_doc(doc.get("settings")),
        pending=pending,
        active=active,
        blacklisted=frozenset(int(p) for p in doc.get("blacklisted", [])),
        last_by_representative={int(k): as_utc(v) for k, v in doc.get("last_by_representative", {}).items()},
        last_by_partner={int(k): as_utc(v) for k, v in doc.get("last_by_partner", {}).items()},
    )


# --- applications and partnerships --------------------------------------------------------------


def partner_to_doc(partner: PartnerServer) -> dict[str, Any]:
    return {
        "id": str(partner.id),
        "name": partner.name,
        "icon_url": partner.icon_url,
        "member_count": partner.member_count,
        "invite_code": partner.invite_code,
    }


def partner_facts_doc(partner: PartnerServer) -> dict[str, Any]:
    """The partner's fields a check learns from Discord (its id and invite code are ours, not refreshed)."""
    return {
        "partner.name": partner.name,
        "partner.icon_url": partner.icon_url,
        "partner.member_count": partner.member_count,
    }


def partner_from_doc(doc: dict[str, Any]) -> PartnerServer:
    return PartnerServer(int(doc["id"]), doc["name"], doc.get("icon_url"), doc.get("member_count"), doc["invite_code"])


def application_to_doc(app: Application) -> dict[str, Any]:
    return {
        "_id": app.id,
        "guild_id": str(app.guild_id),
        "partner": partner_to_doc(app.partner),
        "representative_id": str(app.representative_id),
        "advertisement": app.advertisement,
        "source": app.source.value,
        "status": app.status.value,
        "submitted_at": app.submitted_at,
        "decided_at": app.decided_at,
        "decided_by": sid(app.decided_by),
        "reason": app.reason,
        "partnership_id": app.partnership_id,
        "review": None
        if app.review is None
        else {"channel_id": str(app.review.channel_id), "message_id": str(app.review.message_id)},
        "ticket_thread_id": sid(app.ticket_thread_id),
    }


def application_from_doc(doc: dict[str, Any]) -> Application:
    review = doc.get("review")
    return Application(
        id=doc["_id"],
        guild_id=int(doc["guild_id"]),
        partner=partner_from_doc(doc["partner"]),
        representative_id=int(doc["representative_id"]),
        advertisement=doc["advertisement"],
        source=ApplicationSource(doc["source"]),
        status=ApplicationStatus(doc["status"]),
        submitted_at=as_utc(doc["submitted_at"]),
        decided_at=as_utc(doc.get("decided_at")),
        decided_by=iid(doc.get("decided_by")),
        reason=doc.get("reason"),
        partnership_id=doc.get("partnership_id"),
        review=None if not review else ReviewPost(int(review["channel_id"]), int(review["message_id"])),
        ticket_thread_id=iid(doc.get("ticket_thread_id")),
    )


def placement_to_doc(p: ShowcasePlacement | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "channel_id": sid(p.channel_id),
        "message_id": sid(p.message_id),
        "thread_id": sid(p.thread_id),
        "posted_at": p.posted_at,
    }


def placement_from_doc(doc: dict[str, Any] | None) -> ShowcasePlacement | None:
    if not doc:
        return None
    return ShowcasePlacement(
        iid(doc.get("channel_id")), iid(doc.get("message_id")), iid(doc.get("thread_id")), as_utc(doc.get("posted_at"))
    )


def partnership_to_doc(p: Partnership) -> dict[str, Any]:
    return {
        "_id": p.id,
        "guild_id": str(p.guild_id),
        "application_id": p.application_id,
        "partner": partner_to_doc(p.partner),
        "representative_id": str(p.representative_id),
        "advertisement": p.advertisement,
        "status": p.status.value,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
        "end_reason": p.end_reason,
        "last_bumped_at": p.last_bumped_at,
        "tracked_invite_code": p.tracked_invite_code,
        "showcase": placement_to_doc(p.showcase),
        "showcase_error": p.showcase_error,
        "join_count": p.join_count,
        "retained_count": p.retained_count,
        "health": health_to_doc(p.health),
        "fake_count": p.fake_count,
        "proposed_ad": proposal_to_doc(p.proposed_ad),
    }


def problem_to_doc(p: Problem) -> dict[str, Any]:
    return {"action": p.action, "code": p.code, "message": p.message, "at": p.at}


def problem_from_doc(doc: dict[str, Any]) -> Problem:
    return Problem(doc["action"], doc["code"], doc["message"], as_utc(doc["at"]))


def proposal_to_doc(p: AdProposal | None) -> dict[str, Any] | None:
    if p is None:
        return None
    review = (
        None if p.review is None else {"channel_id": str(p.review.channel_id), "message_id": str(p.review.message_id)}
    )
    return {"id": p.id, "advertisement": p.advertisement, "submitted_at": p.submitted_at, "review": review}


def proposal_from_doc(doc: dict[str, Any] | None) -> AdProposal | None:
    if not doc:
        return None
    review = doc.get("review")
    return AdProposal(
        id=doc["id"],
        advertisement=doc["advertisement"],
        submitted_at=as_utc(doc["submitted_at"]),
        review=None if not review else ReviewPost(int(review["channel_id"]), int(review["message_id"])),
    )


def health_to_doc(h: Health) -> dict[str, Any]:
    return {
        "problems": [
            {
                "issue": p.issue.value,
                "message": p.message,
                "since": p.since,
                "grace_ends_at": p.grace_ends_at,
                "reminded": p.reminded,
            }
            for p in h.problems
        ],
        "last_checked_at": h.last_checked_at,
        "next_check_at": h.next_check_at,
    }


def health_from_doc(doc: dict[str, Any] | None) -> Health:
    if not doc:
        return Health()
    problems = tuple(
        HealthProblem(
            HealthIssue(p["issue"]),
            p["message"],
            as_utc(p["since"]),
            as_utc(p["grace_ends_at"]),
            p.get("reminded", False),
        )
        for p in doc.get("problems", [])
    )
    return Health(problems, as_utc(doc.get("last_checked_at")), as_utc(doc.get("next_check_at")))


def partnership_from_doc(doc: dict[str, Any]) -> Partnership:
    return Partnership(
        id=doc["_id"],
        guild_id=int(doc["guild_id"]),
        application_id=doc["application_id"],
        partner=partner_from_doc(doc["partner"]),
        representative_id=int(doc["representative_id"]),
        advertisement=doc["advertisement"],
        status=PartnershipStatus(doc["status"]),
        started_at=as_utc(doc["started_at"]),
        ended_at=as_utc(doc.get("ended_at")),
        end_reason=doc.get("end_reason"),
        last_bumped_at=as_utc(doc.get("last_bumped_at")),
        tracked_invite_code=doc.get("tracked_invite_code"),
        showcase=placement_from_doc(doc.get("showcase")),
        showcase_error=doc.get("showcase_error"),
        join_count=doc.get("join_count", 0),
        retained_count=doc.get("retained_count", 0),
        fake_count=doc.get("fake_count", 0),
        problems=tuple(problem_from_doc(p) for p in doc.get("problems", [])),
        health=health_from_doc(doc.get("health")),
        proposed_ad=proposal_from_doc(doc.get("proposed_ad")),
    )


def blacklist_from_doc(doc: dict[str, Any]) -> BlacklistEntry:
    return BlacklistEntry(
        guild_id=int(doc["guild_id"]),
        partner_guild_id=int(doc["partner_guild_id"]),
        reason=doc.get("reason"),
        added_by=iid(doc.get("added_by")),
        added_at=as_utc(doc["added_at"]),
    )


def blacklist_doc(
    guild_id: int, partner_guild_id: int, reason: str | None, added_by: int | None, at, rev: int, removed: bool = False
) -> dict[str, Any]:
    """A blacklist entry as written by the journal; `rev` is the ledger version that wrote it."""
    return {
        "_id": f"{guild_id}:{partner_guild_id}",
        "guild_id": str(guild_id),
        "partner_guild_id": str(partner_guild_id),
        "reason": reason,
        "added_by": sid(added_by),
        "added_at": at,
        "removed": removed,
        "rev": rev,
    }
