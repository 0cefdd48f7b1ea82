"""The worker loop: N asyncio workers taking keys from a ``WorkQueue`` and reconciling them.

A reconcile function only says what happened: it returns a ``Result`` or raises. This loop
alone turns that into queue operations, as controller-runtime's ``reconcileHandler`` does, so no
reconcile can forget to ``forget`` or retry in a hot loop:

- returned ``Result()``: success, ``forget`` the key's backoff;
- returned ``Result(requeue_after=s)`` with ``s > 0``: success, ``forget``, and queue the key
  again in ``s`` seconds in the refresh lane (``Priority.REFRESH``);
- returned ``Result(requeue_after=s)`` with ``s <= 0``: controller-runtime's ``Requeue: true``,
  a rate-limited requeue that keeps the backoff growing (an overdue refresh cannot hot-loop);
- raised an ``Exception``: ``add_rate_limited`` (backoff grows), logged with controller, key,
  error type and message only (messages are sanitised where raised; no tracebacks, whose
  frames might hold secret values), counted. A ``HandledError`` is a failure the reconciler
  has already reported (status, event, its own log line): it is retried and counted the same
  way but logged at debug only, so one failed sync makes one warning, not two.

Each reconcile runs with ``eso.providers.readahead.READING`` set to its key and the queue's
``upcoming``, so a batching provider can fill a call's free seats with what comes next.

``asyncio.CancelledError`` is never swallowed. ``done`` is always called, so a key is never
stuck in ``processing``. ``stop(grace)`` stops taking keys, lets in-flight reconciles finish
within ``grace`` seconds of the injected clock, then cancels them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

from eso.clock import Clock, SystemClock
from eso.controllers.runtime.slots import Slot, SlotPool
from eso.kube.workqueue import Priority, ShutDown, WorkQueue
from eso.logging import bound
from eso.metrics import RuntimeMetrics
from eso.providers.readahead import READING, ReadContext

K = TypeVar("K", bound=Hashable)

RESULT_SUCCESS = "success"
RESULT_ERROR = "error"
RESULT_REQUEUE = "requeue"
RESULT_REQUEUE_AFTER = "requeue_after"


class HandledError(Exception):
    """A reconcile failure already reported by the reconciler; retried, logged at debug."""


@dataclass(frozen=True, slots=True)
class Result:
    """What a reconcile asks for; ``requeue_after`` is seconds until the next refresh."""

    requeue_after: float | None = None


class Controller(Generic[K]):
    """Runs ``workers`` concurrent reconciles of keys from ``queue``, plus up to ``waiting``
    more while reconciles wait on provider reads (``slots``)."""

    def __init__(
        self,
        name: str,
        *,
        queue: WorkQueue[K],
        reconcile: Callable[[K], Awaitable[Result]],
        workers: int,
        metrics: RuntimeMetrics,
        waiting: int = 0,
        clock: Clock | None = None,
        log: structlog.typing.FilteringBoundLogger | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a controller needs at least one worker")
        self.name = name
        self._queue = queue
        self._reconcile = reconcile
        self._workers = workers
        self._waiting = max(0, waiting)
        self._slots = SlotPool(workers, changes_ready=queue.changes_ready)
        self._clock = clock or SystemClock()
        self._log: structlog.typing.FilteringBoundLogger = log or structlog.get_logger(__name__)
        self._stopping = False
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._m_total = {
            r: metrics.reconcile_total.labels(name, r)
            for r in (RESULT_SUCCESS, RESULT_ERROR, RESULT_REQUEUE, RESULT_REQUEUE_AFTER)
        }
        self._m_errors = metrics.reconcile_errors.labels(name)
        self._m_time = metrics.reconcile_time.labels(name)
        self._m_active = metrics.active_workers.labels(name)
        self._m_max = metrics.max_concurrent_reconciles.labels(name)

    async def run(self) -> None:
        """Run the workers until the queue is shut down and empty, or ``stop`` ends them.

        Cancelling ``run`` cancels every worker (in-flight reconciles included) and waits.
        """
        self._m_max.set(self._workers)
        async with asyncio.TaskGroup() as group:
            self._worker_tasks = [
                group.create_task(self._worker(), name=f"{self.name}-worker-{i}")
                for i in range(self._workers + self._waiting)
            ]

    async def stop(self, grace: float) -> None:
        """Stop taking keys; give in-flight reconciles ``grace`` seconds, then cancel them.

        Shuts the queue down. Returns once no worker is running.
        """
        self._stopping = True
        self._queue.shutdown()
        workers = [t for t in self._worker_tasks if not t.done()]
        if not workers:
            return
        try:
            await self._wait_at_most(workers, grace)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.shield(asyncio.gather(*workers, return_exceptions=True))

    async def _wait_at_most(self, tasks: list[asyncio.Task[None]], seconds: float) -> None:
        timer = asyncio.ensure_future(self._clock.sleep(seconds))
        pending: set[asyncio.Future[None]] = set(tasks)
        try:
            while pending and not timer.done():
                _, pending = await asyncio.wait(
                    pending | {timer}, return_when=asyncio.FIRST_COMPLETED
                )
                pending.discard(timer)
        finally:
            timer.cancel()
            await asyncio.gather(timer, return_exceptions=True)

    async def _worker(self) -> None:
        slot = Slot(self._slots, lendable=self._waiting > 0)
        while not self._stopping:
            try:
                await self._queue.wait_ready()  # no slot is held while there is nothing to do
                await slot.take()
                if self._queue.ready():
                    await self._take_one(slot)
            except ShutDown:
                return
            finally:
                slot.give_back()

    async def _take_one(self, slot: Slot) -> None:
        slot.urgent = self._queue.changes_ready()  # get hands out the change lane first
        key = await self._queue.get()  # a key is ready: returns at once
        try:
            if not self._stopping:
                await self._process(key, slot)
        except Exception as e:  # a bug in our own bookkeeping; keep the worker alive
            self._log_error("worker_failed", key, e)
        finally:
            self._queue.done(key)

    async def _process(self, key: K, slot: Slot) -> None:
        reconcile_id = uuid.uuid4().hex
        with bound(controller=self.name, key=key, reconcile_id=reconcile_id):
            start = self._clock.now()
            self._m_active.inc()
            reading = READING.set(
                ReadContext(key, self._queue.upcoming, slot.waiting, urgent=slot.urgent)
            )
            try:
                result = await self._reconcile(key)
            except Exception as e:
                self._on_error(key, e)
            else:
                self._on_result(key, result)
            finally:
                READING.reset(reading)
                self._m_active.dec()
                self._m_time.observe(self._clock.now() - start)

    def _on_result(self, key: K, result: Result) -> None:
        after = result.requeue_after
        if after is None:
            self._queue.forget(key)
            self._m_total[RESULT_SUCCESS].inc()
        elif after > 0:
            self._queue.forget(key)
            self._queue.add_after(key, after, priority=Priority.REFRESH)
            self._m_total[RESULT_REQUEUE_AFTER].inc()
        else:
            self._queue.add_rate_limited(key)
            self._m_total[RESULT_REQUEUE].inc()

    def _on_error(self, key: K, error: Exception) -> None:
        self._queue.add_rate_limited(key)
        self._m_errors.inc()
        self._m_total[RESULT_ERROR].inc()
        if isinstance(error, HandledError):
            self._log.debug(
                "reconcile_retry", controller=self.name, key=key, error_type=type(error).__name__
            )
        else:
            self._log_error("reconcile_failed", key, error)

    def _log_error(self, event: str, key: K, error: Exception) -> None:
        self._log.error(
            event,
            controller=self.name,
            key=key,
            error_type=type(error).__name__,
            error=str(error),
        )
