"""The compose deployment without Docker: the same processes docker-compose.yml starts, with the same
commands and settings (read from `docker-compose config` with .env.example), only the addresses changed:

- api-1, api-2: `python -m api` with RUN_WORKER on, on two ports;
- cluster-0, cluster-1: `python -m cluster`, CLUSTER_INDEX 0 and 1 of 2, splitting a 4-shard bot;
- RabbitMQ: the real broker, in a fresh vhost; MongoDB: SecantusDB's wire server;
- Discord: the fake, in this process; the nodes reach it through DISCORD_API_BASE / DISCORD_GATEWAY_URL.

One application goes from Discord to the showcase: settings set through GraphQL on replica 1, the
`/ppartner apply` form submitted in Discord, the application read on replica 2, approved through
GraphQL, and the fake records the showcase post and the edit of the review message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import EDIT, VIEW, TokenService
from api.settings import ApiSettings
from cluster.settings import ClusterSettings
from tests.fakediscord import FakeDiscord, eventually
from tests.fakediscord.fixtures import fake_discord  # noqa: F401
from tests.support.broker import create_vhost, delete_vhost, require_broker
from tests.support.mongo import free_port

from .compose import ROOT, compose_config

SHARDS = 4
HOME_SHARD = 3  # owned by cluster-1 (shards 2-3)
PARTNER_CODE = "chessclub"

SETTINGS = """mutation($g: Snowflake!, $input: PartnershipSettingsInput!) {
  updatePartnershipSettings(guildId: $g, input: $input) { settings { showcaseChannelId reviewChannelId }
    userErrors { code message } } }"""
PENDING = """query($g: Snowflake!) { guild(id: $g) { applications(status: PENDING, first: 10) {
  edges { node { id source partner { name memberCount } } } } } }"""
APPROVE = """mutation($id: ID!) { approveApplication(id: $id) { application { status }
  partnership { id status } userErrors { code message } } }"""


class Deployment:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        assert command[:2] == ["python", "-m"], command
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen([sys.executable, *command[1:]], env=env, cwd=ROOT,
                                                stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    def logs(self) -> str:
        return "\n".join(f"--- {p.stem}\n{p.read_text()[-4000:]}" for p in sorted(self.tmp.glob("*.log")))

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        assert not dead, f"exited: {dead}\n{self.logs()}"

    async def stop(self) -> dict[str, int | None]:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(p.poll() is None for p in self.processes.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        codes = {}
        for name, process in self.processes.items():
            if process.poll() is None:
                process.kill()
                process.wait()
            codes[name] = process.returncode
        return codes


def _base_env() -> dict[str, str]:
    ours = {f.upper() for f in (*ApiSettings.model_fields, *ClusterSettings.model_fields)}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["PYTHONPATH"] = str(ROOT)
    return env


async def _wait_ready(url: str, deployment: Deployment, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=3) as http:
        while True:
            deployment.check_alive()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"{url} not ready\n{deployment.logs()}"
            await asyncio.sleep(0.1)


def _start(deployment: Deployment, services: dict, names: tuple[str, ...], port_setting: str,
           **settings: str) -> dict[str, int]:  # fmt: skip
    """Starts each named service with its compose command and environment, plus `settings` and a free
    port in `port_setting`; returns each one's port."""
    ports = {}
    for name in names:
        ports[name] = free_port()
        env = {**_base_env(), **services[name]["environment"], **settings, port_setting: str(ports[name])}
        deployment.start(name, services[name]["command"], env)
    return ports


