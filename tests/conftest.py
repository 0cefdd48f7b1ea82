"""Fixtures shared by every test: no test may leave asyncio tasks running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

pytest_plugins = ["localkube.pytest_cluster", "localkube.pytest_aws"]


@pytest.fixture(autouse=True)
async def _no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves tasks running after its own fixtures are torn down."""
    before = asyncio.all_tasks()
    yield
    for _ in range(10):
        await asyncio.sleep(0)
    left = [
        t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()
    ]
    if left:
        for t in left:
            t.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        pytest.fail(f"test left tasks running: {[t.get_name() for t in left]}")
