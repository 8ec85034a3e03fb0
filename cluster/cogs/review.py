"""Placeholder: being written (see the cluster issue). Loaded by default so no one edits bot.py concurrently."""

from __future__ import annotations


async def setup(bot) -> None:
    return None
