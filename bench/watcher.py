"""Seeing ExternalSecrets become Ready through one watch stream, not by polling objects.

``ReadyWatcher`` lists once for a resourceVersion, then watches every ExternalSecret in the
cluster from it (with bookmarks) and records, on the harness's monotonic clock:

- the first time each object was seen with ``Ready=True`` (its sync latency end point);
- every time an object's ``status.refreshTime`` moved while Ready (one completed sync), which
  gives throughput over time, refreshes included;
- the latest ``Ready=False`` reason per object, to say *why* a run did not finish.

The watch is re-opened from the last resourceVersion when the server ends it; after 410 Gone it
relists. Timestamps are the watcher's own: the API's ``creationTimestamp`` and ``refreshTime``
have one-second resolution, too coarse for sub-second latencies. The watcher lags the server by
one event delivery, which on 127.0.0.1 is well below a millisecond.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.workload import ES_API
from localkube.rawclient import ApiStatusError, RawClient

WATCH_SECONDS = 300
STOP_ATTEMPTS = 30


def _ready(obj: dict[str, Any]) -> tuple[bool | None, str]:
    for cond in obj.get("status", {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True", str(cond.get("reason", ""))
    return None, ""


class ReadyWatcher:
    """Watches all ExternalSecrets; ``await start()``, ``await wait_ready(keys)``, ``stop()``."""

    def __init__(self, client: RawClient) -> None:
        self._client = client
        self.ready_at: dict[str, float] = {}
        # first time each object was seen at all (its ADDED event): create → seen is the
        # control plane's share of a new object's latency, seen → Ready the controller's
        self.seen_at: dict[str, float] = {}
        self.sync_times: list[float] = []
        self.not_ready: dict[str, str] = {}
        self._refresh_time: dict[str, str] = {}
        self._rv = ""
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._stopping = False
        self.events = 0

    async def start(self) -> None:
        """List for a resourceVersion (and current state), then watch in a task."""
        await self._relist()
        self._task = asyncio.create_task(self._run(), name="bench-es-watch")

    async def stop(self) -> None:
        """End the watch task; bounded, and never swallows the caller's own cancellation.

        On Python 3.11 ``asyncio.wait_for`` can lose a cancellation that arrives as its inner
        read completes (the stream is busy during a storm), so the task is also told to stop
        through a flag and cancelled again until it is done, at most ``STOP_ATTEMPTS`` times.
        A failed watch has already failed ``wait_ready``; its error is not raised again here.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        for _ in range(STOP_ATTEMPTS):
            if task.done():
                break
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
        if task.done() and not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved

    async def _relist(self) -> None:
        listed = await self._client.list(ES_API, "externalsecrets")
        for obj in listed.get("items", []):
            self._observe(obj)
        self._rv = listed["metadata"]["resourceVersion"]

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._watch_once()
            except TimeoutError:
                continue  # no event for a while: re-open from the last resourceVersion
            except ApiStatusError as e:
                if e.status != 410:
                    raise
                await self._relist()

    async def _watch_once(self) -> None:
        # ``next`` gives up after its default wait (seconds) without an event; ``_run`` then
        # re-opens the watch, which is cheap and also covers a silently dead connection.
        async with self._client.watch(
            ES_API,
            "externalsecrets",
            resource_version=self._rv,
            allow_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
        ) as stream:
            while not self._stopping and (event := await stream.next()) is not None:
                self._on_event(event)

    def _on_event(self, event: dict[str, Any]) -> None:
        obj = event.get("object", {})
        if event.get("type") == "ERROR":
            if obj.get("code") == 410:
                raise ApiStatusError(410, obj)
            return
        self._rv = obj.get("metadata", {}).get("resourceVersion", self._rv)
        if event.get("type") in ("ADDED", "MODIFIED"):
            self._observe(obj)

    def _observe(self, obj: dict[str, Any]) -> None:
        self.events += 1
        meta = obj.get("metadata", {})
        key = f"{meta.get('namespace')}/{meta.get('name')}"
        now = time.monotonic()
        self.seen_at.setdefault(key, now)
        ready, reason = _ready(obj)
        if not ready:
            if ready is False:
                self.not_ready[key] = reason
            return
        self.not_ready.pop(key, None)
        self.ready_at.setdefault(key, now)
        refreshed = str(obj.get("status", {}).get("refreshTime", ""))
        if self._refresh_time.get(key) != refreshed:
            self._refresh_time[key] = refreshed
            self.sync_times.append(now)
        self._changed.set()

    async def wait_ready(
        self, keys: set[str], *, within: float, check: Callable[[], None] | None = None
    ) -> bool:
        """Wait until every key has been Ready; False after ``within`` seconds.

        ``check`` runs about every second (e.g. "is the controller still alive", raising if
        not), so a dead controller ends the wait at once instead of after ``within``.
        """
        deadline = time.monotonic() + within
        while True:
            if check is not None:
                check()
            if self._task is not None and self._task.done():
                self._task.result()  # the watch failed: raise its error
            if keys <= self.ready_at.keys():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            # asyncio.timeout, not wait_for: it never loses a cancellation (Ctrl-C) on 3.11
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, 1.0)):
                    await self._changed.wait()

    def reasons(self, keys: set[str]) -> dict[str, int]:
        """How many of ``keys`` are not Ready yet, by their Ready=False reason (or "pending")."""
        missing = keys - self.ready_at.keys()
        return dict(Counter(self.not_ready.get(k, "pending") for k in missing))
