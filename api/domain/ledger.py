"""The per-guild ledger: every cap, uniqueness and cooldown rule, decided on one small record.

Why one record: MongoDB (and mongomock) give atomicity per document, not across documents. All
the state that a rule reads — pending and active slots with their partner servers, the
blacklist, the cooldown stamps, the settings — lives in one `Ledger` per guild, and every
change is a pure function from the old ledger to the new one. The store writes the new ledger
with a compare-and-set on `version`, so a rule is checked and applied in one atomic step and
concurrent writers retry on the fresh state. Counts (`activeCount`, `pendingCount`, ...) are
derived from the ledger, never kept as separate counters, so they cannot drift.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from .enums import ACCEPTED_SOURCES, ApplicationSource, ApprovalFlow
from .errors import ErrorCode, RuleViolation
from .models import BLACKLIST_MAX, PENDING_MAX, GuildSettings, Submission

# A bump whose post never reported back (a node died mid-command) stops blocking after this.
POST_IN_FLIGHT_TIMEOUT = timedelta(minutes=10)
# Cooldown stamps are kept at least this long, so raising the cooldown later still counts from the
# real last application (up to this horizon) while the ledger stays small.
COOLDOWN_STAMP_RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class PendingSlot:
    partner_id: int
    representative_id: int
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveSlot:
    partner_id: int
    application_id: str
    representative_id: int
    started_at: datetime
    last_posted_at: datetime | None = None
    post_requested_at: datetime | None = None
    # CONFIRM flow: approved, waiting for the representative's answer until this time (None: ACTIVE).
    # The slot counts against the active cap all the same, so an offer never outruns the cap.
    awaiting_until: datetime | None = None
    proposal_id: str | None = None  # a new advertisement the representative proposed, awaiting review
    # The next bump time the representative was told of by DM ("a bump is possible"): one DM per interval.
    bump_reminded_for: datetime | None = None


def _frozen(mapping: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Ledger:
    guild_id: int
    version: int = 0
    settings: GuildSettings = field(default_factory=GuildSettings)
    pending: Mapping[str, PendingSlot] = field(default_factory=_frozen)  # application id -> slot
    active: Mapping[str, ActiveSlot] = field(default_factory=_frozen)  # partnership id -> slot
    blacklisted: frozenset[int] = frozenset()
    last_by_representative: Mapping[int, datetime] = field(default_factory=_frozen)
    last_by_partner: Mapping[int, datetime] = field(default_factory=_frozen)
    # The pending queue's keys (submitted_at, application id), sorted once per ledger on first use:
    # reads share one decoded ledger per version, so a page is a bisect and a slice, not a sort.
    _queue: tuple[tuple[datetime, str], ...] | None = field(default=None, init=False, repr=False, compare=False)

    def _with(self, **changes) -> Ledger:
        for name in ("pending", "active", "last_by_representative", "last_by_partner"):
            if name in changes:
                changes[name] = _frozen(changes[name])
        return dataclasses.replace(self, version=self.version + 1, **changes)

    def next_version(self) -> Ledger:
        """The same state one version on: commits work owed (journal items) that changes no rule state."""
        return self._with()

    def pending_partner_ids(self) -> set[int]:
        return {slot.partner_id for slot in self.pending.values()}

    def active_partner_ids(self) -> set[int]:
        return {slot.partner_id for slot in self.active.values()}

    def pending_page(
        self, first: int, after: tuple[datetime, str] | None, newest_first: bool
    ) -> tuple[list[tuple[datetime, str]], bool]:
        """The queue straight from the ledger: (submitted_at, application id) in queue order after the
        key `after`, at most `first`, and whether more follow. Same order and keys as the database list."""
        queue = self.queue_keys()
        if newest_first:
            end = len(queue) if after is None else bisect_left(queue, after)
            start = max(0, end - first)
            return list(reversed(queue[start:end])), start > 0
        start = 0 if after is None else bisect_right(queue, after)
        return list(queue[start : start + first]), start + first < len(queue)

    def queue_keys(self) -> tuple[tuple[datetime, str], ...]:
        """The pending queue oldest first, as (submitted_at, application id)."""
        if self._queue is None:
            keys = tuple(sorted((slot.submitted_at, app_id) for app_id, slot in self.pending.items()))
            object.__setattr__(self, "_queue", keys)  # a cache of immutable state, filled once
        return self._queue

    def awaiting_ids(self) -> set[str]:
        """Partnerships approved under CONFIRM whose representative has not answered yet."""
        return {pid for pid, slot in self.active.items() if slot.awaiting_until is not None}

    def is_active(self, partnership_id: str) -> bool:
        """ACTIVE: holds a slot and is not waiting for the partner's answer (CONFIRM flow)."""
        slot = self.active.get(partnership_id)
        return slot is not None and slot.awaiting_until is None

    def next_bump_at(self, partnership_id: str) -> datetime | None:
        slot = self.active.get(partnership_id)
        if slot is None or slot.last_posted_at is None or slot.awaiting_until is not None:
            return None
        return slot.last_posted_at + timedelta(days=self.settings.bump_interval_days)


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    ledger: Ledger
    auto_denied: bool


