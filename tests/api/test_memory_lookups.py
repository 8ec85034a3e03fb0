"""The embedded database finds documents by _id by key; every answer is the one a scan gives."""

from __future__ import annotations

import pytest

from api.store.database import open_database


@pytest.fixture
async def things():
    db = open_database("", "lookups")
    docs = [{"_id": f"k{i}", "n": i, "tag": "even" if i % 2 == 0 else "odd"} for i in range(10)]
    docs += [{"_id": 7, "n": 70, "tag": "int"}]
    await db.db.things.insert_many(docs)
    return db.db.things


async def ids(cursor) -> list:
    return [d["_id"] async for d in cursor]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"_id": "k3"}, ["k3"]),
        ({"_id": "missing"}, []),
        ({"_id": {"$in": ["k8", "k1", "nope", "k4"]}}, ["k1", "k4", "k8"]),  # stored order, as a scan gives
        ({"_id": {"$in": ["k2", "k3"]}, "tag": "even"}, ["k2"]),  # the rest of the filter still applies
        ({"_id": 7}, [7]),
        ({"_id": "7"}, []),  # a string is not the number 7, as in MongoDB
        ({"_id": {"$in": []}}, []),
        ({"_id": {"$gt": "k7"}}, ["k8", "k9"]),  # not a pinned lookup: scanned
    ],
)
async def test_a_lookup_by_id_answers_as_the_scan_does(things, query, expected):
    assert await ids(things.find(query)) == expected


async def test_updates_and_deletes_by_id_touch_only_that_document(things):
    await things.update_one({"_id": "k5"}, {"$set": {"n": 500}})
    await things.delete_one({"_id": {"$in": ["k6"]}})
    assert (await things.find_one({"_id": "k5"}))["n"] == 500
    assert await things.find_one({"_id": "k6"}) is None
    assert await things.count_documents({}) == 10


async def test_an_upsert_by_a_missing_id_inserts(things):
    await things.update_one({"_id": "new"}, {"$set": {"n": 1}}, upsert=True)
    assert await ids(things.find({"_id": {"$in": ["new", "k0"]}})) == ["k0", "new"]
