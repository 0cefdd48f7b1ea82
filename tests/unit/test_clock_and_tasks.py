"""FakeClock wakes sleepers in due order; TaskSet reports crashes and closes everything."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from eso.clock import FakeClock
from eso.tasks import TaskSet


async def test_fake_clock_wakes_sleepers_in_due_order_only_when_advanced() -> None:
    clock = FakeClock()
    woke: list[str] = []

    async def sleeper(name: str, delay: float) -> None:
        await clock.sleep(delay)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper(n, d)) for n, d in (("late", 5), ("early", 1))]
    await asyncio.sleep(0)
    assert clock.sleepers == 2
    await clock.advance(0.5)
    assert woke == []
    await clock.advance(4.5)
    assert woke == ["early", "late"]
    await asyncio.gather(*tasks)


async def test_fake_clock_time_moves_by_exactly_the_advance() -> None:
    clock = FakeClock(start=10.0)
    wall = clock.wall()
    await clock.advance(2.5)
    assert clock.now() == 12.5
    assert (clock.wall() - wall).total_seconds() == 2.5


async def test_task_set_reports_a_crashed_task_by_name() -> None:
    exits: list[tuple[str, BaseException | None]] = []
    tasks = TaskSet(on_unexpected_exit=lambda name, exc: exits.append((name, exc)))

    async def boom() -> None:
        raise RuntimeError("broken")

    with capture_logs() as logs:
        task = tasks.spawn(boom(), name="boom")
        with pytest.raises(RuntimeError):
            await task
        await asyncio.sleep(0)
    assert [name for name, _ in exits] == ["boom"]
    assert any(e["event"] == "task_crashed" and e["task"] == "boom" for e in logs)
    await tasks.close()


async def test_task_set_close_cancels_and_waits_for_every_task() -> None:
    tasks = TaskSet()
    forever = [tasks.spawn(asyncio.Event().wait(), name=f"wait-{i}") for i in range(3)]
    assert len(tasks) == 3
    await tasks.close()
    assert all(t.cancelled() for t in forever)
    assert len(tasks) == 0
    await tasks.close()  # safe twice
