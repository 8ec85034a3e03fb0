"""A crash between the ledger commit and the writes it owes loses nothing and breaks no count."""

from __future__ import annotations

import asyncio

import pytest

from api.container import Container
from api.domain.enums import ApplicationStatus
from api.store.mutual_links import MutualLinkRepository
from api.worker import start_worker
from tests.api.conftest import make_settings
from tests.api.factories import GUILD, OTHER_GUILD, submitted


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs."""


@pytest.fixture
def shared_settings(mongo_server, mongo_db_name):
    return make_settings(mongodb_url=mongo_server.url, mongodb_database=mongo_db_name, journal_relay_seconds=0.1)


async def _crashing(settings) -> Container:
    container = await Container.open(settings)

    async def crash(*args, **kwargs):
        raise Crash()

    container.writer._finish = crash  # dies right after the commit, before any projection write
    return container


async def _journal_finished(container: Container) -> None:
    async with asyncio.timeout(30):  # generous: the wire server is slow on a loaded machine
        while (await container.ledgers.load(GUILD))[1]:  # until every owed item is applied and pulled
            await asyncio.sleep(0.05)


async def test_a_crash_after_commit_is_finished_by_the_next_process(shared_settings):
    first = await Container.open(shared_settings)
    app = await first.applications.submit(submitted(name="Survivor"))
    doomed = await _crashing(shared_settings)
    with pytest.raises(Crash):
        await doomed.applications.approve(app, actor=7)

    # The decision is committed (the cap counts it) though no document says so yet.
    ledger, todo = await first.ledgers.load(GUILD)
    assert len(ledger.active) == 1 and todo
    assert (await first.application_repo.get(app.id)).status is ApplicationStatus.PENDING

    # A restarted process finishes the journal on its own (the relay), with no request needed.
    restarted = await Container.open(shared_settings)
    await start_worker(restarted)
    await _journal_finished(restarted)
    approved = await restarted.application_repo.get(app.id)
    assert approved.status is ApplicationStatus.APPROVED
    partnership = await restarted.partnership_repo.get(approved.partnership_id)
    assert partnership is not None and partnership.status.value == "ACTIVE"
    assert await restarted.partnership_repo.count(GUILD, None) == 1
    for container in (first, doomed, restarted):
        await container.close()


async def test_a_redelivered_submission_after_a_crash_is_recorded_once(shared_settings):
    doomed = await _crashing(shared_settings)
    event = submitted(name="Twice")
    with pytest.raises(Crash):
        await doomed.applications.submit(event)  # not acked: the broker will deliver it again
    restarted = await Container.open(shared_settings)
    app = await restarted.applications.submit(event)
    assert app is not None and app.partner.name == "Twice"
    assert await restarted.application_repo.count(GUILD, None) == 1
    assert len((await restarted.writer.load(GUILD)).pending) == 1
    for container in (doomed, restarted):
        await container.close()


async def test_a_crash_after_an_approval_or_an_end_still_links_or_unlinks_the_mutual_pair(shared_settings):
    """The pair's link is written by the journal: a process dying right after the commit cannot leave
    the partner unaware that we showcase it (or still believing we do)."""
    first = await Container.open(shared_settings)
    app = await first.applications.submit(submitted(partner_id=OTHER_GUILD))
    doomed = await _crashing(shared_settings)
    with pytest.raises(Crash):
        await doomed.applications.approve(app, actor=7)
    links = MutualLinkRepository(first.database)
    assert await links.side(GUILD, OTHER_GUILD) is None  # committed, not linked yet

    restarted = await Container.open(shared_settings)
    await start_worker(restarted)
    await _journal_finished(restarted)
    (partnership,) = await restarted.partnership_repo.list_for_guild(GUILD)
    assert await links.side(GUILD, OTHER_GUILD) == partnership.id

    with pytest.raises(Crash):
        await doomed.partnerships.end(partnership, "moving on", actor=7)
    await _journal_finished(restarted)
    assert (await restarted.partnership_repo.get(partnership.id)).status.value == "ENDED"
    assert await links.side(GUILD, OTHER_GUILD) is None
    for container in (first, doomed, restarted):
        await container.close()
