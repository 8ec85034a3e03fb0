"""2,000 member.joined events through a real broker to a separate worker process, with faults in
the middle of the stream: exactly the right count at the end, nothing lost, nothing doubled.

2,000 (was 5,000) keeps every fault mid-stream: it strikes after 400 are counted, with the worker's
prefetch window (200) full of unacknowledged deliveries and 1,600 still to come."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from bus import make_bus
from tests.api.factories import GUILD, joined, manual_partnership
from tests.support.broker import arabbitmqctl, vhost_of

N = 2000
STALL = 90.0  # seconds without progress that mean events are stuck (a worker's start-up included)


async def _seed(open_container) -> tuple:
    container = await open_container()
    partnership = await manual_partnership(container, tracked="trk")
    return container, partnership


async def _count(container, partnership_id: str) -> int:
    return (await container.partnership_repo.get(partnership_id)).join_count


async def wait_for_count(container, partnership_id: str, at_least: int, stall: float = STALL) -> int:
    """Waits until `at_least` joins are counted. Fails only when the count stops rising for `stall`
    seconds: a busy machine makes the stream slow, which is no failure; losing events is."""
    last, since = -1, time.monotonic()
    while (count := await _count(container, partnership_id)) < at_least:
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > stall:
            raise AssertionError(f"{count} of {at_least} joins counted, and no progress for {stall:.0f}s")
        await asyncio.sleep(0.1)
    return count


async def assert_counted_exactly(container, partnership_id: str, n: int) -> None:
    """Waits until `n` joins are counted, then checks that nothing was doubled or lost anywhere."""
    await wait_for_count(container, partnership_id, n)
    # The point of the wait: a redelivery counted twice would show up now, after the count reached n.
    await asyncio.sleep(1.0)
    assert await _count(container, partnership_id) == n
    assert (await container.partnership_repo.get(partnership_id)).retained_count == n
    assert await container.database.joins.count_documents({"partnership_id": partnership_id}) == n


async def _publish_all(url: str, events) -> None:
    publisher = make_bus(url, publish_timeout=60)
    await publisher.start()
    try:
        for start in range(0, len(events), 200):  # pipelined in slices, confirms awaited per slice
            await asyncio.gather(*(publisher.publish_event(e) for e in events[start : start + 200]))
    finally:
        await publisher.close()


async def _run_with_fault(open_container, shared_settings, worker_process, fault) -> None:
    container, partnership = await _seed(open_container)
    events = [joined(GUILD, "trk", user_id=2_000_000_000_000_000_000 + i) for i in range(N)]
    worker = worker_process()
    publishing = asyncio.create_task(_publish_all(shared_settings.rabbitmq_url.get_secret_value(), events))

    await wait_for_count(container, partnership.id, N // 5)  # the fault strikes mid-stream
    worker = await fault(worker)

    await publishing
    await assert_counted_exactly(container, partnership.id, N)
    assert worker.poll() is None, "the worker must survive the fault"


@pytest.mark.slow
@pytest.mark.timeout(900)  # only a stall fails the test; a busy machine makes it slow
async def test_worker_killed_mid_stream_and_restarted(open_container, shared_settings, worker_process):
    async def kill_and_restart(worker):
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        return worker_process()

    await _run_with_fault(open_container, shared_settings, worker_process, kill_and_restart)


@pytest.mark.slow
@pytest.mark.timeout(900)  # only a stall fails the test; a busy machine makes it slow
async def test_broker_connections_closed_mid_stream(open_container, shared_settings, worker_process):
    async def close_connections(worker):
        vhost = vhost_of(shared_settings.rabbitmq_url.get_secret_value())
        await arabbitmqctl("close_all_connections", "--vhost", vhost, "test fault")
        return worker

    await _run_with_fault(open_container, shared_settings, worker_process, close_connections)


@pytest.mark.slow
@pytest.mark.timeout(900)  # only a stall fails the test; a busy machine makes it slow
async def test_broker_stopped_and_started_mid_stream(open_container, shared_settings, worker_process, private_broker):
    """The broker is a node of this session's own (asking for `private_broker` puts the test's whole
    bus on it), so stopping it disturbs no one else on the machine."""

    async def restart_broker(worker):
        async with private_broker.stopped():
            await asyncio.sleep(2)  # the outage itself: the worker and the publisher must wait it out
        return worker

    await _run_with_fault(open_container, shared_settings, worker_process, restart_broker)
