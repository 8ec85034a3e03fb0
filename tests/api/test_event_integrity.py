"""An event names one guild and touches only that guild's records.

Guild B has a pending application with its review post and an active partnership with its showcase
and tracked invite. Events that claim to be about guild A but name B's records are refused (a
`bus.Refused`, which the consumers dead-letter) and change nothing of B.
"""

from __future__ import annotations

import asyncio

import pytest

from api.worker import start_worker
from bus import Envelope, Refused
from tests.api.factories import GUILD, OTHER_GUILD, completed, manual_partnership, submitted

A, B = GUILD, OTHER_GUILD


@pytest.fixture
async def b_records(container, worker):
    """B's application (with its review post) and B's partnership (placed, with a tracked invite)."""
    await container.guild_settings.update(B, {"review_channel_id": 40, "showcase_channel_id": 41})
    app = await container.applications.submit(submitted(B))
    await worker.handle(
        completed(B, "review.post", refs={"application_id": app.id}, result={"channel_id": "40", "message_id": "400"})
    )
    partnership = await manual_partnership(container, B, partner_guild_id="1234500000000000099", name="Bee")
    await worker.handle(
        completed(B, "showcase.post", refs={"partnership_id": partnership.id},
                  result={"channel_id": "41", "message_id": "410"})
    )  # fmt: skip
    await worker.handle(completed(B, "invite.create", refs={"partnership_id": partnership.id}, result={"code": "btrk"}))
    return app.id, partnership.id


async def _b_state(container, app_id: str, partnership_id: str):
    app = await container.application_repo.get(app_id)
    partnership = await container.partnership_repo.get(partnership_id)
    return app.review, partnership.showcase, partnership.tracked_invite_code, partnership.problems


FORGED = {
    "review.post posted": lambda app, p: completed(
        A, "review.post", refs={"application_id": app}, result={"channel_id": "1", "message_id": "2"}
    ),
    "showcase.post posted": lambda app, p: completed(
        A, "showcase.post", refs={"partnership_id": p}, result={"channel_id": "1", "message_id": "2"}
    ),
    "showcase.post failed": lambda app, p: completed(
        A, "showcase.post", ok=False, refs={"partnership_id": p}, error_code="MISSING_PERMISSIONS", error="A's text"
    ),
    "invite.create": lambda app, p: completed(A, "invite.create", refs={"partnership_id": p}, result={"code": "evil"}),
    "dm.send failed": lambda app, p: completed(
        A, "dm.send", ok=False, refs={"partnership_id": p}, error_code="FORBIDDEN_DM", error="A's text"
    ),
}


@pytest.mark.parametrize("kind", list(FORGED))
async def test_a_command_outcome_naming_another_guilds_record_is_refused(container, worker, b_records, kind):
    app_id, partnership_id = b_records
    before = await _b_state(container, app_id, partnership_id)
    with pytest.raises(Refused):
        await worker.handle(FORGED[kind](app_id, partnership_id))
    assert await _b_state(container, app_id, partnership_id) == before
    assert before[2] == "btrk" and before[1].message_id == 410  # the fixture really set them


async def test_a_reaction_naming_another_guilds_review_post_is_refused(container, worker, b_records):
    app_id, _ = b_records
    reaction = Envelope.new(
        "review.reaction",
        A,
        {"channel_id": "40", "message_id": "400", "user_id": "9", "emoji": "👍", "is_owner": True,
         "member_permissions": 8, "member_role_ids": []},
    )  # fmt: skip
    with pytest.raises(Refused):
        await worker.handle(reaction)
    assert len((await container.writer.load(B)).pending) == 1
    assert (await container.application_repo.get(app_id)).status.value == "PENDING"


async def test_a_refused_event_is_dead_lettered_and_the_rest_goes_on(container, b_records):
    app_id, partnership_id = b_records
    await start_worker(container)
    forged = FORGED["invite.create"](app_id, partnership_id)
    await container.bus.publish_event(forged)
    await container.bus.publish_event(submitted(B))
    for _ in range(100):
        if container.bus.dead_letters and len((await container.writer.load(B)).pending) == 2:
            break
        await asyncio.sleep(0.02)
    assert [d.reason.startswith("malformed") for d in container.bus.dead_letters] == [True]
    assert forged.id in container.bus.dead_letters[0].body.decode()
    assert (await container.partnership_repo.get(partnership_id)).tracked_invite_code == "btrk"


async def test_a_shard_vouches_only_for_its_own_guilds(container, worker):
    # With 4 shards, A is on shard (A >> 22) % 4; B is named by a shard that does not carry it.
    shard_count = 4
    a_shard = (A >> 22) % shard_count
    b_shard = (B >> 22) % shard_count
    wrong = next(s for s in range(shard_count) if s != b_shard)
    ready = Envelope.new("shard.ready", 0, {"shard_id": wrong, "shard_count": shard_count, "guild_ids": [str(B)]})
    await worker.handle(ready)
    assert await container.bot_guilds.present([A, B]) == set()
    ready = Envelope.new("shard.ready", 0, {"shard_id": a_shard, "shard_count": shard_count, "guild_ids": [str(A)]})
    await worker.handle(ready)
    assert await container.bot_guilds.present([A, B]) == {A}


async def test_over_long_texts_from_the_cluster_are_cut_where_stored(container, worker, b_records):
    _, partnership_id = b_records
    await worker.handle(Envelope.new("guild.warning", B, {"code": "MISSING_PERMISSIONS", "message": "x" * 500_000}))
    await worker.handle(
        completed(B, "dm.send", ok=False, refs={"partnership_id": partnership_id}, error_code="FORBIDDEN_DM",
                  error="y" * 200_000)
    )  # fmt: skip
    warnings = await container.warnings.guild_warnings(B)
    assert warnings and all(len(w["message"]) <= 500 for w in warnings)
    assert warnings[0]["message"].endswith("…")
    problems = (await container.partnership_repo.get(partnership_id)).problems
    assert problems and all(len(p.message) <= 500 for p in problems)