def submit(ledger: Ledger, submission: Submission, application_id: str, now: datetime) -> SubmitOutcome:
    """Checks a submission in the order DESIGN.md states and records it.

    A blacklisted partner server is not refused: the application is recorded as DENIED
    automatically (auto_denied=True), so staff can see who tried. Every other failed check is
    a RuleViolation and records nothing (it does not start a cooldown either).
    """
    settings = ledger.settings
    partner_id = submission.partner.id
    representative = submission.representative_id
    stamps = _stamp_cooldowns(ledger, representative, partner_id, now)

    if partner_id in ledger.blacklisted:
        return SubmitOutcome(ledger._with(**stamps), auto_denied=True)
    if submission.source not in ACCEPTED_SOURCES[settings.application_mode]:
        raise RuleViolation(ErrorCode.APPLICATIONS_CLOSED, _closed_message(settings, submission.source))
    return _queue(ledger, submission, application_id, now, stamps)


def submit_mutual(ledger: Ledger, submission: Submission, application_id: str, now: datetime) -> Ledger:
    """The reverse request of a mutual partnership, filed by the API in the partner's queue. The
    submission rules apply except the application mode (the guild opted in with mutualPartnerships),
    and a blacklisted server is refused outright: no request is recorded, so nothing is half-made."""
    if not ledger.settings.mutual_partnerships:
        raise RuleViolation(ErrorCode.APPLICATIONS_CLOSED, "This server does not take mutual partnerships.")
    if submission.partner.id in ledger.blacklisted:
        raise RuleViolation(ErrorCode.BLACKLISTED, "This server does not take partnership requests from yours.")
    _check_active_room(ledger)  # a full server could not approve it: refuse now, in words A's staff read
    stamps = _stamp_cooldowns(ledger, submission.representative_id, submission.partner.id, now)
    return _queue(ledger, submission, application_id, now, stamps).ledger


def _queue(ledger: Ledger, submission: Submission, application_id: str, now: datetime, stamps: dict) -> SubmitOutcome:
    """The checks every submission shares after blacklist and mode, then the pending slot."""
    settings = ledger.settings
    partner_id = submission.partner.id
    representative = submission.representative_id
    minimum = settings.min_partner_member_count
    count = submission.partner.member_count
    if minimum and (count is None or count < minimum):
        raise RuleViolation(
            ErrorCode.BELOW_MIN_MEMBERS,
            f"Partner servers need at least {minimum} members; {submission.partner.name} has "
            f"{'an unknown number of' if count is None else count}.",
        )
    check_cooldown(ledger, representative, partner_id, now)
    if partner_id in ledger.pending_partner_ids():
        raise RuleViolation(ErrorCode.DUPLICATE, f"{submission.partner.name} already has a pending application.")
    if partner_id in ledger.active_partner_ids():
        raise RuleViolation(ErrorCode.DUPLICATE, f"{submission.partner.name} is already an active partner.")
    if len(ledger.pending) >= PENDING_MAX:
        raise RuleViolation(
            ErrorCode.PENDING_LIMIT_REACHED,
            f"This server already has {PENDING_MAX} pending applications; new ones are refused until staff review some.",
        )
    pending = dict(ledger.pending)
    pending[application_id] = PendingSlot(partner_id, representative, now)
    return SubmitOutcome(ledger._with(pending=pending, **stamps), auto_denied=False)


