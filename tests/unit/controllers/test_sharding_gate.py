"""``SlotGate``: keys of slots held elsewhere are neither queued nor reconciled, a won slot is
filled from the caches, and a lost slot's running reconciles end before ``lost`` returns."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from eso.controllers.routing import CSS, ES, SS
from eso.controllers.runtime.worker import Result
from eso.controllers.sharding import SlotGate
from eso.kube.keys import ObjectKey
from eso.kube.shards import slot_of
from eso.metrics import Metrics

SHARDS = 4
KEYS = [ObjectKey(f"ns-{i % 3}/es-{i}") for i in range(40)]


def _in(slot: int) -> list[ObjectKey]:
    return [k for k in KEYS if slot_of(k, SHARDS) == slot]


class Queues:
    def __init__(self) -> None:
        self.added: list[tuple[str, str]] = []

    def enqueue(self, queue: str, keys: Iterable[ObjectKey]) -> None:
        self.added += [(queue, k) for k in keys]


def _gate(queues: Queues, *, stores: list[str] | None = None) -> tuple[SlotGate, Metrics]:
    metrics = Metrics()
    cached = {ES: lambda: KEYS, SS: lambda: stores or [], CSS: lambda: ["global"]}
    return SlotGate(shards=SHARDS, enqueue=queues.enqueue, cached=cached, metrics=metrics), metrics


async def test_only_keys_of_held_slots_are_queued() -> None:
    queues = Queues()
    gate, _ = _gate(queues)
    gate.enqueue(ES, KEYS)
    assert queues.added == [], "nothing is held before a slot is won"
    await gate.acquired(1)
    queues.added.clear()
    gate.enqueue(ES, KEYS)
    assert queues.added == [(ES, k) for k in _in(1)]


async def test_a_won_slot_is_filled_from_every_cache_and_cluster_stores_go_with_slot_0() -> None:
    queues = Queues()
    store = next(s for i in range(20) if slot_of(s := f"ns-0/store-{i}", SHARDS) != 0)
    gate, _ = _gate(queues, stores=[store])
    await gate.acquired(slot_of(store, SHARDS))
    assert (SS, store) in queues.added
    assert (CSS, "global") not in queues.added
    assert {k for q, k in queues.added if q == ES} == set(_in(slot_of(store, SHARDS)))
    queues.added.clear()
    await gate.acquired(0)
    assert (CSS, "global") in queues.added


async def test_a_reconcile_of_a_slot_held_elsewhere_does_nothing() -> None:
    gate, _ = _gate(Queues())
    calls: list[str] = []

    async def reconcile(key: ObjectKey) -> Result:
        calls.append(key)
        return Result(requeue_after=60)

    gated = gate.gated(ES, reconcile)
    assert await gated(_in(2)[0]) == Result()
    await gate.acquired(2)
    assert await gated(_in(2)[0]) == Result(requeue_after=60)
    assert calls == [_in(2)[0]]


async def test_losing_a_slot_cancels_its_running_reconciles_before_lost_returns() -> None:
    gate, _ = _gate(Queues())
    started, ended = asyncio.Event(), []
    other = asyncio.Event()

    async def slow(key: ObjectKey) -> Result:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            ended.append(key)
        return Result()

    async def other_slot(key: ObjectKey) -> Result:
        await other.wait()
        return Result(requeue_after=1)

    await gate.acquired(0)
    await gate.acquired(3)
    worker = asyncio.create_task(gate.gated(ES, slow)(_in(0)[0]))
    untouched = asyncio.create_task(gate.gated(ES, other_slot)(_in(3)[0]))
    await started.wait()
    await gate.lost(0)
    assert ended == [_in(0)[0]], "the reconcile had ended when lost() returned"
    assert await worker == Result(), "the worker sees a finished key, not a cancellation"
    assert not untouched.done(), "other slots are not touched"
    other.set()
    assert await untouched == Result(requeue_after=1)
    assert not gate.owns(ES, _in(0)[0])


async def test_cancelling_the_worker_still_cancels_it() -> None:
    gate, _ = _gate(Queues())
    await gate.acquired(0)
    started = asyncio.Event()

    async def slow(key: ObjectKey) -> Result:
        started.set()
        await asyncio.Event().wait()
        return Result()

    worker = asyncio.create_task(gate.gated(ES, slow)(_in(0)[0]))
    await started.wait()
    worker.cancel()
    results = await asyncio.gather(worker, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)


async def test_keys_per_slot_are_exported() -> None:
    gate, metrics = _gate(Queues())
    gate.count_keys()
    for slot in range(SHARDS):
        assert metrics.shards.keys.labels(str(slot))._value.get() == len(_in(slot))


async def test_a_lost_slot_stops_exporting_its_objects_conditions() -> None:
    """The new holder's Ready condition is the only one; counters here restart at 0."""
    gate, metrics = _gate(Queues())
    mine, other = _in(1)[0], _in(2)[0]
    for key in (mine, other):
        ns, name = key.split("/")
        metrics.es.seen(namespace=ns, name=name)
        metrics.es.ready(namespace=ns, name=name, status="True")
        metrics.es.reconciled(namespace=ns, name=name, seconds=0.1, ok=True)
    await gate.acquired(1)
    await gate.lost(1)

    def sample(key: str, metric: str, **labels: str) -> float | None:
        ns, name = key.split("/")
        return metrics.registry.get_sample_value(metric, {"namespace": ns, "name": name, **labels})

    ready = {"condition": "Ready", "status": "True"}
    assert sample(mine, "externalsecret_status_condition", **ready) is None
    assert sample(mine, "externalsecret_sync_calls_total") == 0
    assert sample(other, "externalsecret_status_condition", **ready) == 1
    assert sample(other, "externalsecret_sync_calls_total") == 1
