"""Kubernetes Events for users (``kubectl describe externalsecret``), never in the way.

``record`` only puts the event on a bounded queue and returns: a reconcile never waits for the
API server, and when the queue is full (API server down, event storm) the event is dropped —
events are best-effort, as in client-go's broadcaster. Drops are logged once as they begin and
then at most once per ``DROP_LOG_INTERVAL`` with the count since the last line, and counted in
``eso_events_dropped_total{component}``: a cold start of 10k ExternalSecrets dropped ~8,300
events, and one warning per drop buried every other line.

One sender task (``run``) writes them. Like client-go's EventCorrelator, an event identical to
one sent within ``aggregate_window`` seconds (same object, type, reason, message, source) is
not created again: the existing Event's ``count`` and ``lastTimestamp`` are PATCHed instead.
Messages are truncated to 1024 characters; keeping secret values out of them is the caller's
job.
"""

from __future__ import annotations

import asyncio
import socket
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from prometheus_client import Counter

from eso.clock import Clock, SystemClock
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError, NotFound
from eso.kube.resources import EVENTS

log = structlog.get_logger(__name__)

EventType = Literal["Normal", "Warning"]
MAX_MESSAGE = 1024
DROP_LOG_INTERVAL = 10.0
COMPONENT = "external-secrets"


@dataclass(frozen=True, slots=True)
class _Pending:
    involved: tuple[tuple[str, str], ...]
    type_: str
    reason: str
    message: str


@dataclass(slots=True)
class _Sent:
    name: str
    namespace: str
    count: int
    first: str
    last_at: float


class EventRecorder:
    """Queues Events for one sender task; create once per process and spawn ``run()``."""

    def __init__(
        self,
        client: KubeClient,
        *,
        component: str = COMPONENT,
        clock: Clock | None = None,
        queue_size: int = 1000,
        aggregate_window: float = 600.0,
        max_tracked: int = 4096,
        dropped_counter: Counter | None = None,
    ) -> None:
        self._client = client
        self._component = component
        self._instance = socket.gethostname()
        self._clock = clock or SystemClock()
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=queue_size)
        self._window = aggregate_window
        self._max_tracked = max_tracked
        self._sent: OrderedDict[_Pending, _Sent] = OrderedDict()
        self.dropped = 0
        self._dropped_counter = dropped_counter  # a child: eso_events_dropped{component}
        self._dropped_unlogged = 0
        self._drop_logged_at: float | None = None

    def record(self, obj: dict[str, Any], *, type_: EventType, reason: str, message: str) -> None:
        """Queue an Event about ``obj``; never blocks, never raises for a full queue."""
        meta = obj.get("metadata") or {}
        involved = {
            "apiVersion": obj.get("apiVersion", ""),
            "kind": obj.get("kind", ""),
            "name": meta.get("name", ""),
            "namespace": meta.get("namespace", ""),
            "uid": meta.get("uid", ""),
        }
        pending = _Pending(
            involved=tuple((k, str(v)) for k, v in involved.items() if v),
            type_=type_,
            reason=reason,
            message=message[:MAX_MESSAGE],
        )
        try:
            self._queue.put_nowait(pending)
        except asyncio.QueueFull:
            self.dropped += 1
            if self._dropped_counter is not None:
                self._dropped_counter.inc()
            self._dropped_unlogged += 1
            now = self._clock.now()
            last = self._drop_logged_at
            if last is None or now - last >= DROP_LOG_INTERVAL:
                log.warning(
                    "events_dropped",
                    dropped=self._dropped_unlogged,
                    total=self.dropped,
                    reason=reason,
                    queue_size=self._queue.maxsize,
                )
                self._dropped_unlogged, self._drop_logged_at = 0, now

    async def flush(self) -> None:
        """Wait until every queued event has been sent (or failed); for tests and shutdown."""
        await self._queue.join()

    async def run(self) -> None:
        """Send queued events until cancelled; a failed send is logged and skipped."""
        while True:
            pending = await self._queue.get()
            try:
                await self._send(pending)
            except KubeError as e:
                log.warning("event_send_failed", reason=pending.reason, error=str(e))
            finally:
                self._queue.task_done()

    async def _send(self, p: _Pending) -> None:
        now = self._clock.now()
        sent = self._sent.get(p)
        if sent is not None and now - sent.last_at <= self._window:
            try:
                await self._bump(sent, now)
                self._sent.move_to_end(p)
                return
            except NotFound:
                del self._sent[p]
        self._sent[p] = await self._create(p, now)
        while len(self._sent) > self._max_tracked:
            self._sent.popitem(last=False)

    async def _bump(self, sent: _Sent, now: float) -> None:
        sent.count += 1
        sent.last_at = now
        stamp = self._timestamp()
        await self._client.patch(
            EVENTS,
            name=sent.name,
            namespace=sent.namespace,
            body={"count": sent.count, "lastTimestamp": stamp},
        )

    async def _create(self, p: _Pending, now: float) -> _Sent:
        involved = dict(p.involved)
        namespace = involved.get("namespace") or "default"
        wall = self._clock.wall()
        stamp = self._timestamp()
        name = f"{involved.get('name', 'unknown')}.{int(wall.timestamp() * 1e9):x}"
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved,
            "reason": p.reason,
            "message": p.message,
            "type": p.type_,
            "source": {"component": self._component},
            "reportingComponent": self._component,
            "reportingInstance": self._instance,
            "count": 1,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
        }
        await self._client.create(EVENTS, body=body, namespace=namespace)
        return _Sent(name=name, namespace=namespace, count=1, first=stamp, last_at=now)

    def _timestamp(self) -> str:
        return self._clock.wall().strftime("%Y-%m-%dT%H:%M:%SZ")