def check_cooldown(ledger: Ledger, representative_id: int, partner_id: int, now: datetime) -> None:
    window = timedelta(hours=ledger.settings.application_cooldown_hours)
    if not window:
        return
    for label, last in (
        ("You", ledger.last_by_representative.get(representative_id)),
        ("This server", ledger.last_by_partner.get(partner_id)),
    ):
        if last is not None and now < last + window:
            raise RuleViolation(
                ErrorCode.COOLDOWN,
                f"{label} applied recently; a new application is possible after "
                f"{(last + window).strftime('%Y-%m-%d %H:%M UTC')}.",
            )


def _stamp_cooldowns(ledger: Ledger, representative_id: int, partner_id: int, now: datetime) -> dict:
    """New cooldown maps with this application stamped and old stamps dropped (keeps the ledger small)."""
    keep = max(timedelta(hours=ledger.settings.application_cooldown_hours), COOLDOWN_STAMP_RETENTION)
    by_rep = {k: v for k, v in ledger.last_by_representative.items() if v + keep > now}
    by_partner = {k: v for k, v in ledger.last_by_partner.items() if v + keep > now}
    by_rep[representative_id] = now
    by_partner[partner_id] = now
    return {"last_by_representative": by_rep, "last_by_partner": by_partner}


def _closed_message(settings: GuildSettings, source: ApplicationSource) -> str:
    mode = settings.application_mode
    if mode.value == "MANUAL":
        return "This server does not take partnership applications through Discord; its staff add partners directly."
    if mode.value == "TICKET":
        return "This server takes partnership applications through a ticket only."
    return f"This server does not take partnership applications by {source.value.lower()}."


def approve(
    ledger: Ledger, application_id: str, partnership_id: str, now: datetime, source: ApplicationSource | None = None
) -> Ledger:
    """Approves a pending application. Under approvalFlow CONFIRM the partnership waits for its
    representative's answer, except a MUTUAL request: its representative is the staff member of the
    partner server who approved us, so it is agreed already and becomes ACTIVE at once."""
    slot = ledger.pending.get(application_id)
    if slot is None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "Only a pending application can be approved.")
    if slot.partner_id in ledger.blacklisted:
        raise RuleViolation(ErrorCode.BLACKLISTED, "This partner server is blacklisted; deny the application instead.")
    _check_active_room(ledger)
    pending = {k: v for k, v in ledger.pending.items() if k != application_id}
    active = dict(ledger.active)
    if ledger.settings.approval_flow is ApprovalFlow.CONFIRM and source is not ApplicationSource.MUTUAL:
        # Nothing is posted until the representative says yes; the slot is held meanwhile.
        until = now + timedelta(hours=ledger.settings.confirm_hours)
        active[partnership_id] = ActiveSlot(
            slot.partner_id, application_id, slot.representative_id, now, awaiting_until=until
        )
    else:
        active[partnership_id] = ActiveSlot(
            slot.partner_id, application_id, slot.representative_id, now, post_requested_at=_first_post(ledger, now)
        )
    return ledger._with(pending=pending, active=active)


def _awaiting(ledger: Ledger, partnership_id: str) -> ActiveSlot:
    slot = ledger.active.get(partnership_id)
    if slot is None or slot.awaiting_until is None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "This partnership is not waiting for the partner's answer.")
    return slot


def check_awaiting(ledger: Ledger, partnership_id: str, now: datetime) -> datetime:
    """The offer's deadline, when it is still open (staff may send the question again until then)."""
    slot = _awaiting(ledger, partnership_id)
    if now >= slot.awaiting_until:
        raise RuleViolation(ErrorCode.INVALID_STATE, "This offer has expired.")
    return slot.awaiting_until


