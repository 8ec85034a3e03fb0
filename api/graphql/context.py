"""The typed Strawberry context: services, loaders and the caller, for one request or websocket."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property

from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from ..auth import AuthError, Principal, TokenService
from ..container import Container
from .errors import forbidden, unauthenticated
from .loaders import Loaders
from .reads import ReadLog


class Context(BaseContext):
    def __init__(self, container: Container, tokens: TokenService, reads: ReadLog | None = None):
        """`reads`: where the loaders record what they read, when the answer may be reused
        (api/graphql/result_cache.py)."""
        super().__init__()
        self.container = container
        self.tokens = tokens
        self.loaders = Loaders.create(container, reads)

    def _authorization(self) -> str | None:
        if self.connection_params is not None:  # websocket: from connection_init
            value = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
            return value if isinstance(value, str) else None
        return self.request.headers.get("authorization") if self.request is not None else None

    @cached_property
    def _principal(self) -> Principal | AuthError:
        try:
            return self.tokens.from_header(self._authorization())
        except AuthError as error:
            return error

    def principal(self) -> Principal:
        """The caller; UNAUTHENTICATED when the token is missing, bad or expired."""
        found = self._principal
        if isinstance(found, AuthError):
            raise unauthenticated(str(found))
        if found.expires_at <= datetime.now(UTC):  # a long-lived websocket outlives its token
            raise unauthenticated("The token has expired.")
        return found

    def require_view(self, guild_id: int) -> Principal:
        principal = self.principal()
        if not principal.can_view(guild_id):
            raise forbidden()
        return principal

    def require_edit(self, guild_id: int) -> Principal:
        principal = self.principal()
        if not principal.can_edit(guild_id):
            raise forbidden("You need partnerships.edit on this guild.")
        return principal

    def can_view(self, guild_id: int) -> bool:
        return self.principal().can_view(guild_id)


Info = _Info[Context, None]
