"""A submission files its application, and an approved application starts its partnership, with the
partner's offer (guild, partner server, representative, ad) carried over unchanged."""

from __future__ import annotations

from api.domain.enums import ApplicationSource, ApplicationStatus, PartnershipStatus
from api.domain.models import application_from, partnership_from
from tests.api.domain.builders import GUILD, HOUR, PARTNER, REP, T0, submission


def test_a_pending_application_is_filed_undecided_at_the_time_the_ledger_admitted_it():
    sent = submission(source=ApplicationSource.DM, at=T0 - HOUR)

    app = application_from(sent, "app-1", T0)

    assert (app.id, app.guild_id, app.partner, app.representative_id) == ("app-1", GUILD, sent.partner, REP)
    assert (app.advertisement, app.source, app.status) == (
        sent.advertisement,
        ApplicationSource.DM,
        ApplicationStatus.PENDING,
    )
    assert (app.submitted_at, app.decided_at, app.decided_by, app.reason) == (T0, None, None, None)


def test_an_application_decided_when_filed_is_decided_at_that_time():
    denied = application_from(
        submission(), "app-1", T0, ApplicationStatus.DENIED, reason="blacklisted", ticket_thread_id=9
    )
    added = application_from(submission(), "app-2", T0, ApplicationStatus.APPROVED, decided_by=7, partnership_id="p-2")

    assert (denied.decided_at, denied.reason, denied.ticket_thread_id) == (T0, "blacklisted", 9)
    assert (added.decided_at, added.decided_by, added.partnership_id) == (T0, 7, "p-2")


def test_a_partnership_starts_with_its_applications_offer():
    app = application_from(submission(), "app-1", T0, ApplicationStatus.APPROVED, partnership_id="p-1")

    started = partnership_from(app, "p-1", T0 + HOUR, PartnershipStatus.AWAITING_PARTNER)

    assert (started.id, started.application_id, started.status, started.started_at) == (
        "p-1", "app-1", PartnershipStatus.AWAITING_PARTNER, T0 + HOUR
    )  # fmt: skip
    assert (started.guild_id, started.partner.id, started.representative_id, started.advertisement) == (
        GUILD, PARTNER, REP, app.advertisement
    )  # fmt: skip
