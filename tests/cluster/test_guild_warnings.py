"""One guild-warnings class for every feature: how often a repeat is re-sent is its parameter."""

from __future__ import annotations

import math

import pytest

from bus import Envelope
from bus.contracts.common import GuildWarningCode
from cluster.guild_warnings import GuildWarnings

PERMS = GuildWarningCode.MISSING_PERMISSIONS
CHANNEL = GuildWarningCode.CHANNEL_MISSING


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Sent:
    def __init__(self, fail: int = 0) -> None:
        self.envelopes: list[Envelope] = []
        self.fail = fail

    async def __call__(self, env: Envelope) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("broker away")
        self.envelopes.append(env)

    def codes(self) -> list[tuple[str, str]]:
        return [(e.guild_id, e.data["code"]) for e in self.envelopes]


async def test_a_repeat_is_sent_again_only_after_the_interval_per_guild_and_code() -> None:
    sent, clock = Sent(), Clock()
    warnings = GuildWarnings(sent, every=60.0, clock=clock)
    assert await warnings.warn(1, PERMS, "give it Send Messages")
    assert not await warnings.warn(1, PERMS, "give it Send Messages")
    assert await warnings.warn(1, CHANNEL, "the channel is gone")  # another code
    assert await warnings.warn(2, PERMS, "give it Send Messages")  # another guild
    clock.now = 59.0
    assert not await warnings.warn(1, PERMS, "give it Send Messages")
    clock.now = 60.0
    assert await warnings.warn(1, PERMS, "give it Send Messages")
    assert sent.codes() == [("1", PERMS), ("1", CHANNEL), ("2", PERMS), ("1", PERMS)]
    assert sent.envelopes[0].type == "guild.warning" and sent.envelopes[0].data["message"] == "give it Send Messages"


async def test_once_until_resolved() -> None:
    sent, clock = Sent(), Clock()
    warnings = GuildWarnings(sent, every=math.inf, clock=clock)
    assert await warnings.warn(1, PERMS, "cannot read invites", about="invites")
    assert await warnings.warn(1, PERMS, "cannot read the vanity URL", about="vanity")  # another problem
    clock.now = 1e9
    assert not await warnings.warn(1, PERMS, "cannot read invites", about="invites")
    assert warnings.sent(1, PERMS, about="invites")
    warnings.resolved(1, PERMS, about="invites")
    assert not warnings.sent(1, PERMS, about="invites")
    assert await warnings.warn(1, PERMS, "cannot read invites", about="invites")
    assert len(sent.envelopes) == 3


async def test_a_warning_that_could_not_be_published_is_tried_again_and_never_raises() -> None:
    sent = Sent(fail=1)
    warnings = GuildWarnings(sent, every=3600.0, clock=Clock())
    assert not await warnings.warn(1, PERMS, "give it Manage Roles")
    assert await warnings.warn(1, PERMS, "give it Manage Roles")
    assert sent.codes() == [("1", PERMS)]


@pytest.mark.parametrize("every", [60.0, math.inf])
async def test_forgetting_a_guild_lets_its_warnings_out_again(every: float) -> None:
    sent = Sent()
    warnings = GuildWarnings(sent, every=every, clock=Clock())
    await warnings.warn(1, PERMS, "x")
    await warnings.warn(2, PERMS, "x")
    warnings.forget(1)
    assert await warnings.warn(1, PERMS, "x")
    assert not await warnings.warn(2, PERMS, "x")