def confirm(ledger: Ledger, partnership_id: str, now: datetime) -> Ledger:
    """The representative said yes in time: the partnership becomes ACTIVE (its slot was already held),
    and the first showcase post is on its way when a showcase is configured."""
    check_awaiting(ledger, partnership_id, now)
    return _replace_active(ledger, partnership_id, awaiting_until=None, post_requested_at=_first_post(ledger, now))


def decline(ledger: Ledger, partnership_id: str) -> Ledger:
    """The representative said no thanks: the held slot is freed."""
    _awaiting(ledger, partnership_id)
    return ledger._with(active={k: v for k, v in ledger.active.items() if k != partnership_id})


def expire(ledger: Ledger, partnership_id: str, now: datetime) -> Ledger | None:
    """The answer deadline: frees the slot of a partnership still waiting past it. None when there is
    nothing to do (answered, ended, or not due yet), so a late or repeated deadline changes nothing."""
    slot = ledger.active.get(partnership_id)
    if slot is None or slot.awaiting_until is None or now < slot.awaiting_until:
        return None
    return ledger._with(active={k: v for k, v in ledger.active.items() if k != partnership_id})


def _first_post(ledger: Ledger, now: datetime) -> datetime | None:
    """An approval posts the ad only when a showcase is configured; until that post reports back,
    a bump would stack a second ad."""
    return now if ledger.settings.showcase_target_id is not None else None


def deny(ledger: Ledger, application_id: str, blacklist: bool) -> Ledger:
    slot = ledger.pending.get(application_id)
    if slot is None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "Only a pending application can be denied.")
    pending = {k: v for k, v in ledger.pending.items() if k != application_id}
    blacklisted = ledger.blacklisted
    if blacklist and slot.partner_id not in blacklisted:
        _check_blacklist_room(ledger)
        blacklisted = blacklisted | {slot.partner_id}
    return ledger._with(pending=pending, blacklisted=blacklisted)


def withdraw(ledger: Ledger, application_id: str, representative_id: int) -> Ledger:
    """The representative takes their pending application back. Its cooldown stamp stays (it counts
    like any application); an approval or denial that committed first wins, and this one is refused."""
    slot = ledger.pending.get(application_id)
    if slot is None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "That application is no longer pending: staff have decided it.")
    if slot.representative_id != representative_id:
        raise RuleViolation(ErrorCode.NOT_FOUND, "Only the representative who applied can withdraw the application.")
    return ledger._with(pending={k: v for k, v in ledger.pending.items() if k != application_id})


def own_pending(ledger: Ledger, representative_id: int) -> list[str]:
    """The representative's pending applications, oldest first."""
    mine = [
        (s.submitted_at, app_id) for app_id, s in ledger.pending.items() if s.representative_id == representative_id
    ]
    return [app_id for _, app_id in sorted(mine)]


def own_awaiting(ledger: Ledger, representative_id: int) -> list[str]:
    """The representative's offers still waiting for their Continue / No thanks (CONFIRM), oldest first."""
    return _own_slots(ledger, representative_id, awaiting=True)


def own_active(ledger: Ledger, representative_id: int) -> list[str]:
    """The representative's ACTIVE partnerships, oldest first (not those still waiting for their answer:
    there is nothing to bump or re-advertise before they said yes)."""
    return _own_slots(ledger, representative_id, awaiting=False)


def _own_slots(ledger: Ledger, representative_id: int, awaiting: bool) -> list[str]:
    mine = [
        (s.started_at, pid)
        for pid, s in ledger.active.items()
        if s.representative_id == representative_id and (s.awaiting_until is not None) is awaiting
    ]
    return [pid for _, pid in sorted(mine)]


def queue_position(ledger: Ledger, application_id: str) -> int | None:
    """1 for the oldest pending application (the queue is reviewed oldest first)."""
    keys = sorted((slot.submitted_at, app_id) for app_id, slot in ledger.pending.items())
    return next((n for n, (_, app_id) in enumerate(keys, start=1) if app_id == application_id), None)


