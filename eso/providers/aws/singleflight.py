"""Single flight: concurrent identical reads share one in-flight call.

When 200 ExternalSecrets refresh at once and 20 of them read the same AWS secret, only the
first read calls AWS; the other 19 await the same task (Go's ``singleflight.Group``). The call
runs as its own task and callers await it through ``asyncio.shield``, so a caller that is
cancelled (its reconcile timed out, the controller is stopping) never cancels the call for the
others. A finished call is forgotten at once: single flight de-duplicates, the value cache
(``cache.py``) is what remembers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """One in-flight call per key; ``on_coalesced`` is called for each caller that joined."""

    def __init__(self, *, on_coalesced: Callable[[], None] | None = None) -> None:
        self._inflight: dict[K, asyncio.Task[V]] = {}
        self._on_coalesced = on_coalesced

    async def do(self, key: K, fn: Callable[[], Awaitable[V]]) -> V:
        """The result of ``fn()``, shared with every concurrent caller of the same ``key``.

        Exceptions are shared too. Cancelling a caller does not cancel the shared call.
        """
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(_call(fn), name="singleflight")
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._finished(key, t))
        elif self._on_coalesced is not None:
            self._on_coalesced()
        return await asyncio.shield(task)

    def _finished(self, key: K, task: asyncio.Task[V]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: callers that went away must not cause a warning

    def __contains__(self, key: object) -> bool:
        """Whether a call for ``key`` is in flight."""
        return key in self._inflight

    def __len__(self) -> int:
        return len(self._inflight)

    async def close(self) -> None:
        """Cancel every in-flight call and wait for them; safe to call twice."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))
        self._inflight.clear()


async def _call(fn: Callable[[], Awaitable[V]]) -> V:
    return await fn()
