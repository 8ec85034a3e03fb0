"""A representative's /ppartner status, withdraw and bump, end to end: the real discord.py node against
the fake Discord, its events handed to the API's worker and the API's commands handed back to the node
in process (the broker's part is tested elsewhere; here, what a member sees)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from api.clock import utcnow
from api.container import Container
from api.domain.enums import ApplicationStatus
from api.services import writer as writer_module
from api.services.partnerships import ManualPartner
from api.worker import EventWorker
from bus import Envelope
from cluster.bus_link import LocalBus
from tests.api.conftest import make_settings
from tests.cluster.conftest import start_node  # noqa: F401
from tests.cluster.intake.conftest import PARTNER_CODE, Home, build_home, open_form
from tests.fakediscord import FakeDiscord, Interaction, eventually
from tests.fakediscord.fixtures import fake_discord  # noqa: F401


class Bridge(LocalBus):
    """The node's bus: events go to the API's worker; the API's commands come back to the node."""

    def __init__(self, worker: EventWorker) -> None:
        super().__init__()
        self.worker = worker
        self.tasks: set[asyncio.Task] = set()

    async def publish_event(self, env: Envelope) -> None:
        await super().publish_event(env)
        task = asyncio.create_task(self.worker.handle(env))  # not inside the node's own call
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


@pytest.fixture
async def system(fake_discord: FakeDiscord, start_node) -> AsyncIterator[tuple[Home, Container]]:  # noqa: F811
    container = await Container.open(make_settings(shard_count=1))
    bridge = Bridge(EventWorker(container))
    home = build_home(fake_discord)
    bot = await start_node(bus=bridge)

    async def to_node(env: Envelope) -> None:
        await bridge.deliver_command(bot.shard_of(int(env.guild_id)), env)

    await container.bus.consume_commands([0], to_node)
    try:
        yield home, container
    finally:
        for task in list(bridge.tasks):
            with contextlib.suppress(Exception):
                await task
        await container.close()


async def ask(fake: FakeDiscord, home: Home, what: str, user: int, **options: Any) -> str:
    """Runs /ppartner <what> as ``user``; returns the ephemeral answer the API sent back."""
    it: Interaction = await fake.slash_command(
        "ppartner", subcommand=what, user=user, guild=home.guild, options=options
    )
    ack = await it.wait_response()
    assert ack["type"] == 5 and ack["data"]["flags"] == 64  # at once: ephemeral "thinking"
    (followup,) = await eventually(lambda: it.followup_ids)
    message = fake.world.messages[followup]
    assert message.ephemeral
    return message.content


def review_status(fake: FakeDiscord, home: Home) -> str | None:
    posts = [m for m in fake.world.messages.values() if m.channel_id == home.tickets.id and m.embeds]
    if not posts:
        return None
    return next(f["value"] for f in posts[-1].embeds[0]["fields"] if f["name"] == "Status")


async def test_a_representative_sees_status_and_withdraws(fake_discord: FakeDiscord, system) -> None:  # noqa: F811
    home, container = system
    guild = home.guild.id
    await container.guild_settings.update(guild, {"review_channel_id": home.tickets.id})  # "tickets" reviews here

    it = await open_form(fake_discord, home)
    await fake_discord.modal_submit(it, {"invite": f"https://discord.gg/{PARTNER_CODE}", "advertisement": "Our ad"})
    assert (await eventually(lambda: review_status(fake_discord, home))).startswith("Pending")

    answer = await ask(fake_discord, home, "status", home.rep)
    assert "**Partner Place**: application pending since" in answer and "(number 1 of 1 in the queue)" in answer
    assert (await ask(fake_discord, home, "withdraw", home.staff)) == "You have no pending application in this server."
    assert review_status(fake_discord, home).startswith("Pending")

    answer = await ask(fake_discord, home, "withdraw", home.rep)
    assert answer.startswith("Your application for **Partner Place** is withdrawn.")
    assert await eventually(lambda: review_status(fake_discord, home) == "**WITHDRAWN** by the representative")
    (app,) = (await container.application_repo.page(guild, None, 10, None, False))[0]
    assert app.status is ApplicationStatus.WITHDRAWN
    assert (await ask(fake_discord, home, "status", home.rep)).startswith("You have no pending application")


