"""The worker loop: what a reconcile's outcome does to the queue, metrics, logs and stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from eso.clock import FakeClock
from eso.controllers.runtime.worker import Controller, HandledError, Result
from eso.kube.ratelimit import ItemExponentialFailureRateLimiter
from eso.kube.workqueue import Priority, WorkQueue
from eso.metrics import Metrics
from eso.providers.readahead import READING, ReadContext

NAME = "externalsecret"


class Reconciler:
    """A scripted reconcile: per key, a list of outcomes (Result, exception, or a gate)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.script: dict[str, list[Any]] = {}
        self.running: set[str] = set()
        self.max_parallel_same_key = 0
        self.contexts: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.reading: list[ReadContext | None] = []

    async def __call__(self, key: str) -> Result:
        if key in self.running:
            self.max_parallel_same_key = 2
        self.running.add(key)
        self.calls.append(key)
        self.contexts.append(structlog.contextvars.get_contextvars())
        self.reading.append(READING.get())
        try:
            outcome = self.script.get(key, []).pop(0) if self.script.get(key) else Result()
            if isinstance(outcome, asyncio.Event):
                await outcome.wait()
                return Result()
            if isinstance(outcome, BaseException):
                raise outcome
            assert isinstance(outcome, Result)
            return outcome
        except asyncio.CancelledError:
            self.cancelled.append(key)
            raise
        finally:
            self.running.discard(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def reconciler() -> Reconciler:
    return Reconciler()


@pytest.fixture
async def queue(clock: FakeClock, metrics: Metrics) -> AsyncIterator[WorkQueue[str]]:
    q = WorkQueue[str](
        NAME,
        rate_limiter=ItemExponentialFailureRateLimiter(1.0, 60.0),
        metrics=metrics.workqueue,
        clock=clock,
    )
    yield q
    q.shutdown()


@pytest.fixture
def make_controller(
    queue: WorkQueue[str], reconciler: Reconciler, metrics: Metrics, clock: FakeClock
) -> Callable[..., Controller[str]]:
    def make(workers: int = 1) -> Controller[str]:
        return Controller(
            NAME,
            queue=queue,
            reconcile=reconciler,
            workers=workers,
            metrics=metrics.runtime,
            clock=clock,
        )

    return make


@pytest.fixture
async def running(
    make_controller: Callable[..., Controller[str]],
) -> AsyncIterator[Controller[str]]:
    """A one-worker controller, running; stopped at teardown."""
    controller = make_controller()
    task = asyncio.create_task(controller.run())
    await settle()
    yield controller
    await controller.stop(0.0)
    await task


async def settle() -> None:
    """Let ready tasks run; synchronisation by yielding, never by sleeping."""
    for _ in range(20):
        await asyncio.sleep(0)


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"controller": NAME, **labels})


@pytest.mark.usefixtures("running")
async def test_success_forgets_the_backoff(
    queue: WorkQueue[str], reconciler: Reconciler, clock: FakeClock, metrics: Metrics
) -> None:
    reconciler.script["a"] = [RuntimeError("boom"), RuntimeError("boom"), Result()]
    queue.add("a")
    await settle()
    await clock.advance(1.0)
    assert queue.num_requeues("a") == 2
    await clock.advance(2.0)
    assert reconciler.calls == ["a", "a", "a"]
    assert queue.num_requeues("a") == 0
    assert sample(metrics, "controller_runtime_reconcile_total", result="success") == 1
    await clock.advance(600.0)
    assert reconciler.calls == ["a", "a", "a"]  # success means no requeue


@pytest.mark.usefixtures("running")
async def test_an_error_is_retried_with_growing_backoff(
    queue: WorkQueue[str], reconciler: Reconciler, clock: FakeClock, metrics: Metrics
) -> None:
    reconciler.script["a"] = [RuntimeError("boom")] * 3
    queue.add("a")
    await settle()
    assert reconciler.calls == ["a"]
    await clock.advance(0.99)
    assert reconciler.calls == ["a"]
    await clock.advance(0.01)
    assert reconciler.calls == ["a", "a"]
    await clock.advance(1.99)
    assert reconciler.calls == ["a", "a"]
    await clock.advance(0.01)
    assert reconciler.calls == ["a", "a", "a"]
    assert sample(metrics, "controller_runtime_reconcile_errors_total") == 3
    assert sample(metrics, "controller_runtime_reconcile_total", result="error") == 3


async def test_an_error_is_logged_with_context_only(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
) -> None:
    reconciler.script["ns/es"] = [ValueError("bad ref")]
    controller = make_controller()
    queue.add("ns/es")
    with capture_logs() as logs:
        task = asyncio.create_task(controller.run())
        await settle()
        await controller.stop(0.0)
        await task
    assert logs == [
        {
            "event": "reconcile_failed",
            "log_level": "error",
            "controller": NAME,
            "key": "ns/es",
            "error_type": "ValueError",
            "error": "bad ref",
        }
    ]


