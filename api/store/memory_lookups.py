"""The embedded default's database (mongomock) finds documents by `_id` by key, as MongoDB's `_id`
index does, instead of testing every document of the collection.

mongomock answers every query by scanning the whole collection, so on the embedded default a page of
25 applications read by id cost more than the rest of the request (bench/graphql.py's queue query).
A filter that pins `_id` to one value or to an `$in` list of values can only match documents stored
under those keys: they are taken from the store by key, then tested against the whole filter exactly as
before, so every answer is the one the scan gave (in the collection's order). Anything else still scans.
"""

from __future__ import annotations

from mongomock import collection as _collection
from mongomock.filtering import filter_applies

_scan = _collection.Collection._iter_documents


def _keys(filter: object) -> list | None:
    """The `_id` values a filter pins its matches to, or None when it does not pin them."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return None
    wanted = filter["_id"]
    if isinstance(wanted, dict):
        if set(wanted) != {"$in"} or not isinstance(wanted["$in"], list | tuple):
            return None
        wanted = list(wanted["$in"])
    else:
        wanted = [wanted]
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in wanted):
        return None  # ObjectIds, documents, regexes...: compared by mongomock's own rules, so scanned
    return wanted


def _iter_documents(self, filter):
    keys = _keys(filter)
    if keys is None or len(self._store) == 0:
        return _scan(self, filter)
    found = {}
    for key in keys:  # strings and integers only (`_keys`), so each can be looked up by key
        if key in self._store:
            found[key] = self._store[key]
    if len(found) > 1:  # the scan's order: the order the documents were stored in
        order = {k: i for i, k in enumerate(self._store._documents) if k in found}
        found = dict(sorted(found.items(), key=lambda item: order[item[0]]))
    return (document for document in found.values() if filter_applies(filter, document))


def install() -> None:
    """Once per process, before the in-memory database is used (idempotent)."""
    _collection.Collection._iter_documents = _iter_documents