def propose_ad(ledger: Ledger, partnership_id: str, representative_id: int, proposal_id: str) -> Ledger:
    """The representative proposes a new ad for their active partnership: one proposal at a time."""
    slot = ledger.active.get(partnership_id)
    if slot is None or slot.representative_id != representative_id or slot.awaiting_until is not None:
        raise RuleViolation(ErrorCode.NOT_FOUND, "Only the representative of an active partnership can propose its ad.")
    if slot.proposal_id is not None:
        raise RuleViolation(
            ErrorCode.DUPLICATE, "A new advertisement for this partnership is already waiting for review."
        )
    return _replace_active(ledger, partnership_id, proposal_id=proposal_id)


def decide_ad(ledger: Ledger, partnership_id: str, proposal_id: str) -> Ledger:
    """Staff approve or deny a proposed ad: only the one still waiting, only once."""
    slot = ledger.active.get(partnership_id)
    if slot is None or slot.proposal_id != proposal_id:
        raise RuleViolation(ErrorCode.INVALID_STATE, "This proposed advertisement is no longer waiting for review.")
    return _replace_active(ledger, partnership_id, proposal_id=None)


def create_manual(
    ledger: Ledger, partner_id: int, representative_id: int, application_id: str, partnership_id: str, now: datetime
) -> Ledger:
    """Staff add a partner by hand: same blacklist, duplicate and cap rules, no mode or cooldown check."""
    if partner_id in ledger.blacklisted:
        raise RuleViolation(ErrorCode.BLACKLISTED, "This partner server is blacklisted.", ("input", "partnerGuildId"))
    if partner_id in ledger.active_partner_ids():
        raise RuleViolation(
            ErrorCode.DUPLICATE, "This server is already an active partner.", ("input", "partnerGuildId")
        )
    if partner_id in ledger.pending_partner_ids():
        raise RuleViolation(
            ErrorCode.DUPLICATE,
            "This server has a pending application; approve it instead.",
            ("input", "partnerGuildId"),
        )
    _check_active_room(ledger)
    active = dict(ledger.active)
    active[partnership_id] = ActiveSlot(
        partner_id, application_id, representative_id, now, post_requested_at=_first_post(ledger, now)
    )
    return ledger._with(active=active)


def end(ledger: Ledger, partnership_id: str) -> Ledger:
    """Staff end an ACTIVE partnership, or one still waiting for the partner's answer."""
    if partnership_id not in ledger.active:
        raise RuleViolation(ErrorCode.INVALID_STATE, "Only an active partnership can be ended.")
    return ledger._with(active={k: v for k, v in ledger.active.items() if k != partnership_id})


def bump(ledger: Ledger, partnership_id: str, now: datetime) -> Ledger:
    """Asks for a re-post. The interval counts from the last SUCCESSFUL post, so a failed post
    does not use it up; a post already on its way blocks a second one (no stacked ads)."""
    slot = ledger.active.get(partnership_id)
    if slot is None or slot.awaiting_until is not None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "Only an active partnership can be bumped.")
    if ledger.settings.showcase_target_id is None:
        raise RuleViolation(ErrorCode.INVALID_STATE, "No showcase is configured for the current channel mode.")
    if slot.post_requested_at is not None and now < slot.post_requested_at + POST_IN_FLIGHT_TIMEOUT:
        raise RuleViolation(ErrorCode.BUMP_TOO_SOON, "The advertisement is being posted right now.")
    next_at = ledger.next_bump_at(partnership_id)
    if next_at is not None and now < next_at:
        raise RuleViolation(
            ErrorCode.BUMP_TOO_SOON, f"This partner may bump again after {next_at.strftime('%Y-%m-%d %H:%M UTC')}."
        )
    return _replace_active(ledger, partnership_id, post_requested_at=now)


