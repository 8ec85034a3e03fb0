"""/readyz, /metrics and structured logs of the API process."""

from __future__ import annotations

import io
import json
import logging

from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.container import Container
from bus.logs import configure_logging, message_context, redact
from tests.api.conftest import make_settings, serve
from tests.api.factories import GUILD, joined

QUEUE = "query Queue($g: Snowflake!) { guild(id: $g) { limits { pendingCount } } }"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_readyz_and_metrics(api, worker) -> None:
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}

    await api.data(QUEUE, {"g": str(GUILD)})
    await api.data(QUEUE, {"g": str(GUILD)})
    await api.post("{ __typename }")
    await worker.handle(joined(GUILD, None, join_type="VANITY"))
    async with api.subscription(f'subscription {{ partnershipQueue(guildId: "{GUILD}") {{ type }} }}'):
        response = await api.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    ok = (("operation_name", "Queue"), ("operation_type", "query"), ("outcome", "ok"))
    assert found[("partners_graphql_operations_total", ok)] == 2
    assert found[("partners_graphql_operations_total", (("operation_name", "anonymous"), ("operation_type", "query"),
                                                       ("outcome", "ok")))] == 1  # fmt: skip
    assert found[("partners_graphql_operation_duration_seconds_count",
                  (("operation_name", "Queue"), ("operation_type", "query")))] == 2  # fmt: skip
    assert found[("partners_graphql_subscriptions_open", ())] == 1
    assert found[("partners_joins_attributed_total", (("join_type", "VANITY"),))] == 1
    assert found[("partners_outbox_backlog_guilds", ())] == 0
    assert ("partners_bus_messages_consumed_total", ()) in found


async def test_readyz_names_the_failing_part(api, monkeypatch) -> None:
    async def unreachable() -> None:
        raise ConnectionError("no route")

    monkeypatch.setattr(api.container.database, "ping", unreachable)
    response = await api.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    api.container.draining = True
    monkeypatch.undo()
    response = await api.http.get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["shutdown"]


async def test_a_broker_outage_degrades_but_keeps_the_replica_in_service(api, monkeypatch) -> None:
    from pydantic import SecretStr

    monkeypatch.setattr(api.container, "settings", api.container.settings.model_copy(
        update={"rabbitmq_url": SecretStr("amqp://guest:guest@127.0.0.1:1/")}))  # fmt: skip
    monkeypatch.setattr(api.container.bus, "health", lambda: {"connected": False, "consumers": 0}, raising=False)
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and "broker" in response.json()["failing"]


async def test_each_app_has_its_own_registry() -> None:
    settings = make_settings()
    one, two = await Container.open(settings), await Container.open(settings)
    try:
        async with serve(create_app(settings, container=one)) as base_one, serve(create_app(settings, container=two)):
            one.metrics.join_attributed("INVITE")
            import httpx

            async with httpx.AsyncClient(base_url=base_one) as http:
                assert "partners_joins_attributed_total" in (await http.get("/metrics")).text
        assert one.metrics.registry is not two.metrics.registry
        assert two.metrics.joins.labels("INVITE")._value.get() == 0
    finally:
        await one.close()
        await two.close()


def test_json_logs_carry_the_message_context_and_hide_secrets() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", "json", static={"service": "api"}, stream=stream)
        log = logging.getLogger("api.test")
        envelope = joined(GUILD, "abc")
        with message_context(envelope):
            log.info("handled %s", "it")
        log.warning("connecting to amqp://user:s3cret@broker:5672/ with Bearer abcdefghijklmnop")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert {"time", "level", "logger", "message"} <= first.keys()
    assert first["message"] == "handled it" and first["service"] == "api"
    assert first["guild_id"] == str(GUILD) and first["message_id"] == envelope.id
    assert first["message_type"] == "member.joined"
    assert "guild_id" not in lines[1]
    assert "s3cret" not in lines[1]["message"] and "abcdefghijklmnop" not in lines[1]["message"]
    assert "ValueError: boom" in lines[2]["exc"]
    assert redact("mongodb://app:pw@mongo:27017/") == "mongodb://app:***@mongo:27017/"


async def test_worker_handle_sets_the_context(worker, caplog) -> None:
    from bus.logs import MessageContextFilter

    caplog.handler.addFilter(MessageContextFilter())
    envelope = joined(GUILD, None, join_type="UNKNOWN")
    envelope = envelope.model_copy(update={"type": "made.up.event"})
    with caplog.at_level(logging.INFO, logger="api.worker"):
        await worker.handle(envelope)
    (record,) = [r for r in caplog.records if "ignoring event type" in r.getMessage()]
    assert record.guild_id == str(GUILD) and record.message_id == envelope.id
