"""The one way eso starts long-lived asyncio tasks.

A bare ``asyncio.create_task`` that dies leaves a controller silently half-alive. Every
long-lived task goes through ``spawn``, which keeps a strong reference, logs any exit that
was not a cancellation, and optionally calls ``on_exit`` so a supervisor can stop the
process. ``TaskSet.close`` cancels everything and waits, shielded from a second cancel, so
shutdown never leaves tasks running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

log = structlog.get_logger("eso.tasks")


class TaskSet:
    """Owns a group of long-lived tasks; nothing it starts is fire-and-forget."""

    def __init__(
        self, *, on_unexpected_exit: Callable[[str, BaseException | None], None] | None = None
    ) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_exit = on_unexpected_exit

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task named ``name`` and watch how it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task_crashed", task=task.get_name(), error=repr(exc), exc_info=exc)
        else:
            # A normal return is how loops end on shutdown (a worker whose queue shut down);
            # worth a trace, not an alarm. Callers that must run forever pass on_unexpected_exit.
            log.debug("task_finished", task=task.get_name())
        if self._on_exit is not None:
            self._on_exit(task.get_name(), exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        """Cancel every task and wait for all of them; safe to call twice."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))
        self._tasks.clear()
