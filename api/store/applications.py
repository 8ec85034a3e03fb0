"""Reads of application documents (writes come from the guild journal)."""

from __future__ import annotations

from datetime import datetime

from ..domain.enums import ApplicationStatus
from ..domain.models import Application, ReviewPost
from .database import Database
from .documents import application_from_doc
from .paging import keyset_page
from .search import with_search


class ApplicationRepository:
    def __init__(self, database: Database):
        self._apps = database.applications

    async def get(self, application_id: str) -> Application | None:
        doc = await self._apps.find_one({"_id": application_id})
        return None if doc is None else application_from_doc(doc)

    async def get_many(self, ids: list[str]) -> dict[str, Application]:
        return {d["_id"]: application_from_doc(d) async for d in self._apps.find({"_id": {"$in": ids}})}

    async def page(
        self,
        guild_id: int,
        status: ApplicationStatus | None,
        first: int,
        after: tuple[datetime, str] | None,
        newest_first: bool,
        search: str | None = None,
    ) -> tuple[list[Application], bool]:
        query: dict = {"guild_id": str(guild_id)}
        if status is not None:
            query["status"] = status.value
        docs, more = await keyset_page(
            self._apps, with_search(query, search), "submitted_at", first, after, newest_first
        )
        return [application_from_doc(d) for d in docs], more

    async def count(self, guild_id: int, status: ApplicationStatus | None, search: str | None = None) -> int:
        query: dict = {"guild_id": str(guild_id)}
        if status is not None:
            query["status"] = status.value
        return await self._apps.count_documents(with_search(query, search))

    async def by_review_message(self, message_id: int) -> Application | None:
        doc = await self._apps.find_one({"review.message_id": str(message_id)})
        return None if doc is None else application_from_doc(doc)

    async def set_review(self, application_id: str, review: ReviewPost) -> None:
        await self._apps.update_one(
            {"_id": application_id},
            {"$set": {"review": {"channel_id": str(review.channel_id), "message_id": str(review.message_id)}}},
        )
