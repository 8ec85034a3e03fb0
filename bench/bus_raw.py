"""Raw aio-pika rates against the real broker, and the same work through bus.rabbit.

    .venv/bin/python bench/bus_raw.py --n 20000

In a fresh vhost (created with rabbitmqctl, deleted at the end), with realistic member.joined
envelopes (~350-byte JSON bodies) spread over 1,000 guilds:

1. raw publish: plain aio-pika, persistent messages with the bus's properties, publisher confirms
   pipelined (a window of --window publishes in flight), through a topic exchange into a quorum
   queue shaped like partners.events.api (dead-letter exchange, delivery limit);
2. raw consume: manual ack per message, prefetch --prefetch, queue filled beforehand;
3. bus publish: RabbitBus.publish_event with --window concurrent publishes (envelope encoding,
   kind check, confirms, retry wrapper);
4. bus consume: RabbitBus.consume_events with a no-op handler (decode + contract validation,
   per-guild ordering, dedup, ack per message), queue filled beforehand.

Each rate is messages / seconds from the first operation to the last confirm or ack. Raw and bus
runs alternate --repeat times and the best of each is kept, so a neighbour's load on a shared
machine skews both sides alike rather than one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aio_pika

# Runnable as a plain script from anywhere: make the repo root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bus import Envelope, RabbitBus
from bus.contracts import MemberJoined
from bus.topology import work_queue_arguments

RAW_EXCHANGE = "bench.raw"
RAW_QUEUE = "bench.raw"


def rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl") or shutil.which("rabbitmqctl", path="/usr/sbin:/sbin")
    if exe is None:
        raise SystemExit("rabbitmqctl not found: is rabbitmq-server installed and running?")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False, timeout=60)
    if proc.returncode != 0:
        raise SystemExit(f"rabbitmqctl {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")


def envelopes(n: int, guilds: int) -> list[Envelope]:
    rng = random.Random(42)
    guild_ids = [rng.getrandbits(63) | (1 << 56) for _ in range(guilds)]
    created = datetime(2017, 5, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        data = MemberJoined(
            user_id=rng.getrandbits(63) | (1 << 56),
            invite_code="aB3dE5f",
            join_type="INVITE",
            candidates=["aB3dE5f"],
            joined_at=datetime.now(UTC),
            account_created_at=created,
            bot=False,
        )
        out.append(Envelope.new("member.joined", guild_ids[i % guilds], data))
    return out


def message(env: Envelope, body: bytes) -> aio_pika.Message:
    # The same properties bus.rabbit_publisher sets.
    return aio_pika.Message(
        body,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=env.id,
        type=env.type,
        timestamp=env.occurred_at,
        app_id="bench",
    )


async def raw(url: str, envs: list[Envelope], window: int, prefetch: int) -> tuple[float, float]:
    n = len(envs)
    publisher = await aio_pika.connect(url)
    consumer = await aio_pika.connect(url)
    try:
        channel = await publisher.channel(publisher_confirms=True)
        # The same path as an event: a topic exchange bound with "#" to a quorum queue.
        await channel.declare_exchange("partners.dlx", aio_pika.ExchangeType.FANOUT, durable=True)
        exchange = await channel.declare_exchange(RAW_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(RAW_QUEUE, durable=True, arguments=work_queue_arguments(5))
        await queue.bind(exchange, "#")
        # Encoding is part of publishing (the bus encodes each envelope too).
        bodies = [e.to_json() for e in envs]

        started = time.perf_counter()
        for i in range(0, n, window):
            await asyncio.gather(
                *(exchange.publish(message(envs[j], bodies[j]), envs[j].type) for j in range(i, min(n, i + window)))
            )
        publish_rate = n / (time.perf_counter() - started)

        cchannel = await consumer.channel()
        await cchannel.set_qos(prefetch_count=prefetch)
        queue = await cchannel.get_queue(RAW_QUEUE)
        done = asyncio.Event()
        count = 0

        async def on_message(msg: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal count
            await msg.ack()
            count += 1
            if count == n:
                done.set()

        started = time.perf_counter()
        await queue.consume(on_message)
        await done.wait()
        consume_rate = n / (time.perf_counter() - started)
        return publish_rate, consume_rate
    finally:
        await consumer.close()
        await publisher.close()


async def raw_latency(url: str, envs: list[Envelope], rate: float, prefetch: int) -> list[float]:
    """The broker's own round trip at a fixed offered rate, for the pipeline's latency to be read
    against: each envelope published (confirmed, persistent, into the same quorum-queue path) at its
    time, consumed and acked by a second connection; seconds from the publish call to the delivery,
    sorted. The queue is the ceiling's, empty by then."""
    publisher = await aio_pika.connect(url)
    consumer = await aio_pika.connect(url)
    try:
        channel = await publisher.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(RAW_EXCHANGE)
        cchannel = await consumer.channel()
        await cchannel.set_qos(prefetch_count=prefetch)
        queue = await cchannel.get_queue(RAW_QUEUE)
        sent: dict[str, float] = {}
        latencies: list[float] = []
        done = asyncio.Event()

        async def on_message(msg: aio_pika.abc.AbstractIncomingMessage) -> None:
            latencies.append(time.perf_counter() - sent[msg.message_id])
            await msg.ack()
            if len(latencies) == len(envs):
                done.set()

        await queue.consume(on_message)
        tasks = []
        begin = time.perf_counter() + 0.05
        for i, env in enumerate(envs):
            await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
            sent[env.id] = time.perf_counter()
            tasks.append(asyncio.create_task(exchange.publish(message(env, env.to_json()), env.type)))
        await asyncio.gather(*tasks)
        await asyncio.wait_for(done.wait(), 60)
        return sorted(latencies)
    finally:
        await consumer.close()
        await publisher.close()


