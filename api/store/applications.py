"""Reads of application documents (writes come from the guild journal)."""

from __future__ import annotations

from ..domain.enums import ApplicationStatus
from ..domain.models import Application, ReviewPost
from .database import Database
from .documents import application_from_doc
from .listing import GuildListing


class ApplicationRepository(GuildListing[Application, ApplicationStatus]):
    def __init__(self, database: Database):
        super().__init__(database.applications, "submitted_at", application_from_doc)

    async def get(self, application_id: str) -> Application | None:
        doc = await self._coll.find_one({"_id": application_id})
        return None if doc is None else application_from_doc(doc)

    async def get_many(self, ids: list[str]) -> dict[str, Application]:
        return {d["_id"]: application_from_doc(d) async for d in self._coll.find({"_id": {"$in": ids}})}

    async def by_review_message(self, message_id: int) -> Application | None:
        doc = await self._coll.find_one({"review.message_id": str(message_id)})
        return None if doc is None else application_from_doc(doc)

    async def set_review(self, application_id: str, review: ReviewPost) -> None:
        await self._coll.update_one(
            {"_id": application_id},
            {"$set": {"review": {"channel_id": str(review.channel_id), "message_id": str(review.message_id)}}},
        )
