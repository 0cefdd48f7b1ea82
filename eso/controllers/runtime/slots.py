"""A worker's claim on the controller's active-reconcile budget, lent out while it waits on a read.

``--concurrent`` bounds the reconciles doing work at once (CPU, API writes): more of them only
share the same cores and make each one, a new ExternalSecret's included, take longer. But a
reconcile waiting on a provider read does no work, and the more reads wait together, the
fuller a batch call gets (``BatchGetSecretValue`` carries 20 for the price of one: with 64
workers over 4 credential identities, a batch could never hold more than 16). So the
controller runs ``concurrent + waiting`` worker tasks sharing ``concurrent`` slots; a reconcile
of a key from the change lane (a cold sync's, a new or edited object's) lends its slot while it
waits on a read (``eso.providers.readahead.ReadContext.waiting``) and takes one back before it
goes on. ``waiting`` bounds the extra reconciles (their memory). Refreshes do not lend:
measured at 1k during a refresh storm (1-minute load 8), lending refreshes too served 109
refreshes/s with a new-object p99 of 3.0 s, not lending them 171/s and 1.4 s; their batches
fill anyway (prefetch from the queue, group commit), while a cold sync's reads are what
lending fills (calls per sync 0.155 → 0.072 at 1k, 0.110 → 0.057 at 10k).

A reconcile may read several values concurrently: lending is counted, the slot is given back
at the first read and reclaimed after the last. A task cancelled while reclaiming holds no
slot, and giving back a slot not held is a no-op, so the budget never leaks. An idle worker
waits for a key before it asks for a slot, so slots are never held by workers with nothing to do.

Who gets a freed slot, in order: a reconcile of a changed object (the work queue's change lane:
a new ExternalSecret someone waits for) coming back from its read; a worker about to start one
(when the change lane holds a key); any other reconcile coming back from its read (it is
closer to done and holds memory); any other start. Without this order, a new ExternalSecret
would queue behind every parked refresh (Little's law: 256 in flight at 60 syncs/s is 4 s).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable


def _never() -> bool:
    return False


class SlotPool:
    """``size`` slots, handed out in the order above; ``changes_ready()``: the change lane
    holds a key (a start then serves it)."""

    def __init__(self, size: int, *, changes_ready: Callable[[], bool] = _never) -> None:
        self._free = size
        self._changes_ready = changes_ready
        self._urgent: deque[asyncio.Future[None]] = deque()  # change reconciles resuming
        self._resume: deque[asyncio.Future[None]] = deque()
        self._start: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        return self._free == 0

    async def acquire(self, *, resume: bool = False, urgent: bool = False) -> None:
        if self._free > 0 and not (self._urgent or self._resume or self._start):
            self._free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._start if not resume else self._urgent if urgent else self._resume
        waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # handed a slot we can no longer use: pass it on
            else:
                waiters.remove(fut)
            raise

    def release(self) -> None:
        if self._changes_ready():
            order = (self._urgent, self._start, self._resume)
        else:
            order = (self._urgent, self._resume, self._start)
        for waiters in order:
            while waiters:
                fut = waiters.popleft()
                if not fut.done():
                    fut.set_result(None)
                    return
        self._free += 1


class Slot:
    """One worker task's slot in a shared ``SlotPool`` of active reconciles."""

    def __init__(self, slots: SlotPool, *, lendable: bool) -> None:
        self._slots = slots
        self._lendable = lendable
        self._lent = 0
        self.held = False
        self.urgent = False  # the reconcile is of a key from the change lane

    async def take(self, *, resume: bool = False) -> None:
        """Wait for a slot (unless one is held or the slot is lent out)."""
        if self.held:
            return
        await self._slots.acquire(resume=resume, urgent=self.urgent)
        if self.held or self._lent:
            self._slots.release()  # another reclaim won, or lent again meanwhile
        else:
            self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()

    @contextlib.asynccontextmanager
    async def waiting(self) -> AsyncIterator[None]:
        """While the body waits (on a provider read), another reconcile may use the slot
        (reconciles of change-lane keys only)."""
        if not self._lendable or not self.urgent:
            yield
            return
        self._lent += 1
        self.give_back()
        try:
            yield
        finally:
            self._lent -= 1
            if not self._lent:
                await self.take(resume=True)
