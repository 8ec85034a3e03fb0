"""api/gc_pauses.py: on the embedded default, what survives a full collection is not walked again.
In a child process: freezing is process-wide, and the test process must keep its collector as is."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import asyncio, gc
from api.gc_pauses import freeze_after_full_collections

async def main():
    freeze_after_full_collections(asyncio.get_running_loop())
    after_start = gc.get_freeze_count()
    documents = [{"_id": str(i), "joins": [i, i + 1]} for i in range(50_000)]  # the embedded database's
    before = gc.get_freeze_count()
    gc.collect()  # a full collection
    await asyncio.sleep(0)  # the freeze runs on the loop, after the collection
    print(after_start, before, gc.get_freeze_count(), len(documents))

asyncio.run(main())
"""


def test_what_survives_a_full_collection_is_frozen_once_the_collection_ends() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True)
    after_start, before, after_collection, _ = (int(x) for x in out.stdout.split())
    assert after_start > 0  # what the process held when it started
    assert before == after_start  # nothing is frozen between collections
    assert after_collection >= before + 100_000  # the documents and their lists, never walked again