async def through_bus(url: str, envs: list[Envelope], window: int, prefetch: int) -> tuple[float, float]:
    n = len(envs)
    publisher = RabbitBus(url, name="bench-publish")
    consumer = RabbitBus(url, prefetch=prefetch, name="bench-consume")
    await publisher.start()
    await consumer.start()
    try:
        started = time.perf_counter()
        for i in range(0, n, window):
            await asyncio.gather(*(publisher.publish_event(e) for e in envs[i : i + window]))
        publish_rate = n / (time.perf_counter() - started)

        done = asyncio.Event()

        async def handler(env: Envelope) -> None:
            if consumer.stats.consumed + 1 == n:
                done.set()

        started = time.perf_counter()
        await consumer.consume_events(handler)
        await done.wait()
        # The last handler returned; wait for its ack to be counted too.
        while consumer.stats.consumed < n:
            await asyncio.sleep(0.001)
        consume_rate = n / (time.perf_counter() - started)
        return publish_rate, consume_rate
    finally:
        await consumer.close()
        await publisher.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages per measurement")
    parser.add_argument("--window", type=int, default=500, help="publishes in flight (confirm pipeline)")
    parser.add_argument("--prefetch", type=int, default=500)
    parser.add_argument("--guilds", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; the best of each is kept")
    parser.add_argument("--host", default="127.0.0.1:5672")
    args = parser.parse_args()

    vhost = f"bench-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = f"amqp://guest:guest@{args.host}/{vhost}"
        envs = envelopes(args.n, args.guilds)
        size = sum(len(e.to_json()) for e in envs[:1000]) / min(1000, len(envs))
        print(
            f"{args.n} member.joined envelopes, ~{size:.0f} bytes, {args.guilds} guilds, "
            f"window {args.window}, prefetch {args.prefetch}, vhost {vhost}"
        )
        runs: dict[str, list[tuple[float, float]]] = {"raw": [], "bus": []}
        for rep in range(args.repeat):
            # Alternate which side goes first, so a slow start (or a neighbour's burst) is shared.
            for side in ("raw", "bus") if rep % 2 == 0 else ("bus", "raw"):
                measure = raw if side == "raw" else through_bus
                runs[side].append(await measure(url, envs, args.window, args.prefetch))
        raw_pub, raw_con = (max(r[i] for r in runs["raw"]) for i in (0, 1))
        bus_pub, bus_con = (max(r[i] for r in runs["bus"]) for i in (0, 1))
    finally:
        with contextlib.suppress(SystemExit):
            rabbitmqctl("delete_vhost", vhost)

    print(f"{'':10}{'raw aio-pika':>16}{'bus.rabbit':>16}{'bus / raw':>12}")
    print(f"{'publish':10}{raw_pub:>12,.0f} /s {bus_pub:>12,.0f} /s {bus_pub / raw_pub:>11.0%}")
    print(f"{'consume':10}{raw_con:>12,.0f} /s {bus_con:>12,.0f} /s {bus_con / raw_con:>11.0%}")


if __name__ == "__main__":
    asyncio.run(main())
