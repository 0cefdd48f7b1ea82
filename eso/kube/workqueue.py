"""The rate-limited, delaying work queue under every controller, with client-go's contracts.

Why copy client-go exactly: its guarantees are what make level-triggered reconciles correct,
and every controller author already knows them.

- **Fair**: keys are handed out first in, first out.
- **Stingy**: a key queued many times is processed once (``dirty`` set).
- **Never concurrent per key**: a key handed out is in ``processing`` until ``done``; adding it
  meanwhile only marks it dirty, and ``done`` queues it again, so it is processed once more
  *after* the current run.
- **Delayed adds keep the earliest time**: ``add_after`` of a key already waiting moves its due
  time earlier, never later.
- **Shutdown**: adds are ignored; ``get`` still hands out what is queued, then raises
  ``ShutDown``; ``shutdown_with_drain`` also waits until every handed-out key is ``done``.

One addition: two priority lanes. ESO serves a new ExternalSecret behind every refresh that
happens to be due (ESO issue 5045: 13-17 s). Here a key added because something changed
(``add``, ``Priority.CHANGE``) is served before keys that only came due for their periodic
refresh (``add_after(..., priority=Priority.REFRESH)``). Lanes share one dirty set, so a key is
still handed out once; adding a key that waits in the refresh lane promotes it. The priority is
strict: while changes arrive faster than workers finish them, refreshes wait. That is the
intended trade (a change is what a user is waiting for; changes are rare next to refreshes),
and a growing ``workqueue_depth`` shows it.

Delays are driven by one timer task per queue sleeping on the injected clock until the earliest
due time (a heap with lazy deletion, so re-adds are O(log n)); the same task refreshes the
unfinished-work gauges while keys are in flight. It is re-armed by cancelling its sleep when an
earlier deadline arrives. Everything else is synchronous and O(1): one event loop, no locks.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import math
from collections import OrderedDict, deque
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from eso.clock import Clock, SystemClock
from eso.kube.ratelimit import RateLimiter
from eso.metrics import WorkqueueMetrics
from eso.tasks import TaskSet

K = TypeVar("K", bound=Hashable)

# client-go refreshes workqueue_unfinished_work_seconds every 500 ms.
UNFINISHED_WORK_PERIOD = 0.5


class ShutDown(Exception):  # noqa: N818 - client-go's name; it is a signal, not an error
    """``get`` on a queue that is shut down and has nothing left to hand out."""


class Priority(enum.IntEnum):
    """Which lane a key waits in; higher values are served first."""

    REFRESH = 0  # periodic refresh came due
    CHANGE = 1  # something changed: create/update/delete, dependency, retry


class WorkQueue(Generic[K]):
    """client-go's rate-limiting workqueue plus a change lane served before refreshes.

    Use from one event loop. Call ``shutdown`` (or ``shutdown_with_drain``) when done: it
    cancels the queue's timer task.
    """

    def __init__(
        self,
        name: str,
        *,
        rate_limiter: RateLimiter[K],
        metrics: WorkqueueMetrics,
        clock: Clock | None = None,
        unfinished_work_period: float = UNFINISHED_WORK_PERIOD,
    ) -> None:
        self.name = name
        self._limiter = rate_limiter
        self._clock = clock or SystemClock()
        self._period = unfinished_work_period
        self._high: OrderedDict[K, None] = OrderedDict()
        self._low: OrderedDict[K, None] = OrderedDict()
        self._dirty: dict[K, Priority] = {}  # needs processing -> the lane it belongs to
        self._processing: dict[K, float] = {}  # handed out -> when
        self._added_at: dict[K, float] = {}  # became dirty -> when (queue duration)
        self._waiting: dict[K, tuple[float, int, Priority]] = {}  # due, heap seq, lane
        self._heap: list[tuple[float, int, K]] = []
        self._seq = itertools.count()
        self._getters: deque[asyncio.Future[None]] = deque()
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._shutting_down = False
        self._drain = False
        self._tasks = TaskSet()
        self._timer: asyncio.Task[None] | None = None
        self._armed_until = -math.inf
        self._rearm = False
        self._unfinished_shown = False
        self._init_metrics(metrics)

    def _init_metrics(self, metrics: WorkqueueMetrics) -> None:
        labels = (self.name, self.name)  # controller, name
        self._m_depth = metrics.depth.labels(*labels)
        self._m_adds = metrics.adds.labels(*labels)
        self._m_queue_duration = metrics.queue_duration.labels(*labels)
        self._m_work_duration = metrics.work_duration.labels(*labels)
        self._m_retries = metrics.retries.labels(*labels)
        self._m_unfinished = metrics.unfinished.labels(*labels)
        self._m_longest = metrics.longest_running.labels(*labels)

    # --- adding ---

    def add(self, key: K, *, priority: Priority = Priority.CHANGE) -> None:
        """Mark ``key`` as needing processing now; ignored after shutdown.

        A key already queued stays where it is (stingy), unless this add raises its lane: a
        key waiting in the refresh lane moves to the back of the change lane.
        """
        if self._shutting_down:
            return
        current = self._dirty.get(key)
        if current is not None:
            if priority > current:
                self._dirty[key] = priority
                if key in self._low:  # queued, not processing: move lanes
                    del self._low[key]
                    self._high[key] = None
            return
        now = self._clock.now()
        self._dirty[key] = priority
        self._added_at[key] = now
        self._m_adds.inc()
        self._m_depth.set(len(self._dirty))
        if key not in self._processing:
            self._enqueue(key, priority)

    def add_after(self, key: K, delay: float, *, priority: Priority = Priority.REFRESH) -> None:
        """Add ``key`` once ``delay`` seconds have passed; ignored after shutdown.

        A key already waiting keeps the earliest due time and the higher lane of the two
        requests. Waiting is independent of being queued or processing (client-go): when due,
        the key is ``add``-ed with the usual dedup. Counts as a retry (client-go).
        """
        if self._shutting_down:
            return
        self._m_retries.inc()
        if delay <= 0:
            self.add(key, priority=priority)
            return
        due = self._clock.now() + delay
        existing = self._waiting.get(key)
        if existing is not None:
            old_due, old_seq, old_priority = existing
            priority = max(priority, old_priority)
            if old_due <= due:
                self._waiting[key] = (old_due, old_seq, priority)
                return
        seq = next(self._seq)
        self._waiting[key] = (due, seq, priority)
        heapq.heappush(self._heap, (due, seq, key))
        self._compact_heap()
        self._poke(due)

    def add_rate_limited(self, key: K, *, priority: Priority = Priority.CHANGE) -> None:
        """``add_after`` with the delay the rate limiter gives; a retry is a change."""
        self.add_after(key, self._limiter.when(key), priority=priority)

    def forget(self, key: K) -> None:
        """Reset ``key``'s retry backoff; the worker calls it after a success."""
        self._limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        """Failures counted for ``key`` since it was last forgotten."""
        return self._limiter.num_requeues(key)

    # --- consuming ---

    async def get(self) -> K:
        """Wait for the next key: change lane first, then refreshes, FIFO within a lane.

        Call ``done(key)`` when finished with it. Raises ``ShutDown`` once the queue is shut
        down and nothing is queued. Cancellation while waiting loses nothing.
        """
        while not self._high and not self._low:
            if self._shutting_down:
                raise ShutDown(self.name)
            await self._wait_for_key()
        key = (self._high or self._low).popitem(last=False)[0]
        now = self._clock.now()
        del self._dirty[key]
        self._processing[key] = now
        self._m_depth.set(len(self._dirty))
        added = self._added_at.pop(key, None)
        if added is not None:
            self._m_queue_duration.observe(now - added)
        if len(self._processing) == 1:
            self._poke(now + self._period)  # start refreshing the unfinished-work gauges
        return key

    async def wait_ready(self) -> None:
        """Wait until a key can be handed out (``get`` would return at once), without taking
        it; raises ``ShutDown`` as ``get`` would."""
        while not self.ready():
            if self._shutting_down:
                raise ShutDown(self.name)
            await self._wait_for_key()

    def ready(self) -> bool:
        """Whether a key is queued for ``get`` now."""
        return bool(self._high or self._low)

    def changes_ready(self) -> bool:
        """Whether the change lane holds a key (``get`` hands it out next)."""
        return bool(self._high)

    async def _wait_for_key(self) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._getters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._wake_getter()  # we were handed a wake-up we can no longer use
            else:
                self._getters.remove(fut)
            raise

    def done(self, key: K) -> None:
        """Finish processing ``key``; if it was added meanwhile it is queued again."""
        started = self._processing.pop(key, None)
        if started is None:
            return  # not handed out; client-go would double-queue a dirty key here
        self._m_work_duration.observe(self._clock.now() - started)
        priority = self._dirty.get(key)
        if priority is not None:
            self._enqueue(key, priority)
        if not self._processing:
            self._set_unfinished(0.0, 0.0)
            self._release_drain_waiters()

    def upcoming(self, limit: int) -> list[tuple[K, float]]:
        """Up to ``limit`` keys in the order they will be handed out, each with when it is due:
        the change lane, the refresh lane (due now), then waiting keys by due time. A hint for
        read-ahead (``eso.providers.readahead``); O(limit log limit), the queue is not changed.
        """
        now = self._clock.now()
        keys = [(k, now) for k in itertools.islice(self._high, limit)]
        keys += [(k, now) for k in itertools.islice(self._low, limit - len(keys))]
        if len(keys) < limit:
            keys += itertools.islice(self._due_in_order(), limit - len(keys))
        return keys

    def _due_in_order(self) -> Iterator[tuple[K, float]]:
        """Waiting keys by due time, walking the heap's tree from its root (not popping)."""
        heap = self._heap
        frontier = [(heap[0], 0)] if heap else []
        while frontier:
            (due, seq, key), i = heapq.heappop(frontier)
            waiting = self._waiting.get(key)
            if waiting is not None and waiting[1] == seq:
                yield key, due
            for child in (2 * i + 1, 2 * i + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (heap[child], child))

    def __len__(self) -> int:
        """Keys queued and not being processed (informational, as client-go's ``Len``)."""
        return len(self._high) + len(self._low)

    # --- shutting down ---

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def shutdown(self) -> None:
        """Ignore new adds, drop delayed keys, stop the timer; ``get`` drains then raises.

        Also ends a pending ``shutdown_with_drain`` at once (client-go). Idempotent.
        """
        self._drain = False
        self._shut()
        self._release_drain_waiters()

    async def shutdown_with_drain(self) -> None:
        """``shutdown``, then wait until every handed-out key is ``done``.

        Workers must keep calling ``done``; a later ``shutdown`` ends the wait early.
        """
        self._drain = True
        self._shut()
        while self._processing and self._drain:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._drain_waiters.append(fut)
            await fut
        await self._tasks.close()

    def _shut(self) -> None:
        self._shutting_down = True
        self._waiting.clear()
        self._heap.clear()
        if self._timer is not None:
            self._timer.cancel()
        while self._getters:
            self._wake_getter()

    def _release_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    # --- internals ---

    def _enqueue(self, key: K, priority: Priority) -> None:
        (self._high if priority is Priority.CHANGE else self._low)[key] = None
        self._wake_getter()

    def _wake_getter(self) -> None:
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    def _compact_heap(self) -> None:
        """Drop superseded heap entries when they outnumber live ones (lazy deletion)."""
        if len(self._heap) > 2 * len(self._waiting) + 1024:
            self._heap = [(d, s, k) for k, (d, s, _) in self._waiting.items()]
            heapq.heapify(self._heap)

    def update_unfinished_work(self) -> None:
        """Recompute the unfinished-work gauges now (also done on the timer's tick)."""
        now = self._clock.now()
        ages = [now - started for started in self._processing.values()]
        self._set_unfinished(sum(ages), max(ages, default=0.0))

    def _set_unfinished(self, total: float, longest: float) -> None:
        if longest or self._unfinished_shown:  # skip rewriting zeros on the hot path
            self._m_unfinished.set(total)
            self._m_longest.set(longest)
            self._unfinished_shown = bool(longest)

    def _poke(self, deadline: float) -> None:
        """Make sure the timer wakes by ``deadline``: start it, or re-arm its sleep."""
        if self._shutting_down:
            return
        if self._timer is None:
            self._timer = self._tasks.spawn(self._run_timer(), name=f"workqueue-{self.name}")
        elif deadline < self._armed_until and not self._rearm:
            self._rearm = True
            self._timer.cancel()

    async def _run_timer(self) -> None:
        """Move due keys into their lanes; tick the gauges while keys are in flight."""
        loop = asyncio.get_running_loop()
        while True:
            now = self._clock.now()
            self._add_due(now)
            self.update_unfinished_work()
            wake = self._heap[0][0] if self._heap else math.inf
            if self._processing:
                wake = min(wake, now + self._period)
            self._armed_until = wake
            try:
                if math.isinf(wake):
                    await loop.create_future()  # until re-armed or cancelled
                else:
                    await self._clock.sleep(wake - now)
            except asyncio.CancelledError:
                if not self._take_rearm():
                    raise

    def _take_rearm(self) -> bool:
        """True if the cancellation was only our own re-arm request."""
        if not self._rearm:
            return False
        self._rearm = False
        task = asyncio.current_task()
        remaining = task.uncancel() if task is not None else 1
        return remaining == 0 and not self._shutting_down

    def _add_due(self, now: float) -> None:
        heap = self._heap
        while heap:
            due, seq, key = heap[0]
            waiting = self._waiting.get(key)
            if waiting is not None and waiting[1] == seq:
                if due > now:
                    return
                del self._waiting[key]
                heapq.heappop(heap)
                self.add(key, priority=waiting[2])
            else:
                heapq.heappop(heap)  # superseded by an earlier due time
