"""Short garbage-collector pauses for a process whose heap holds the embedded database.

On the embedded default the database's documents live in this process's heap. A full collection
(generation 2) walks every live object, so its pause grows with the data: 80-140 ms once 30,000
joins are stored (bench/bus.py prints the worker's pauses), and every event and request waits that
long. Those documents are plain dicts and lists, freed by reference counting; walking them again and
again finds nothing. So after each full collection its survivors are frozen (gc.freeze: kept where
the collector no longer looks), and the next full collection walks only what came since.

The price: a reference cycle among frozen objects that becomes garbage later is never collected.
Only the embedded default does this; with a real MongoDB the heap stays small and so do the pauses.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

_installed: list[Any] = []


def freeze_after_full_collections(loop: asyncio.AbstractEventLoop) -> None:
    """Freeze what the process holds after starting (its modules, the database's indexes), and from
    now on the heap after every full collection (once per process; `loop` runs the freeze, so it
    never happens inside a collection or on another thread)."""
    if _installed:
        return
    gc.collect()
    gc.freeze()

    def after(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2 and not loop.is_closed():
            loop.call_soon_threadsafe(gc.freeze)

    gc.callbacks.append(after)
    _installed.append(after)
