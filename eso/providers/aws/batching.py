"""Micro-batching: concurrent reads of distinct secrets go out as one batch call.

AWS bills per call and throttles per call; ``BatchGetSecretValue`` returns up to 20 secrets in
one call. A read that arrives when no batch is open opens one and waits ``window`` seconds
(a few ms, far below one round trip) for others to join; the batch is sent when the window
ends or at once when ``size`` reads are waiting, whichever comes first. Each caller gets its
own secret's value or its own error, so one missing secret never fails its neighbours.

Group commit: while ``max_inflight`` calls are already in flight, a partial batch whose window
has ended keeps gathering until one of them returns (a full batch still goes at once). Under
light load this changes nothing (the window alone decides); under heavy load, reads that would
each have opened a small batch of their own ride the next one, so batches fill towards ``size``
by themselves: at 10k ExternalSecrets, calls with a 5 ms window alone averaged ~4.5 secrets.
A read then waits at most one window plus one in-flight call. An ``urgent`` read (a changed
object's, which someone waits for) does not wait for the in-flight call: its batch goes when
the window ends, as without the limit.

The batch call runs as a task owned by the batcher and callers await their own future through
``asyncio.shield``: cancelling one caller never cancels a batch others wait for. ``close``
cancels the window timer and in-flight batches (callers then see ``ProviderUnavailableError``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from eso.clock import Clock, SystemClock
from eso.providers.base import ProviderError, ProviderUnavailableError

V = TypeVar("V")

MSG_NO_RESULT = "{secret_id}: no result in batch response"
MSG_CLOSED = "provider is shutting down"


class Batcher(Generic[V]):
    """Gathers single reads into calls of ``fetch`` with at most ``size`` ids.

    ``fetch(ids)`` returns, per id, the value or the exception for that id; an id missing from
    its result fails with ``MSG_NO_RESULT``; an exception it raises fails the whole batch.
    ``max_inflight`` calls at most are in flight with a partial batch still waiting (None: no
    limit).
    """

    def __init__(
        self,
        fetch: Callable[[list[str]], Awaitable[Mapping[str, V | BaseException]]],
        *,
        window: float,
        size: int,
        max_inflight: int | None = None,
        clock: Clock | None = None,
        name: str = "batch",
    ) -> None:
        self._fetch = fetch
        self._window = max(0.0, window)
        self._size = max(1, size)
        # None: no limit, every window's batch goes when the window ends
        self._max_inflight = None if max_inflight is None else max(1, max_inflight)
        self._window_over = False
        self._urgent = False  # the pending batch holds an urgent read
        self._clock = clock or SystemClock()
        self._name = name
        self._pending: dict[str, asyncio.Future[V]] = {}
        self._timer: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._closed = False

    async def get(self, secret_id: str, *, urgent: bool = False) -> V:
        """The value of ``secret_id`` fetched in some batch; raises that id's error."""
        if self._closed:
            raise ProviderUnavailableError(MSG_CLOSED)
        self._urgent = self._urgent or urgent
        fut = self._pending.get(secret_id)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._pending[secret_id] = fut
            if len(self._pending) >= self._size or (self._window_over and urgent):
                self._flush()
            elif self._timer is None and not self._window_over:
                self._timer = asyncio.get_running_loop().create_task(
                    self._flush_after_window(), name=f"{self._name}:window"
                )
        return await asyncio.shield(fut)

    async def _flush_after_window(self) -> None:
        await self._clock.sleep(self._window)
        self._timer = None
        if self._busy() and not self._urgent:
            self._window_over = True  # the next call to return sends it
        else:
            self._flush()

    def _busy(self) -> bool:
        return self._max_inflight is not None and len(self._inflight) >= self._max_inflight

    def _call_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if self._window_over and not self._closed and not self._busy():
            self._flush()

    def _flush(self) -> None:
        """Send everything pending as one batch (called with at most ``size`` pending)."""
        if self._timer is not None and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None
        self._window_over = self._urgent = False
        batch, self._pending = self._pending, {}
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._run(batch), name=f"{self._name}:call")
        self._inflight.add(task)
        task.add_done_callback(self._call_done)

    async def _run(self, batch: dict[str, asyncio.Future[V]]) -> None:
        try:
            results = await self._fetch(list(batch))
        except asyncio.CancelledError:
            _fail_all(batch, ProviderUnavailableError(MSG_CLOSED))
            raise
        except BaseException as e:  # every caller must hear about it
            _fail_all(batch, e)
            return
        for secret_id, fut in batch.items():
            if fut.done():
                continue
            result = results.get(secret_id)
            if result is None:
                fut.set_exception(ProviderError(MSG_NO_RESULT.format(secret_id=secret_id)))
            elif isinstance(result, BaseException):
                fut.set_exception(result)
                fut.exception()  # mark retrieved: the caller may have gone away
            else:
                fut.set_result(result)

    async def close(self) -> None:
        """Stop batching: cancel the window and in-flight batches; safe to call twice."""
        self._closed = True
        tasks = list(self._inflight)
        if self._timer is not None:
            tasks.append(self._timer)
        self._timer = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))
        _fail_all(self._pending, ProviderUnavailableError(MSG_CLOSED))
        self._pending = {}


def _fail_all(batch: Mapping[str, asyncio.Future[V]], error: BaseException) -> None:
    for fut in batch.values():
        if not fut.done():
            fut.set_exception(error)
            fut.exception()  # mark retrieved: a caller may have gone away
