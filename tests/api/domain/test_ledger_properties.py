"""Properties of the ledger under any sequence of operations."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain import ledger as rules
from api.domain.enums import ApplicationMode, ApplicationSource, ChannelMode
from api.domain.errors import ErrorCode, RuleViolation
from api.domain.ledger import Ledger
from api.domain.models import GuildSettings

from .builders import (
    PARTNER,
    PROPERTY,
    REP,
    SHOWCASE_CHANNEL,
    T0,
    filler_active,
    filler_pending,
    make_ledger,
    state,
    submission,
)

PARTNERS = [PARTNER + i for i in range(6)]
REPS = [REP + i for i in range(3)]
OPEN = {
    ApplicationMode.SLASH: {ApplicationSource.SLASH, ApplicationSource.PANEL, ApplicationSource.DM},
    ApplicationMode.TICKET: {ApplicationSource.TICKET},
    ApplicationMode.MANUAL: set(),
}

index = st.integers(min_value=0, max_value=300)
OPERATIONS = {
    "submit": st.tuples(
        st.just("submit"),
        st.sampled_from(PARTNERS),
        st.sampled_from(REPS),
        # None: a source the guild accepts (most applications come in through an open door)
        st.sampled_from([None, None, None, None, *ApplicationSource]),
        st.sampled_from([None, 50, 5000, 5000, 5000]),
    ),
    "approve": st.tuples(st.just("approve"), index),
    "deny": st.tuples(st.just("deny"), index, st.booleans()),
    "end": st.tuples(st.just("end"), index),
    "manual": st.tuples(st.just("manual"), st.sampled_from(PARTNERS), st.sampled_from(REPS)),
    "blacklist_add": st.tuples(st.just("blacklist_add"), st.sampled_from(PARTNERS)),
    "blacklist_remove": st.tuples(st.just("blacklist_remove"), st.sampled_from(PARTNERS)),
    "bump": st.tuples(st.just("bump"), index),
    "showcase": st.tuples(st.just("showcase"), index, st.booleans()),
    # minutes, around the 10-minute in-flight timeout and the 1- and 24-hour cooldowns
    "wait": st.tuples(st.just("wait"), st.sampled_from([1, 9, 10, 11, 59, 60, 61, 600, 1439, 1440, 1441, 3000])),
}
# Submissions are the busiest path: three times as likely as any other operation.
operation = st.sampled_from(["submit", "submit", *OPERATIONS]).flatmap(OPERATIONS.__getitem__)


@st.composite
def starting_ledger(draw) -> Ledger:
    max_active = draw(st.sampled_from([0, 1, 2, 3, 100]))
    guild = GuildSettings(
        application_mode=draw(
            st.sampled_from([ApplicationMode.SLASH] * 3 + [ApplicationMode.TICKET, ApplicationMode.MANUAL])
        ),
        channel_mode=ChannelMode.SINGLE_CHANNEL,
        showcase_channel_id=draw(st.sampled_from([None, SHOWCASE_CHANNEL])),
        min_partner_member_count=draw(st.sampled_from([0, 0, 100])),
        application_cooldown_hours=draw(st.sampled_from([0, 1, 24])),
        max_active=max_active,
        bump_interval_days=draw(st.sampled_from([1, 7])),
    )
    pending = draw(st.sampled_from([0, 2, 248, 250]))
    active = draw(st.integers(min_value=max(0, guild.active_max - 3), max_value=guild.active_max))
    return make_ledger(guild, pending=filler_pending(pending), active=filler_active(active))


def expected_submit(ledger: Ledger, sub, now) -> str:
    """The DESIGN.md order, written out independently of the code under test."""
    guild = ledger.settings
    partner, rep = sub.partner.id, sub.representative_id
    if partner in ledger.blacklisted:
        return "AUTO_DENIED"
    if sub.source not in OPEN[guild.application_mode]:
        return ErrorCode.APPLICATIONS_CLOSED
    minimum, count = guild.min_partner_member_count, sub.partner.member_count
    if minimum > 0 and (count is None or count < minimum):
        return ErrorCode.BELOW_MIN_MEMBERS
    window = timedelta(hours=guild.application_cooldown_hours)
    stamps = [ledger.last_by_representative.get(rep), ledger.last_by_partner.get(partner)]
    if any(stamp is not None and now - stamp < window for stamp in stamps):
        return ErrorCode.COOLDOWN
    partners_in_use = [s.partner_id for s in ledger.pending.values()] + [s.partner_id for s in ledger.active.values()]
    if partner in partners_in_use:
        return ErrorCode.DUPLICATE
    if len(ledger.pending) >= 250:
        return ErrorCode.PENDING_LIMIT_REACHED
    return "ACCEPTED"


def pick(keys, i: int) -> str:
    ordered = sorted(keys)
    return ordered[i % len(ordered)] if ordered and i < 250 else "unknown-id"


def check_invariants(ledger: Ledger) -> None:
    pending_partners = [slot.partner_id for slot in ledger.pending.values()]
    active_partners = [slot.partner_id for slot in ledger.active.values()]
    assert len(ledger.pending) <= 250
    assert len(ledger.active) <= ledger.settings.active_max
    assert len(ledger.blacklisted) <= 500
    assert len(set(pending_partners)) == len(pending_partners), "a partner pending twice"
    assert len(set(active_partners)) == len(active_partners), "a partner active twice"
    assert not set(pending_partners) & set(active_partners), "a partner both pending and active"


@settings(PROPERTY, max_examples=200)
@given(starting_ledger(), st.lists(operation, min_size=20, max_size=60))
def test_any_sequence_of_operations_keeps_the_limits_and_the_order(ledger, operations):
    now = T0
    counter = 0
    check_invariants(ledger)
    for op in operations:
        counter += 1
        kind = op[0]
        if kind == "wait":
            now += timedelta(minutes=op[1])
            continue
        before = state(ledger)
        try:
            if kind == "submit":
                _, partner, rep, source, members = op
                if source is None:
                    source = min(OPEN[ledger.settings.application_mode], default=ApplicationSource.SLASH)
                sub = submission(partner, rep, source=source, members=members, at=now)
                expected = expected_submit(ledger, sub, now)
                try:
                    outcome = rules.submit(ledger, sub, f"app-{counter}", now)
                except RuleViolation as violation:
                    assert violation.code == expected
                    raise
                assert ("AUTO_DENIED" if outcome.auto_denied else "ACCEPTED") == expected
                new = outcome.ledger
                if outcome.auto_denied:
                    assert dict(new.pending) == dict(ledger.pending)
                else:
                    assert new.pending[f"app-{counter}"].partner_id == partner
            elif kind == "approve":
                new = rules.approve(ledger, pick(ledger.pending, op[1]), f"ps-{counter}", now)
            elif kind == "deny":
                new = rules.deny(ledger, pick(ledger.pending, op[1]), op[2])
            elif kind == "end":
                new = rules.end(ledger, pick(ledger.active, op[1]))
            elif kind == "manual":
                new = rules.create_manual(ledger, op[1], op[2], f"app-{counter}", f"ps-{counter}", now)
            elif kind == "blacklist_add":
                new = rules.blacklist_add(ledger, op[1])
            elif kind == "blacklist_remove":
                new = rules.blacklist_remove(ledger, op[1])
            elif kind == "bump":
                new = rules.bump(ledger, pick(ledger.active, op[1]), now)
            else:
                new = rules.showcase_result(ledger, pick(ledger.active, op[1]), now if op[2] else None)
                if new is None:
                    assert state(ledger) == before
                    continue
        except RuleViolation:
            assert state(ledger) == before  # a refusal changes nothing
            continue
        assert state(ledger) == before  # the old ledger is never touched
        assert new.version == ledger.version + 1
        check_invariants(new)
        ledger = new


@PROPERTY
@given(
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=105),
)
def test_approvals_stop_exactly_at_the_active_limit(max_active, applications):
    guild = GuildSettings(max_active=max_active, application_cooldown_hours=0)
    ledger = make_ledger(guild)
    for i in range(applications):
        ledger = rules.submit(ledger, submission(PARTNER + i, REP + i), f"app-{i}", T0).ledger
    approved = 0
    for i in range(applications):
        try:
            ledger = rules.approve(ledger, f"app-{i}", f"ps-{i}", T0)
        except RuleViolation as violation:
            assert violation.code == ErrorCode.ACTIVE_LIMIT_REACHED
            continue
        approved += 1
    assert approved == min(applications, guild.active_max)
    assert len(ledger.active) == approved
    assert len(ledger.pending) == applications - approved
