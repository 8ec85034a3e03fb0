"""The FastAPI application factory: `create_app(settings)`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from graphql import GraphQLError
from starlette.requests import HTTPConnection
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from .auth import TokenService
from .container import Container
from .dashboard import mount_dashboard
from .export import build_export_router
from .graphiql import graphiql_page, mount_graphiql
from .graphql.context import Context
from .graphql.result_cache import READS, QueryResultCache
from .graphql.schema import build_schema
from .graphql.websocket_limits import LegacyWSHandler, SizeLimitedAdapter, SubscriptionQuota, TransportWSHandler
from .lifecycle import OpenWebSockets, TrackWebSockets, check_readiness, start_live
from .login import build_login_router
from .request_limits import RequestSizeLimit
from .settings import ApiSettings
from .worker import start_worker

log = logging.getLogger(__name__)


class _Router(GraphQLRouter):
    """The GraphQL endpoint; its websockets are bounded (api/graphql/websocket_limits.py)."""

    websocket_adapter_class = SizeLimitedAdapter
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, *args: Any, ws_max_message_bytes: int, quota: SubscriptionQuota, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ws_max_message_bytes = ws_max_message_bytes
        self.subscription_quota = quota

    def parse_json(self, data: str | bytes) -> Any:
        """A body that is JSON but not an object (`"str"`, `42`, `null`) is a 400, like malformed JSON.
        A list stays a list: strawberry answers it (batching is off) with its own 400."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, 'The request body must be a JSON object: {"query": "…", "variables": {…}}.')
        return parsed

    async def on_ws_connect(self, context: Context) -> Any:
        """A websocket must authenticate in `connection_init` ({"Authorization": "Bearer <jwt>"})."""
        try:
            context.principal()
        except GraphQLError as exc:
            raise ConnectionRejectionError({"message": exc.message}) from None
        return None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page()  # from this package's files: nothing fetched from a CDN (api/graphiql)


def create_app(
    settings: ApiSettings, container: Container | None = None, tokens: TokenService | None = None
) -> FastAPI:
    """Builds the app. The container (database + bus) opens in the lifespan unless one is given
    (tests share one between app instances that way)."""
    secret = settings.auth_secret.get_secret_value()
    tokens = tokens or TokenService(secret or TokenService.generate_secret(), settings.auth_token_minutes)
    state: dict[str, Container] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        state["container"] = container or await Container.open(settings)
        app.state.container = state["container"]
        if owned:
            await start_live(state["container"])
            if settings.run_worker:
                await start_worker(state["container"])
        try:
            yield
        finally:
            if owned:
                await state["container"].close()

    async def get_context(connection: HTTPConnection) -> Context:
        return Context(state["container"], tokens, connection.scope.get(READS))

    schema = build_schema(settings)
    app = FastAPI(title="Partnerships", lifespan=lifespan)
    # Innermost: repeated dashboard queries answered from kept answers while their reads are unchanged.
    app.add_middleware(QueryResultCache, schema=schema._schema, container=lambda: state["container"], tokens=tokens)
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)
    app.state.websockets = OpenWebSockets()  # closed with 1001 on shutdown (api/lifecycle.py)
    app.add_middleware(TrackWebSockets, registry=app.state.websockets)
    app.state.tokens = tokens
    if container is not None:
        state["container"] = container
        app.state.container = container
    router = _Router(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
        ws_max_message_bytes=settings.ws_max_message_bytes,
        quota=SubscriptionQuota(settings.ws_max_subscriptions_per_user),
    )
    app.include_router(router, prefix="/graphql")
    if settings.graphiql:
        mount_graphiql(app)  # /graphiql/: the GraphiQL page's scripts and styles
    app.include_router(build_login_router(settings))  # /auth/discord/login, /callback, /auth/refresh, /logout
    app.include_router(build_export_router())  # /export/{guildId}/partnerships.csv
    mount_dashboard(app, settings)  # /dashboard/: the staff dashboard's static files
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """503 when the database does not answer or the process is shutting down; 200 otherwise, with
        status "degraded" and the failing parts named when the broker or consumers are down."""
        ready, body = await check_readiness(state["container"])
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        """Prometheus metrics of this process (api/metrics.py); keep it off the public proxy."""
        registry = state["container"].metrics
        return Response(await registry.render(), media_type=registry.content_type)

    return app
