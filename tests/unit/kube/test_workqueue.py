"""WorkQueue: client-go's contracts plus the change lane, driven by a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from eso.clock import FakeClock
from eso.kube.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
)
from eso.kube.workqueue import Priority, ShutDown, WorkQueue
from eso.metrics import Metrics

NAME = "test"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def queue(clock: FakeClock, metrics: Metrics) -> AsyncIterator[WorkQueue[str]]:
    limiter = MaxOfRateLimiter[str](
        ItemExponentialFailureRateLimiter(1.0, 60.0), BucketRateLimiter(1000.0, 1000, clock=clock)
    )
    q = WorkQueue[str](NAME, rate_limiter=limiter, metrics=metrics.workqueue, clock=clock)
    yield q
    q.shutdown()
    await settle()


async def settle() -> None:
    """Let ready tasks run; synchronisation by yielding, never by sleeping."""
    for _ in range(20):
        await asyncio.sleep(0)


async def drain_now(q: WorkQueue[str]) -> list[str]:
    """Every key currently queued, in hand-out order, each marked done."""
    keys = []
    while len(q):
        key = await q.get()
        q.done(key)
        keys.append(key)
    return keys


def sample(metrics: Metrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"controller": NAME, "name": NAME})


# --- client-go contracts ---


async def test_keys_are_handed_out_first_in_first_out(queue: WorkQueue[str]) -> None:
    for key in ("a", "b", "c"):
        queue.add(key)
    assert await drain_now(queue) == ["a", "b", "c"]


async def test_a_key_added_twice_is_queued_once(queue: WorkQueue[str]) -> None:
    queue.add("a")
    queue.add("b")
    queue.add("a")
    assert len(queue) == 2
    assert await drain_now(queue) == ["a", "b"]


async def test_a_key_is_never_handed_out_while_processing(queue: WorkQueue[str]) -> None:
    queue.add("a")
    assert await queue.get() == "a"
    queue.add("a")
    assert len(queue) == 0
    second = asyncio.create_task(queue.get())
    await settle()
    assert not second.done()
    queue.done("a")
    assert await second == "a"
    queue.done("a")


async def test_a_key_re_added_while_processing_is_processed_once_more(
    queue: WorkQueue[str],
) -> None:
    queue.add("a")
    key = await queue.get()
    queue.add("a")
    queue.add("a")
    queue.add("b")
    queue.done(key)
    assert await drain_now(queue) == ["b", "a"]
    assert len(queue) == 0


async def test_done_of_a_key_not_handed_out_changes_nothing(queue: WorkQueue[str]) -> None:
    queue.add("a")
    queue.done("a")
    assert len(queue) == 1
    assert await drain_now(queue) == ["a"]


async def test_get_waits_for_an_add(queue: WorkQueue[str]) -> None:
    getter = asyncio.create_task(queue.get())
    await settle()
    assert not getter.done()
    queue.add("a")
    assert await getter == "a"
    queue.done("a")


async def test_a_cancelled_get_loses_no_key(queue: WorkQueue[str]) -> None:
    getter = asyncio.create_task(queue.get())
    await settle()
    queue.add("a")  # wakes the getter ...
    getter.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await getter
    assert await queue.get() == "a"
    queue.done("a")


async def test_a_wake_up_given_to_a_cancelled_getter_passes_to_the_next(
    queue: WorkQueue[str],
) -> None:
    first = asyncio.create_task(queue.get())
    await settle()
    second = asyncio.create_task(queue.get())
    await settle()
    queue.add("a")
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == "a"
    queue.done("a")


async def test_each_waiting_getter_receives_a_different_key(queue: WorkQueue[str]) -> None:
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await settle()
    for key in ("a", "b", "c"):
        queue.add(key)
    assert sorted(await asyncio.gather(*getters)) == ["a", "b", "c"]
    for key in ("a", "b", "c"):
        queue.done(key)


# --- delays ---


async def test_add_after_makes_the_key_available_when_due(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("a", 10.0)
    await clock.advance(9.9)
    assert len(queue) == 0
    await clock.advance(0.1)
    assert await drain_now(queue) == ["a"]


async def test_add_after_keeps_the_earliest_due_time(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("a", 10.0)
    queue.add_after("a", 5.0)
    queue.add_after("a", 20.0)
    await clock.advance(5.0)
    assert await drain_now(queue) == ["a"]
    await clock.advance(100.0)
    assert len(queue) == 0


async def test_delayed_keys_come_due_in_time_order(queue: WorkQueue[str], clock: FakeClock) -> None:
    queue.add_after("late", 3.0)
    queue.add_after("early", 1.0)
    queue.add_after("middle", 2.0)
    await clock.advance(3.0)
    assert await drain_now(queue) == ["early", "middle", "late"]


async def test_add_after_without_delay_adds_at_once(queue: WorkQueue[str]) -> None:
    queue.add_after("a", 0.0, priority=Priority.CHANGE)
    assert len(queue) == 1
    assert await drain_now(queue) == ["a"]


async def test_a_due_key_already_queued_is_not_queued_twice(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("a", 1.0)
    queue.add("a")
    await clock.advance(1.0)
    assert await drain_now(queue) == ["a"]


async def test_a_key_due_while_processing_is_processed_after_done(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add("a")
    key = await queue.get()
    queue.add_after("a", 1.0)
    await clock.advance(1.0)
    assert len(queue) == 0
    queue.done(key)
    assert await drain_now(queue) == ["a"]


async def test_one_timer_task_serves_all_delays(queue: WorkQueue[str], clock: FakeClock) -> None:
    for i in range(1000):
        queue.add_after(f"k{i}", 1000.0 - i)
    await settle()
    timers = [t for t in asyncio.all_tasks() if t.get_name().startswith("workqueue-")]
    assert len(timers) == 1
    assert clock.sleepers == 1
    await clock.advance(1000.0)
    assert len(queue) == 1000


# --- priority lanes ---


async def test_a_fresh_add_beats_thousands_of_due_refreshes(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    for i in range(5000):
        queue.add_after(f"refresh-{i}", 60.0, priority=Priority.REFRESH)
    await clock.advance(60.0)
    assert len(queue) == 5000
    queue.add("new")
    assert await queue.get() == "new"
    queue.done("new")
    assert await queue.get() == "refresh-0"  # refreshes stay FIFO among themselves
    queue.done("refresh-0")


async def test_adding_a_key_waiting_for_refresh_promotes_it_once(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    for key in ("r1", "r2", "r3"):
        queue.add_after(key, 1.0, priority=Priority.REFRESH)
    await clock.advance(1.0)
    queue.add("c1")
    queue.add("r2")
    assert len(queue) == 4
    assert await drain_now(queue) == ["c1", "r2", "r1", "r3"]


async def test_a_refresh_coming_due_never_demotes_a_queued_change(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("r", 1.0, priority=Priority.REFRESH)
    queue.add("a")
    queue.add("b")
    await clock.advance(1.0)
    queue.add_after("a", 1.0, priority=Priority.REFRESH)
    await clock.advance(1.0)
    assert await drain_now(queue) == ["a", "b", "r"]


async def test_a_change_while_processing_a_refresh_requeues_in_the_change_lane(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("a", 1.0, priority=Priority.REFRESH)
    queue.add_after("r", 1.0, priority=Priority.REFRESH)
    await clock.advance(1.0)
    key = await queue.get()
    assert key == "a"
    queue.add("a", priority=Priority.REFRESH)
    queue.add("a")  # promotes the pending re-run
    queue.done(key)
    assert await drain_now(queue) == ["a", "r"]


async def test_waiting_requests_merge_to_earliest_time_and_higher_lane(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("r", 1.0, priority=Priority.REFRESH)
    queue.add_after("a", 1.0, priority=Priority.REFRESH)
    queue.add_after("a", 5.0, priority=Priority.CHANGE)
    await clock.advance(1.0)
    assert await drain_now(queue) == ["a", "r"]


# --- rate limiting ---


async def test_add_rate_limited_waits_the_backoff_and_forget_resets_it(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    for expected_delay in (1.0, 2.0, 4.0):
        queue.add_rate_limited("a")
        await clock.advance(expected_delay - 0.01)
        assert len(queue) == 0
        await clock.advance(0.01)
        assert await drain_now(queue) == ["a"]
    assert queue.num_requeues("a") == 3
    queue.forget("a")
    assert queue.num_requeues("a") == 0
    queue.add_rate_limited("a")
    await clock.advance(1.0)
    assert await drain_now(queue) == ["a"]


async def test_rate_limited_retries_go_to_the_change_lane(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("r", 1.0, priority=Priority.REFRESH)
    queue.add_rate_limited("failed")
    await clock.advance(1.0)
    assert await drain_now(queue) == ["failed", "r"]


# --- shutdown ---


async def test_shutdown_hands_out_what_is_queued_then_raises(queue: WorkQueue[str]) -> None:
    queue.add("a")
    queue.shutdown()
    queue.add("b")
    assert queue.shutting_down
    assert await queue.get() == "a"
    queue.done("a")
    with pytest.raises(ShutDown):
        await queue.get()


async def test_shutdown_wakes_waiting_getters(queue: WorkQueue[str]) -> None:
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await settle()
    queue.shutdown()
    results = await asyncio.gather(*getters, return_exceptions=True)
    assert all(isinstance(r, ShutDown) for r in results)


async def test_shutdown_drops_delayed_keys_and_stops_the_timer(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    queue.add_after("a", 1.0)
    await settle()
    queue.shutdown()
    await settle()
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("workqueue-")]
    await clock.advance(10.0)
    assert len(queue) == 0
    queue.add_after("b", 1.0)
    queue.add_rate_limited("c")
    await clock.advance(10.0)
    assert len(queue) == 0


async def test_a_key_re_added_before_shutdown_is_still_handed_out(
    queue: WorkQueue[str],
) -> None:
    queue.add("a")
    key = await queue.get()
    queue.add("a")
    queue.shutdown()
    queue.done(key)
    assert await queue.get() == "a"
    queue.done("a")


async def test_shutdown_with_drain_waits_for_keys_in_flight(queue: WorkQueue[str]) -> None:
    queue.add("a")
    queue.add("b")
    a = await queue.get()
    b = await queue.get()
    drain = asyncio.create_task(queue.shutdown_with_drain())
    await settle()
    queue.done(a)
    await settle()
    assert not drain.done()
    queue.done(b)
    await drain


async def test_shutdown_ends_a_drain_at_once(queue: WorkQueue[str]) -> None:
    queue.add("a")
    await queue.get()
    drain = asyncio.create_task(queue.shutdown_with_drain())
    await settle()
    assert not drain.done()
    queue.shutdown()
    await drain
    queue.done("a")


async def test_shutdown_with_drain_returns_at_once_when_idle(queue: WorkQueue[str]) -> None:
    await queue.shutdown_with_drain()
    with pytest.raises(ShutDown):
        await queue.get()


# --- metrics ---


async def test_metrics_count_adds_depth_and_retries(
    queue: WorkQueue[str], metrics: Metrics, clock: FakeClock
) -> None:
    queue.add("a")
    queue.add("a")
    queue.add("b")
    queue.add_after("c", 1.0)
    assert sample(metrics, "workqueue_adds_total") == 2
    assert sample(metrics, "workqueue_depth") == 2
    assert sample(metrics, "workqueue_retries_total") == 1
    await clock.advance(1.0)
    assert sample(metrics, "workqueue_adds_total") == 3
    assert sample(metrics, "workqueue_depth") == 3
    await drain_now(queue)
    assert sample(metrics, "workqueue_depth") == 0


async def test_metrics_observe_queue_and_work_durations(
    queue: WorkQueue[str], metrics: Metrics, clock: FakeClock
) -> None:
    queue.add("a")
    await clock.advance(2.0)
    key = await queue.get()
    await clock.advance(3.0)
    queue.done(key)
    assert sample(metrics, "workqueue_queue_duration_seconds_sum") == 2.0
    assert sample(metrics, "workqueue_queue_duration_seconds_count") == 1
    assert sample(metrics, "workqueue_work_duration_seconds_sum") == 3.0


async def test_unfinished_work_gauges_tick_while_keys_are_in_flight(
    queue: WorkQueue[str], metrics: Metrics, clock: FakeClock
) -> None:
    queue.add("a")
    queue.add("b")
    a = await queue.get()
    await clock.advance(2.0)
    b = await queue.get()
    await clock.advance(1.0)
    assert sample(metrics, "workqueue_unfinished_work_seconds") == 4.0  # 3 + 1
    assert sample(metrics, "workqueue_longest_running_processor_seconds") == 3.0
    queue.done(a)
    queue.done(b)
    assert sample(metrics, "workqueue_unfinished_work_seconds") == 0.0
    assert sample(metrics, "workqueue_longest_running_processor_seconds") == 0.0
    await clock.advance(10.0)
    assert clock.sleepers == 0  # an idle queue does not tick


async def test_upcoming_lists_keys_in_the_order_they_will_be_handed_out(
    queue: WorkQueue[str], clock: FakeClock
) -> None:
    now = clock.now()
    for i, delay in enumerate([30.0, 10.0, 20.0, 5.0]):
        queue.add_after(f"later-{i}", delay)
    queue.add_after("later-0", 1.0)  # moved earlier: the old heap entry is stale
    queue.add_after("due", 0.0)  # a refresh due now waits in the refresh lane
    queue.add("changed")
    assert queue.upcoming(10) == [
        ("changed", now),
        ("due", now),
        ("later-0", now + 1.0),
        ("later-3", now + 5.0),
        ("later-1", now + 10.0),
        ("later-2", now + 20.0),
    ]
    assert queue.upcoming(3) == queue.upcoming(10)[:3]
    assert await queue.get() == "changed"  # upcoming changed nothing
