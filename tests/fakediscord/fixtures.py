"""Pytest fixtures and client helpers for tests that run discord.py against the stand-in.

Use from a conftest: ``from tests.fakediscord.fixtures import fake_discord  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest_asyncio

from .server import FakeDiscord
from .world import World


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with an empty world, installed into discord.py for the test."""
    fake = FakeDiscord(World())
    await fake.start()
    undo = fake.install()
    try:
        yield fake
    finally:
        undo()
        await fake.stop()


async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """A ``before_identify_hook`` for tests: identify at once."""


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str, *, timeout: float = 10.0) -> AsyncIterator[Any]:
    """Start ``client`` (login + connect) in the background, wait until it is ready, close it after."""
    task = asyncio.create_task(client.start(token), name=f"client-{id(client)}")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises the start-up error
            raise AssertionError("client stopped before becoming ready")
        if ready not in done:
            raise AssertionError(f"client not ready within {timeout}s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)
