"""Our advertisement with the representative's tracked invite in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.domain import advertising
from api.domain.enums import PartnershipStatus
from api.domain.models import PartnerServer, Partnership, Problem

URL = "https://discord.gg/trk1"


def test_every_placeholder_becomes_the_invite_url() -> None:
    assert advertising.with_invite("Join: {invite} — again: {invite}", "trk1") == f"Join: {URL} — again: {URL}"


def test_without_the_placeholder_the_url_is_on_a_line_of_its_own_under_the_ad() -> None:
    assert advertising.with_invite("Come play!\n\n", "trk1") == f"Come play!\n{URL}"


@pytest.mark.parametrize("code", ["", "a b", "x)[evil](https://x", "a" * 101])
def test_a_code_that_is_not_an_invite_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError):
        advertising.with_invite("ad", code)


def partnership(problems: tuple[Problem, ...] = ()) -> Partnership:
    partner = PartnerServer(1, "P", None, None, "p")
    return Partnership("p1", 2, "a1", partner, 3, "ad", PartnershipStatus.ACTIVE, datetime(2026, 1, 1, tzinfo=UTC),
                       problems=problems)  # fmt: skip


def test_the_deleted_invite_problem_is_readable_by_the_health_model() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    problem = advertising.tracked_invite_deleted("trk1", at)
    assert problem.code == "TRACKED_INVITE_DELETED" and "discord.gg/trk1" in problem.message
    p = partnership(problems=(Problem("showcase.post", "MISSING_PERMISSIONS", "x", at), problem))
    assert advertising.tracked_invite_deleted_since(p) == at
    assert advertising.tracked_invite_deleted_since(partnership()) is None