class ReportedError(HandledError):
    pass


async def test_a_handled_error_is_retried_but_logged_at_debug_only(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
    clock: FakeClock,
    metrics: Metrics,
) -> None:
    """The reconciler already logged the failure: one log line per failed sync, not two."""
    reconciler.script["ns/es"] = [ReportedError("store not ready"), Result()]
    controller = make_controller()
    queue.add("ns/es")
    with capture_logs() as logs:
        task = asyncio.create_task(controller.run())
        await settle()
        assert queue.num_requeues("ns/es") == 1
        await clock.advance(1.0)
        await controller.stop(0.0)
        await task
    assert reconciler.calls == ["ns/es", "ns/es"]
    assert [(e["event"], e["log_level"]) for e in logs] == [("reconcile_retry", "debug")]
    assert "store not ready" not in str(logs)
    assert sample(metrics, "controller_runtime_reconcile_errors_total") == 1


@pytest.mark.usefixtures("running")
async def test_an_error_never_kills_the_worker(
    queue: WorkQueue[str], reconciler: Reconciler
) -> None:
    reconciler.script["a"] = [RuntimeError("boom")]
    reconciler.script["b"] = [KeyError("x")]
    for key in ("a", "b", "c"):
        queue.add(key)
    await settle()
    assert reconciler.calls == ["a", "b", "c"]


@pytest.mark.usefixtures("running")
async def test_requeue_after_schedules_a_refresh(
    queue: WorkQueue[str], reconciler: Reconciler, clock: FakeClock, metrics: Metrics
) -> None:
    reconciler.script["a"] = [RuntimeError("boom"), Result(requeue_after=30.0)]
    queue.add("a")
    await settle()
    await clock.advance(1.0)
    assert reconciler.calls == ["a", "a"]
    assert queue.num_requeues("a") == 0
    await clock.advance(29.9)
    assert reconciler.calls == ["a", "a"]
    await clock.advance(0.1)
    assert reconciler.calls == ["a", "a", "a"]
    assert sample(metrics, "controller_runtime_reconcile_total", result="requeue_after") == 1


async def test_requeue_after_goes_to_the_refresh_lane(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
    clock: FakeClock,
) -> None:
    reconciler.script["refreshing"] = [Result(requeue_after=5.0)]
    queue.add("refreshing")
    queue.add_after("other-refresh", 5.0, priority=Priority.REFRESH)
    controller = make_controller()
    task = asyncio.create_task(controller.run())
    await settle()
    gate = asyncio.Event()
    reconciler.script["blocker"] = [gate]
    queue.add("blocker")
    await settle()
    await clock.advance(5.0)  # both refreshes due while the only worker is busy
    queue.add("changed")
    gate.set()
    await settle()
    assert reconciler.calls == ["refreshing", "blocker", "changed", "other-refresh", "refreshing"]
    await controller.stop(0.0)
    await task


@pytest.mark.usefixtures("running")
async def test_zero_requeue_after_is_a_rate_limited_requeue(
    queue: WorkQueue[str], reconciler: Reconciler, clock: FakeClock, metrics: Metrics
) -> None:
    reconciler.script["a"] = [Result(requeue_after=0.0), Result(requeue_after=0.0)]
    queue.add("a")
    await settle()
    await clock.advance(1.0)
    assert reconciler.calls == ["a", "a"]
    await clock.advance(2.0)
    assert reconciler.calls == ["a", "a", "a"]
    assert sample(metrics, "controller_runtime_reconcile_total", result="requeue") == 2


@pytest.mark.usefixtures("running")
async def test_reconcile_time_is_observed(
    queue: WorkQueue[str], reconciler: Reconciler, clock: FakeClock, metrics: Metrics
) -> None:
    gate = asyncio.Event()
    reconciler.script["a"] = [gate]
    queue.add("a")
    await settle()
    await clock.advance(1.5)
    gate.set()
    await settle()
    assert sample(metrics, "controller_runtime_reconcile_time_seconds_sum") == 1.5
    assert sample(metrics, "controller_runtime_reconcile_time_seconds_count") == 1


@pytest.mark.usefixtures("running")
async def test_log_context_is_bound_per_reconcile_and_cleared(
    queue: WorkQueue[str], reconciler: Reconciler
) -> None:
    structlog.contextvars.clear_contextvars()
    queue.add("a")
    queue.add("b")
    await settle()
    first, second = reconciler.contexts
    assert first["controller"] == NAME
    assert (first["key"], second["key"]) == ("a", "b")
    assert first["reconcile_id"] != second["reconcile_id"]
    assert structlog.contextvars.get_contextvars() == {}