async def _graphql(http: httpx.AsyncClient, base: str, token: str, query: str, variables: dict) -> dict[str, Any]:
    response = await http.post(f"{base}/graphql", json={"query": query, "variables": variables},
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_one_application_from_discord_to_the_showcase(fake_discord: FakeDiscord, mongo_server, tmp_path) -> None:  # noqa: F811
    started = time.monotonic()
    require_broker()
    proc, config = compose_config()
    assert proc.returncode == 0 and config is not None, proc.stderr
    services = config["services"]
    assert services["api-1"]["environment"]["SHARD_COUNT"] == str(SHARDS)

    w = fake_discord.world
    home = w.add_guild("Home", shard=HOME_SHARD, shard_count=SHARDS)
    for shard in range(SHARDS):
        if shard != HOME_SHARD:
            w.add_guild(f"Other {shard}", shard=shard, shard_count=SHARDS)
    review = w.add_channel(home, "partner-review")
    showcase = w.add_channel(home, "partners")
    rep = w.add_member(home, username="representative").user_id
    partner = w.add_guild("Chess Club", bot_in_guild=False, member_count=4321, icon="c0ffee")
    w.add_invite(partner, code=PARTNER_CODE)

    vhost, amqp_url = await asyncio.to_thread(create_vhost)
    deployment = Deployment(tmp_path)
    try:
        api_ports = _start(
            deployment,
            services,
            ("api-1", "api-2"),
            "PORT",
            MONGODB_URL=mongo_server.url,
            MONGODB_DATABASE=f"compose{os.getpid()}{int(started)}",
            RABBITMQ_URL=amqp_url,
            HOST="127.0.0.1",
            JOURNAL_RELAY_SECONDS="0.5",
        )
        health_ports = _start(
            deployment,
            services,
            ("cluster-0", "cluster-1"),
            "HEALTH_PORT",
            DISCORD_TOKEN=w.token,
            DISCORD_API_BASE=fake_discord.api_base,
            DISCORD_GATEWAY_URL=fake_discord.gateway_url,
            RABBITMQ_URL=amqp_url,
            HEALTH_HOST="127.0.0.1",
            IDENTIFY_INTERVAL="0",  # no 5 s spacing between the fake's identifies
            IDENTIFY_LOCK_DIR=str(tmp_path / "identify"),
            GUILD_READY_TIMEOUT="0.05",
        )

        one, two = (f"http://127.0.0.1:{api_ports[n]}" for n in ("api-1", "api-2"))
        await asyncio.gather(
            *(_wait_ready(f"{base}/readyz", deployment) for base in (one, two)),
            *(_wait_ready(f"http://127.0.0.1:{port}/readyz", deployment) for port in health_ports.values()),
        )
        assert sorted(s.shard_id for s in fake_discord.sessions()) == list(range(SHARDS))

        token = TokenService(services["api-1"]["environment"]["AUTH_SECRET"], 15).issue(7, {home.id: [VIEW, EDIT]})
        async with httpx.AsyncClient(timeout=10) as http:
            # Settings, through replica 1.
            payload = (await _graphql(http, one, token, SETTINGS, {
                "g": str(home.id), "input": {"showcaseChannelId": str(showcase.id), "reviewChannelId": str(review.id)},
            }))["updatePartnershipSettings"]  # fmt: skip
            assert payload["userErrors"] == [], payload

            # The applicant submits `/ppartner apply` in Discord (handled by cluster-1, the home shard's node).
            it = await fake_discord.slash_command("ppartner", subcommand="apply", user=rep, guild=home)
            assert (await it.wait_response())["type"] == 9  # the form
            await fake_discord.modal_submit(
                it, {"invite": f"https://discord.gg/{PARTNER_CODE}", "advertisement": "Chess every evening. Join us!"}
            )

            # The application shows on replica 2.
            async def pending() -> list[dict] | None:
                data = await _graphql(http, two, token, PENDING, {"g": str(home.id)})
                edges = data["guild"]["applications"]["edges"]
                return edges or None

            edges = None
            deadline = time.monotonic() + 20
            while edges is None:
                deployment.check_alive()
                assert time.monotonic() < deadline, f"no application on replica 2\n{deployment.logs()}"
                edges = await pending()
                if edges is None:
                    await asyncio.sleep(0.1)
            (application,) = [e["node"] for e in edges]
            assert application["source"] == "SLASH"
            assert application["partner"] == {"name": "Chess Club", "memberCount": 4321}

            # The review post is up before staff decide (so its edit can be checked).
            review_post = await eventually(lambda: next(iter(w.messages_in(review)), None), timeout=20)

            # Approved through GraphQL (on replica 2).
            decision = (await _graphql(http, two, token, APPROVE, {"id": application["id"]}))["approveApplication"]
            assert decision["userErrors"] == [] and decision["application"]["status"] == "APPROVED"
            assert decision["partnership"]["status"] == "ACTIVE"

        # The fake records the showcase post and the review message's edit.
        posted = await eventually(lambda: next(iter(w.messages_in(showcase)), None), timeout=20)
        assert "Chess every evening" in posted.content and posted.pings_nobody
        edit = await eventually(
            lambda: fake_discord.calls.last("PATCH /channels/{channel_id}/messages/{message_id}"), timeout=20
        )
        assert edit.params["channel_id"] == review.id and edit.params["message_id"] == review_post.id
        assert w.messages[review_post.id].edited_at is not None
        deployment.check_alive()
    finally:
        codes = await deployment.stop()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(delete_vhost, vhost)
    assert codes == dict.fromkeys(codes, 0), f"{codes}\n{deployment.logs()}"
    took = time.monotonic() - started
    print(f"compose-shaped run: {took:.1f}s")
    assert took < 90
