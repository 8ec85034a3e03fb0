"""`python -m api [--demo]`: the API on its settings; with nothing configured, the embedded default
(in-memory database, in-process bus) and a ready-to-use token for a demo guild."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from bus.logs import configure_logging

from .app import create_app
from .auth import EDIT, VIEW, TokenService
from .gc_pauses import freeze_after_full_collections
from .lifecycle import GracefulServer, start_live
from .settings import load_settings_or_exit
from .startup import open_container_or_exit, parser
from .worker import start_worker

log = logging.getLogger("api")


def main() -> None:
    arguments = parser("python -m api", __doc__)
    arguments.add_argument(
        "--demo", action="store_true", help="fill the demo guild with a realistic queue and partners"
    )
    arguments.add_argument(
        "--demo-every",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="with --demo: seconds between simulated arrivals (applications, partner joins)",
    )
    args = arguments.parse_args()
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, static={"service": "api"})
    asyncio.run(_serve(settings, args.demo, max(0.05, args.demo_every)))


async def _serve(settings, demo: bool, demo_every: float = 5.0) -> None:
    secret = settings.auth_secret.get_secret_value()
    made_up = not secret
    tokens = TokenService(secret or TokenService.generate_secret(), settings.auth_token_minutes)
    container = await open_container_or_exit(settings)
    if container.database.in_memory:  # the embedded default: the database lives in this heap
        freeze_after_full_collections(asyncio.get_running_loop())
    await start_live(container)
    if settings.run_worker:
        await start_worker(container)
    guild_id = int(settings.demo_guild_id)
    if demo:
        from .demo import fill_demo_guild

        await fill_demo_guild(container, guild_id)
    url = f"http://{settings.host}:{settings.port}/graphql"
    if settings.log_format == "json":
        log.info("serving GraphQL on %s", url)
    else:
        print(f"GraphiQL: {url}", flush=True)
    if made_up or demo:
        from datetime import timedelta

        token = tokens.issue(1, {guild_id: [VIEW, EDIT]}, lifetime=timedelta(hours=12))
        dashboard = f"http://{settings.host}:{settings.port}/dashboard/"
        print(
            f"Dashboard: {dashboard} (paste the token on its sign-in page)\n"
            f"Demo guild {guild_id}. Token (12 h, header 'Authorization: Bearer <token>'):\n{token}",
            flush=True,
        )
    app = create_app(settings, container=container, tokens=tokens)
    grace = settings.shutdown_grace_seconds

    async def drain() -> None:
        """SIGTERM: /readyz 503, websockets closed with 1001, event consumers cancelled and the running
        handlers finished (bounded); uvicorn then finishes the requests in flight (same bound)."""
        container.draining = True
        closed, _ = await asyncio.gather(
            app.state.websockets.close_all(wait=min(grace, 5.0)), container.stop_consuming()
        )
        log.info("drained: %d websockets closed, consumers stopped", closed)

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        timeout_graceful_shutdown=grace,
        # Behind a proxy, its X-Forwarded-For names the client (the /auth throttle counts per client).
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # Subscription messages are a few hundred bytes: compressing each one costs CPU per subscriber
        # and saves next to nothing (measured in bench/bus.py's fan-out).
        ws_per_message_deflate=False,
        ws_max_size=settings.ws_max_message_bytes,  # refused by the server before it is buffered (1009)
    )
    server = GracefulServer(config, drain)
    simulation = None
    if demo:
        from .demo_live import DemoSimulation

        simulation = asyncio.create_task(DemoSimulation(container, guild_id, every=demo_every).run())
    try:
        await server.serve()
    finally:
        if simulation is not None:  # stopped before the database it writes to is closed
            simulation.cancel()
            await asyncio.gather(simulation, return_exceptions=True)
        await container.close()
        log.info("stopped")


if __name__ == "__main__":
    main()
