"""Buttons sent to one person (the CONFIRM offer, the bump reminder's stop button): anyone else's
click gets a plain ephemeral refusal, and nothing is forwarded to the API."""

from __future__ import annotations

import pytest

from tests.cluster.confirm.test_confirm import ask
from tests.cluster.direct_messages.test_stop_reminders import reminder
from tests.cluster.showcase.harness import Home, start_home
from tests.fakediscord import FakeDiscord

BUTTONS = {
    "confirm offer": (
        "partnership.confirm.ask", ask, "Continue", "partnership.answer",
        "Only the representative this offer was sent to can answer it; nothing was changed.",
    ),
    "stop reminders": (
        "dm.send", reminder, "Stop these reminders", "representative.bump_reminders_off",
        "These reminders are sent to the partnership's representative; only they can turn them off.",
    ),
}  # fmt: skip


@pytest.fixture
async def home(fake_discord: FakeDiscord, start_node) -> Home:
    return await start_home(fake_discord, start_node)


@pytest.mark.parametrize("button", BUTTONS.values(), ids=BUTTONS.keys())
async def test_a_click_by_someone_else_is_refused_and_forwards_nothing(home: Home, button) -> None:
    command, data, label, event, refusal = button
    await home.ok(command, data(home))
    (dm,) = home.world.dms_to(home.rep)
    assert await home.refusal_to_a_stranger(dm, label) == refusal
    assert home.bus.events(event) == []
