"""Health: ``GET /healthz`` (the process is up) and ``GET /readyz`` (200 once every shard of this node
is ready, else 503) on HEALTH_HOST:HEALTH_PORT. Off when HEALTH_PORT is empty."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from discord.ext import commands

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
        return {
            "node": self.bot.settings.node_name,
            "ready": readiness.is_ready(),
            "shards": readiness.snapshot(),
            "guilds": len(self.bot.guilds),
            "consuming": sorted(self.bot.consuming_shards),
        }

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", **self._body()})

    async def readyz(self, request: web.Request) -> web.Response:
        body = self._body()
        return web.json_response(body, status=200 if body["ready"] else 503)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        log.info("all shards of %s ready, %d guilds", self.bot.settings.node_name, len(self.bot.guilds))


async def setup(bot: PartnersBot) -> None:
    await bot.add_cog(Health(bot))