def remind_bump(ledger: Ledger, partnership_id: str, now: datetime) -> Ledger | None:
    """The representative's one DM when a bump becomes possible, remembered with the next bump time it
    is about, so a repeated reminder for the same interval changes nothing. None when there is nothing
    to tell: not ACTIVE, no showcase, not possible yet, a post on its way (they are bumping), or told."""
    slot = ledger.active.get(partnership_id)
    next_at = ledger.next_bump_at(partnership_id)
    if slot is None or next_at is None or now < next_at or ledger.settings.showcase_target_id is None:
        return None
    if slot.post_requested_at is not None and now < slot.post_requested_at + POST_IN_FLIGHT_TIMEOUT:
        return None
    if slot.bump_reminded_for == next_at:
        return None
    return _replace_active(ledger, partnership_id, bump_reminded_for=next_at)


def bump_reminders_moved(old: Ledger, new: Ledger, now: datetime) -> dict[str, datetime]:
    """When each ACTIVE partnership's bump reminder is now due, after a settings change moved its next
    bump time (a new bump interval): partnership id -> the new next bump time. Left out: a reminder
    already told for a bump that is still possible now (one DM when a bump becomes possible; a
    longer interval that makes it impossible again owes one more when it becomes possible)."""
    moved = {}
    for pid, slot in new.active.items():
        before, after = old.next_bump_at(pid), new.next_bump_at(pid)
        if after is None or after == before:
            continue
        if before is not None and slot.bump_reminded_for == before and after <= now:
            continue
        moved[pid] = after
    return moved


def edit(ledger: Ledger, partnership_id: str, representative_id: int) -> Ledger:
    """updatePartnership: only an ACTIVE partnership changes (an offer awaiting the partner's answer was
    made to its representative as it stands); its slot follows the representative."""
    if not ledger.is_active(partnership_id):
        raise RuleViolation(ErrorCode.INVALID_STATE, "Only an active partnership can be edited.", ("id",))
    return _replace_active(ledger, partnership_id, representative_id=representative_id)


def showcase_result(ledger: Ledger, partnership_id: str, posted_at: datetime | None) -> Ledger | None:
    """Records the outcome of a showcase post (posted_at None = failed). None when nothing changes."""
    if partnership_id not in ledger.active:
        return None
    changes: dict = {"post_requested_at": None}
    if posted_at is not None:
        changes["last_posted_at"] = posted_at
    return _replace_active(ledger, partnership_id, **changes)


def _replace_active(ledger: Ledger, partnership_id: str, **changes) -> Ledger:
    active = dict(ledger.active)
    active[partnership_id] = dataclasses.replace(active[partnership_id], **changes)
    return ledger._with(active=active)


def blacklist_add(ledger: Ledger, partner_id: int) -> Ledger:
    if partner_id in ledger.blacklisted:
        raise RuleViolation(ErrorCode.DUPLICATE, "This server is already blacklisted.", ("partnerGuildId",))
    _check_blacklist_room(ledger)
    return ledger._with(blacklisted=ledger.blacklisted | {partner_id})


def blacklist_remove(ledger: Ledger, partner_id: int) -> Ledger:
    if partner_id not in ledger.blacklisted:
        raise RuleViolation(ErrorCode.NOT_FOUND, "This server is not blacklisted.", ("partnerGuildId",))
    return ledger._with(blacklisted=ledger.blacklisted - {partner_id})


def update_settings(ledger: Ledger, settings: GuildSettings) -> Ledger:
    return ledger._with(settings=settings)


def _check_active_room(ledger: Ledger) -> None:
    limit = ledger.settings.active_max
    if len(ledger.active) >= limit:
        raise RuleViolation(
            ErrorCode.ACTIVE_LIMIT_REACHED,
            f"This server has {len(ledger.active)} of {limit} active partnerships; end one first.",
        )


def _check_blacklist_room(ledger: Ledger) -> None:
    if len(ledger.blacklisted) >= BLACKLIST_MAX:
        raise RuleViolation(
            ErrorCode.BLACKLIST_LIMIT_REACHED, f"The blacklist is full ({BLACKLIST_MAX} servers); remove one first."
        )
