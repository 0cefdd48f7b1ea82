"""Worker slots: a reconcile waiting on a read lends its slot; at most ``workers`` work at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from eso.clock import FakeClock
from eso.controllers.runtime.slots import Slot, SlotPool
from eso.controllers.runtime.worker import Controller, Result
from eso.kube.ratelimit import ItemExponentialFailureRateLimiter
from eso.kube.workqueue import WorkQueue
from eso.metrics import Metrics
from eso.providers.readahead import READING


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


class Script:
    """Reconciles that wait on gates, inside a provider read (``waiting``) or outside it."""

    def __init__(self) -> None:
        self.read_gates: dict[str, asyncio.Event] = {}
        self.work_gates: dict[str, asyncio.Event] = {}
        self.log: list[str] = []

    async def __call__(self, key: str) -> Result:
        self.log.append(f"{key}:start")
        reading = READING.get()
        assert reading is not None
        if key in self.read_gates:
            async with reading.waiting():
                await self.read_gates[key].wait()
            self.log.append(f"{key}:read")
        if key in self.work_gates:
            await self.work_gates[key].wait()
        self.log.append(f"{key}:done")
        return Result()


@pytest.fixture
async def queue() -> AsyncIterator[WorkQueue[str]]:
    q = WorkQueue[str](
        "es",
        rate_limiter=ItemExponentialFailureRateLimiter(1.0, 60.0),
        metrics=Metrics().workqueue,
        clock=FakeClock(),
    )
    yield q
    q.shutdown()


async def run(queue: WorkQueue[str], script: Script, *, waiting: int) -> asyncio.Task[None]:
    controller = Controller(
        "es", queue=queue, reconcile=script, workers=1, waiting=waiting, metrics=Metrics().runtime
    )
    task = asyncio.create_task(controller.run())
    await settle()
    return task


async def test_a_reconcile_waiting_on_a_read_lets_the_next_key_start(
    queue: WorkQueue[str],
) -> None:
    script = Script()
    script.read_gates["a"] = asyncio.Event()
    script.work_gates["b"] = asyncio.Event()
    task = await run(queue, script, waiting=2)
    queue.add("a")
    queue.add("b")
    await settle()
    assert script.log == ["a:start", "b:start"]  # a lent its slot while reading
    script.read_gates["a"].set()
    await settle()
    assert "a:read" not in script.log  # b works: a waits for the one slot
    script.work_gates["b"].set()
    await settle()
    assert script.log[2:] == ["b:done", "a:read", "a:done"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_without_waiting_capacity_each_worker_waits_on_its_own_read(
    queue: WorkQueue[str],
) -> None:
    script = Script()
    script.read_gates["a"] = asyncio.Event()
    task = await run(queue, script, waiting=0)
    queue.add("a")
    queue.add("b")
    await settle()
    assert script.log == ["a:start"]
    script.read_gates["a"].set()
    await settle()
    assert script.log == ["a:start", "a:read", "a:done", "b:start", "b:done"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_concurrent_reads_of_one_reconcile_lend_and_reclaim_one_slot() -> None:
    slots = SlotPool(1)
    slot = Slot(slots, lendable=True)
    slot.urgent = True  # a change-lane key's reconcile
    await slot.take()
    gates = [asyncio.Event(), asyncio.Event()]

    async def read(gate: asyncio.Event) -> None:
        async with slot.waiting():
            await gate.wait()

    reads = [asyncio.create_task(read(g)) for g in gates]
    await settle()
    assert not slot.held and not slots.locked()  # lent once
    gates[0].set()
    await settle()
    assert not slot.held  # still lent: the other read waits
    gates[1].set()
    await asyncio.gather(*reads)
    assert slot.held and slots.locked()  # reclaimed once
    slot.give_back()
    slot.give_back()  # not held: no-op
    assert not slots.locked()
    await slots.acquire()  # exactly one permit exists
    assert slots.locked()


async def test_a_changed_object_coming_back_from_its_read_goes_first() -> None:
    changes = [False]
    pool = SlotPool(1, changes_ready=lambda: changes[0])
    await pool.acquire()
    order: list[str] = []

    async def wait(name: str, **kind: bool) -> None:
        await pool.acquire(**kind)
        order.append(name)
        pool.release()

    waiters = [
        asyncio.create_task(wait("start")),
        asyncio.create_task(wait("refresh-resume", resume=True)),
        asyncio.create_task(wait("change-resume", resume=True, urgent=True)),
    ]
    await settle()
    pool.release()
    await asyncio.gather(*waiters)
    assert order == ["change-resume", "refresh-resume", "start"]


async def test_a_start_goes_before_refreshes_when_a_change_is_queued() -> None:
    pool = SlotPool(1, changes_ready=lambda: True)
    await pool.acquire()
    order: list[str] = []

    async def wait(name: str, **kind: bool) -> None:
        await pool.acquire(**kind)
        order.append(name)
        pool.release()

    waiters = [
        asyncio.create_task(wait("refresh-resume", resume=True)),
        asyncio.create_task(wait("start")),
    ]
    await settle()
    pool.release()
    await asyncio.gather(*waiters)
    assert order == ["start", "refresh-resume"]


async def test_a_refresh_waiting_on_a_read_keeps_its_slot() -> None:
    slots = SlotPool(1)
    slot = Slot(slots, lendable=True)
    await slot.take()  # slot.urgent is False: a refresh-lane key
    async with slot.waiting():
        assert slot.held and slots.locked()
