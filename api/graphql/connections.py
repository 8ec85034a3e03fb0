"""Cursor connections (Relay style): opaque cursors, stable order, `first` at most 100, totalCount."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from .types import Application, AuditEntry, BlacklistEntry, PageInfo, Partnership


@strawberry.type
class ApplicationEdge:
    cursor: str
    node: Application


@strawberry.type
class PartnershipEdge:
    cursor: str
    node: Partnership


@strawberry.type
class BlacklistEdge:
    cursor: str
    node: BlacklistEntry


@strawberry.type
class _Counted:
    """totalCount is computed only when a client asks for it (it costs a count query)."""

    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class ApplicationConnection(_Counted):
    edges: list[ApplicationEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]


@strawberry.type
class PartnershipConnection(_Counted):
    edges: list[PartnershipEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]


@strawberry.type
class BlacklistConnection(_Counted):
    edges: list[BlacklistEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditConnection(_Counted):
    edges: list[AuditEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]


def page_info(cursors: list[str], has_next: bool) -> PageInfo:
    return PageInfo(has_next_page=has_next, end_cursor=cursors[-1] if cursors else None)