async def test_workers_run_in_parallel_but_never_on_one_key(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
    metrics: Metrics,
) -> None:
    gates = {key: asyncio.Event() for key in ("a", "b", "c")}
    for key, gate in gates.items():
        reconciler.script[key] = [gate, Result()]
    controller = make_controller(workers=4)
    task = asyncio.create_task(controller.run())
    for key in gates:
        queue.add(key)
    await settle()
    queue.add("a")  # while "a" is in flight
    await settle()
    assert sorted(reconciler.running) == ["a", "b", "c"]
    assert sample(metrics, "controller_runtime_active_workers") == 3
    assert sample(metrics, "controller_runtime_max_concurrent_reconciles") == 4
    for gate in gates.values():
        gate.set()
    await settle()
    assert sorted(reconciler.calls) == ["a", "a", "b", "c"]
    assert reconciler.max_parallel_same_key == 0
    assert sample(metrics, "controller_runtime_active_workers") == 0
    await controller.stop(0.0)
    await task


async def test_run_returns_once_the_queue_is_shut_down_and_empty(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
) -> None:
    controller = make_controller(workers=2)
    task = asyncio.create_task(controller.run())
    queue.add("a")
    queue.add("b")
    queue.add("c")
    queue.shutdown()
    await task
    assert reconciler.calls == ["a", "b", "c"]


async def test_cancelling_run_cancels_in_flight_reconciles(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
) -> None:
    reconciler.script["a"] = [asyncio.Event()]
    controller = make_controller(workers=2)
    task = asyncio.create_task(controller.run())
    queue.add("a")
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert reconciler.cancelled == ["a"]
    assert len(queue) == 0


async def test_stop_lets_in_flight_reconciles_finish_within_grace(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
    clock: FakeClock,
    metrics: Metrics,
) -> None:
    gate = asyncio.Event()
    reconciler.script["a"] = [gate]
    controller = make_controller(workers=2)
    task = asyncio.create_task(controller.run())
    queue.add("a")
    await settle()
    stopper = asyncio.create_task(controller.stop(10.0))
    await settle()
    await clock.advance(5.0)
    assert not stopper.done()
    gate.set()
    await stopper
    await task
    assert reconciler.calls == ["a"]
    assert reconciler.cancelled == []
    assert sample(metrics, "controller_runtime_reconcile_total", result="success") == 1


async def test_stop_takes_no_new_keys(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
) -> None:
    gate = asyncio.Event()
    reconciler.script["a"] = [gate]
    controller = make_controller(workers=1)
    task = asyncio.create_task(controller.run())
    queue.add("a")
    await settle()
    queue.add("b")
    queue.add("c")
    stopper = asyncio.create_task(controller.stop(10.0))
    await settle()
    gate.set()
    await stopper
    await task
    assert reconciler.calls == ["a"]


async def test_stop_cancels_reconciles_still_running_after_grace(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
    clock: FakeClock,
) -> None:
    reconciler.script["stuck"] = [asyncio.Event()]
    controller = make_controller(workers=2)
    task = asyncio.create_task(controller.run())
    queue.add("stuck")
    await settle()
    stopper = asyncio.create_task(controller.stop(10.0))
    await settle()
    await clock.advance(9.9)
    assert reconciler.cancelled == []
    await clock.advance(0.1)
    await stopper
    await task
    assert reconciler.cancelled == ["stuck"]


async def test_stop_before_run_ends_run_at_once(
    make_controller: Callable[..., Controller[str]],
    queue: WorkQueue[str],
    reconciler: Reconciler,
) -> None:
    controller = make_controller(workers=3)
    queue.add("a")
    await controller.stop(1.0)
    await controller.run()
    assert reconciler.calls == []


def test_a_controller_needs_a_worker(
    queue: WorkQueue[str], reconciler: Reconciler, metrics: Metrics
) -> None:
    with pytest.raises(ValueError):
        Controller(NAME, queue=queue, reconcile=reconciler, workers=0, metrics=metrics.runtime)


@pytest.mark.usefixtures("running")
async def test_a_reconcile_knows_its_key_and_what_comes_next_in_the_queue(
    queue: WorkQueue[str], reconciler: Reconciler
) -> None:
    gate = asyncio.Event()
    reconciler.script["a"] = [gate]
    for key in ("a", "b", "c"):
        queue.add(key)
    await settle()
    reading = reconciler.reading[0]
    assert reading is not None and reading.key == "a"
    assert [k for k, _ in reading.upcoming(10)] == ["b", "c"]
    gate.set()
    await settle()
    assert READING.get() is None
