"""Leadership terms: the queues and workers that exist only while this replica may write.

With leader election, informers run on every replica (a warm standby), while queues and
workers exist only during a term: built, filled from the caches and started when leadership is
won, stopped at once (no grace) when it is lost, so a leader that cannot renew stops writing
before another can take the Lease. Without leader election one term runs from cache sync to
shutdown. Keys enqueued between terms are dropped, since the next term enqueues everything
anyway. Start and end are serialised by a lock: a term lost while it is still starting ends
cleanly, and nothing starts after ``close``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping

import structlog

from eso.clock import Clock
from eso.controllers.runtime.worker import Controller, Result
from eso.kube.keys import ObjectKey
from eso.kube.ratelimit import default_controller_rate_limiter
from eso.kube.workqueue import WorkQueue
from eso.metrics import RuntimeMetrics, WorkqueueMetrics
from eso.settings import QueueSettings
from eso.tasks import TaskSet

log = structlog.get_logger(__name__)

Reconcile = Callable[[ObjectKey], Awaitable[Result]]


class Terms:
    """Runs at most one term at a time of one controller per entry of ``reconcilers``.

    ``reconcilers`` maps a queue (and controller) name to its reconcile function; each gets
    ``workers`` workers. Terms are started and ended by the Manager (from leader-election
    callbacks, or once without election); ``enqueue`` is what event handlers call.
    """

    def __init__(
        self,
        reconcilers: Mapping[str, Reconcile],
        *,
        workers: int,
        waiting: int = 0,
        queue_settings: QueueSettings,
        queue_metrics: WorkqueueMetrics,
        runtime_metrics: RuntimeMetrics,
        clock: Clock,
    ) -> None:
        self._reconcilers = dict(reconcilers)
        self._workers = workers
        self._waiting = waiting
        self._queue_settings = queue_settings
        self._queue_metrics = queue_metrics
        self._runtime_metrics = runtime_metrics
        self._clock = clock
        self._tasks = TaskSet()
        self._queues: dict[str, WorkQueue[ObjectKey]] = {}
        self._controllers: list[Controller[ObjectKey]] = []
        self._lock = asyncio.Lock()
        self._closed = False

    def enqueue(self, queue: str, keys: Iterable[ObjectKey]) -> None:
        """Add ``keys`` to ``queue`` of the current term; dropped when no term runs."""
        q = self._queues.get(queue)
        if q is None:
            return  # no leadership term: the next one enqueues everything
        for key in keys:
            q.add(key)

    async def start(self, *, fill: Callable[[], None]) -> None:
        """Build queues and workers, call ``fill`` (enqueue every cached object), start them.

        No-op while a term runs or after ``close``.
        """
        async with self._lock:
            if self._closed or self._controllers:
                return
            for name, reconcile in self._reconcilers.items():
                # One limiter per queue: keys of different kinds may be equal strings.
                limiter = default_controller_rate_limiter(self._queue_settings, clock=self._clock)
                queue: WorkQueue[ObjectKey] = WorkQueue(
                    name, rate_limiter=limiter, metrics=self._queue_metrics, clock=self._clock
                )
                self._queues[name] = queue
                controller = Controller(
                    name,
                    queue=queue,
                    reconcile=reconcile,
                    workers=self._workers,
                    waiting=self._waiting,
                    metrics=self._runtime_metrics,
                    clock=self._clock,
                )
                self._controllers.append(controller)
                self._tasks.spawn(self._run_controller(controller), name=f"controller-{name}")
            fill()
            log.info("workers_started", workers=self._workers)

    async def _run_controller(self, controller: Controller[ObjectKey]) -> None:
        """Run ``controller``; after a normal end, wait to be cancelled with its term.

        ``Controller.run`` returns once ``stop`` drained it; the TaskSet would report that as an
        unexpected exit, so only a return while the term is still active is logged (a bug).
        """
        await controller.run()
        if controller in self._controllers:
            log.error("controller_exited", controller=controller.name)
        await asyncio.Event().wait()

    async def end(self, grace: float) -> None:
        """End the current term (if any): in-flight reconciles get ``grace`` seconds."""
        async with self._lock:
            controllers, self._controllers = self._controllers, []
            self._queues = {}
            for controller in controllers:
                await controller.stop(grace)
            await self._tasks.close()
            if controllers:
                log.info("workers_stopped")

    async def close(self, grace: float) -> None:
        """End the current term and start no other."""
        self._closed = True
        await self.end(grace)