async def test_a_representative_bumps_once_next_bump_at_has_passed(
    fake_discord: FakeDiscord,  # noqa: F811
    system,
    monkeypatch,
) -> None:
    home, container = system
    guild = home.guild.id
    await container.guild_settings.update(guild, {"showcase_channel_id": home.general.id, "bump_interval_days": 2})
    partnership = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=guild, partner_guild_id=home.partner.id, partner_name="Partner Place",
                            invite_code=PARTNER_CODE, representative_id=home.rep, advertisement="Our ad"),
        actor=home.staff,
    )  # fmt: skip

    def ads() -> list:
        return [m for m in fake_discord.world.messages.values()
                if m.channel_id == home.general.id and m.content == "Our ad" and not m.deleted]  # fmt: skip

    (first,) = await eventually(ads)
    async with asyncio.timeout(5):  # the post reported back: the interval runs from it
        while (await container.writer.load(guild)).next_bump_at(partnership.id) is None:
            await asyncio.sleep(0.01)

    assert (await ask(fake_discord, home, "bump", home.rep)).startswith("This partner may bump again after")
    assert (await ask(fake_discord, home, "bump", home.staff)).startswith("You are not the representative")
    assert ads() == [first]

    # three days later nextBumpAt has passed: the ad is re-posted and the old post replaced, not stacked
    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr(writer_module, "utcnow", lambda: later)
    assert (await ask(fake_discord, home, "bump", home.rep)).startswith(
        "Your ad for **Partner Place** is being re-posted"
    )
    (second,) = await eventually(lambda: [m for m in ads() if m.id != first.id])
    await eventually(lambda: first.deleted)
    assert ads() == [second]


async def test_a_proposed_ad_is_reviewed_and_edits_the_showcase_post_in_place(
    fake_discord: FakeDiscord,  # noqa: F811
    system,
) -> None:
    home, container = system
    w, guild = fake_discord.world, home.guild.id
    await container.guild_settings.update(guild, {"showcase_channel_id": home.general.id,
                                                  "review_channel_id": home.tickets.id})  # fmt: skip
    await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=guild, partner_guild_id=home.partner.id, partner_name="Partner Place",
                            invite_code=PARTNER_CODE, representative_id=home.rep, advertisement="Our ad"),
        actor=home.staff,
    )  # fmt: skip
    (showcase,) = await eventually(
        lambda: [m for m in w.messages.values() if m.channel_id == home.general.id and m.content == "Our ad"]
    )

    async def propose(advertisement: str, user: int = home.rep) -> str:
        it = await fake_discord.slash_command("ppartner", subcommand="ad", user=user, guild=home.guild)
        assert (await it.wait_response())["type"] == 9  # the form
        submit = await fake_discord.modal_submit(it, {"advertisement": advertisement})
        (followup,) = await eventually(lambda: submit.followup_ids)
        assert w.messages[followup].ephemeral
        return w.messages[followup].content

    def review_posts() -> list:
        return [m for m in w.messages.values() if m.channel_id == home.tickets.id and m.embeds]

    answer = await propose("Our new ad\nnow with events")
    assert answer.startswith("Your new advertisement for **Partner Place** is waiting for staff review")
    (post,) = await eventually(review_posts)
    fields = {f["name"]: f["value"] for f in post.embeds[0]["fields"]}
    assert post.embeds[0]["description"] == "Our new ad\nnow with events" and fields["Change"].startswith(
        "New advertisement"
    )
    assert showcase.content == "Our ad"  # unchanged until staff approve

    await eventually(lambda: post.reactions)  # the bot's 👍 / 👎 are on
    await fake_discord.reaction_add(post, home.staff, "👍")
    await eventually(lambda: w.messages[showcase.id].content == "Our new ad\nnow with events")
    posts = [m.id for m in w.messages.values()
             if m.channel_id == home.general.id and not m.deleted and not m.ephemeral]  # fmt: skip
    assert posts == [showcase.id]  # edited in place, not re-posted
    await eventually(lambda: review_status(fake_discord, home) == f"**ACCEPTED** by <@{home.staff}>")
    await eventually(lambda: any("was approved" in m.content for m in w.dms_to(home.rep)))

    # a second proposal, denied with 👎: the ad stays and the representative is told
    await propose("Buy followers here")
    second = await eventually(lambda: [p for p in review_posts() if p.id != post.id])
    await eventually(lambda: second[0].reactions)
    await fake_discord.reaction_add(second[0], home.staff, "👎")
    await eventually(lambda: any("was declined" in m.content for m in w.dms_to(home.rep)))
    assert w.messages[showcase.id].content == "Our new ad\nnow with events"

    # not the representative: told so at once, nothing posted for review
    assert (await propose("Mine now", user=home.staff)).endswith(
        "not the representative of an active partnership in this server."
    )
    assert len(review_posts()) == 2
