"""Health: ``GET /healthz`` (the process is up) and ``GET /readyz`` (200 once every shard of this node
is ready, else 503; each shard's state and heartbeat latency; 503 while draining on SIGTERM), and
``GET /metrics`` (Prometheus, cluster/metrics.py) on HEALTH_HOST:HEALTH_PORT. Off when HEALTH_PORT is empty."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from discord.ext import commands

from cluster.metrics import shard_latencies

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

log = logging.getLogger(__name__)


class Health(commands.Cog):
    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self.port: int | None = None  # the bound port (HEALTH_PORT=0 picks a free one)
        self._runner: web.AppRunner | None = None

    async def cog_load(self) -> None:
        settings = self.bot.settings
        if settings.health_port is None:
            return
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, settings.health_host, settings.health_port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("health on http://%s:%s/readyz", settings.health_host, self.port)

    async def cog_unload(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _body(self) -> dict[str, object]:
        readiness = self.bot.readiness
        latencies = shard_latencies(self.bot)
        return {
            "node": self.bot.settings.node_name,
            "ready": readiness.is_ready() and not getattr(self.bot, "draining", False),
            "draining": getattr(self.bot, "draining", False),
            "shards": readiness.snapshot(),
            # heartbeat latency per shard, in seconds (null before the first heartbeat is acknowledged)
            "latencies": {str(i): latencies.get(i) for i in readiness.shard_ids},
            "guilds": len(self.bot.guilds),
            "consuming": sorted(self.bot.consuming_shards),
        }

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", **self._body()})

    async def readyz(self, request: web.Request) -> web.Response:
        body = self._body()
        return web.json_response(body, status=200 if body["ready"] else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        metrics = self.bot.metrics
        return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type})

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        log.info("all shards of %s ready, %d guilds", self.bot.settings.node_name, len(self.bot.guilds))


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Health(bot))
