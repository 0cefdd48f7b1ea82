"""Watch streams: history replay, selector-aware events, bookmarks, 410 Expired.

A ``Watcher`` is subscribed to one storage key. The Store calls ``offer`` synchronously at
commit; the watcher decides what this client sees (an object leaving a label selection is
DELETED, entering is ADDED, as kube-apiserver's cacheWatcher does) and appends an already
encoded line to its buffer. Encoded lines are cached on the Event per (type, view), so N
watchers with the same view cost one ``json.dumps``. The writer coroutine drains the whole
buffer per wake-up, so a burst becomes one chunked write.

``kubectl get -w`` watches with ``as=Table``: each event's object is then a one-row Table
(column definitions included, kubectl prints them once), made by the ``render`` the handler
passes; BOOKMARK and ERROR events keep their usual objects, as on the real server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from localkube.apiserver.conversion import view
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.selectors import FieldSelector, LabelSelector
from localkube.apiserver.status import ApiError
from localkube.apiserver.store import Event, with_rv

JSONDict = dict[str, Any]
# A client this far behind is cut off, as the real server drops slow watchers.
MAX_BUFFERED = 200_000
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _line(etype: str, obj: JSONDict) -> bytes:
    return json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"


class Watcher:
    """One watch request's filter and outgoing buffer."""

    def __init__(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        metadata_only: bool,
        bookmarks: bool,
        render: Callable[[JSONDict], JSONDict] | None = None,
        render_key: str = "",
    ) -> None:
        """``render`` replaces the served view of each object (Tables); watchers passing the
        same ``render_key`` share encoded lines, so it must name everything ``render`` uses."""
        self.rt = rt
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.metadata_only = metadata_only
        self.bookmarks = bookmarks
        self._render = render
        self._view = (rt.group, rt.version, metadata_only, render_key)
        self._buf: list[bytes] = []
        self._wake = asyncio.Event()
        self.closed = False

    def matches(self, obj: JSONDict) -> bool:
        if self.namespace is not None and obj["metadata"].get("namespace") != self.namespace:
            return False
        if self.labels is not None and not self.labels.matches(obj):
            return False
        return self.fields is None or self.fields.matches(obj)

    def _encoded(self, event: Event, etype: str, which: str) -> bytes:
        key = (etype, which, self._view)
        line = event.cache.get(key)
        if line is None:
            if which == "obj":
                obj = event.obj
            else:
                assert event.prev is not None
                obj = with_rv(event.prev, event.rv)
            line = _line(etype, self._served(obj))
            event.cache[key] = line
        return line

    def _served(self, obj: JSONDict) -> JSONDict:
        if self._render is not None:
            return self._render(obj)
        return view(self.rt, obj, metadata_only=self.metadata_only)

    def offer(self, event: Event) -> None:
        now = self.matches(event.obj)
        if event.type == "ADDED" or event.type == "DELETED":
            if now:
                self._push(self._encoded(event, event.type, "obj"))
            return
        before = event.prev is not None and self.matches(event.prev)
        if now:
            self._push(self._encoded(event, "MODIFIED" if before else "ADDED", "obj"))
        elif before:
            self._push(self._encoded(event, "DELETED", "prev"))

    def send_initial(self, obj: JSONDict) -> None:
        if self.matches(obj):
            self._push(_line("ADDED", self._served(obj)))

    def bookmark(self, rv: int, *, initial_events_end: bool = False) -> None:
        """A BOOKMARK at ``rv``, if the client allowed them (the end of initial events is
        sent regardless, as the real server requires allowWatchBookmarks for it anyway)."""
        if not (self.bookmarks or initial_events_end) or self.closed:
            return
        kind = "PartialObjectMetadata" if self.metadata_only else self.rt.kind
        api_version = "meta.k8s.io/v1" if self.metadata_only else self.rt.api_version
        metadata: JSONDict = {"resourceVersion": str(rv)}
        if initial_events_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": kind, "apiVersion": api_version, "metadata": metadata}
        self._push(_line("BOOKMARK", obj))

    def error(self, err: ApiError) -> None:
        self._push(_line("ERROR", err.body()))
        self.close()

    def _push(self, line: bytes) -> None:
        if self.closed:
            return
        self._buf.append(line)
        if len(self._buf) > MAX_BUFFERED:
            self.close()
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def stream(self, resp: web.StreamResponse, *, seconds: float) -> None:
        """Write buffered lines until closed or ``seconds`` pass (the watch's timeout)."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    if self._buf:
                        data, self._buf = b"".join(self._buf), []
                        await resp.write(data)
                        continue
                    if self.closed:
                        return
                    self._wake.clear()
                    await self._wake.wait()
        except (TimeoutError, ConnectionResetError):
            # the client went away or the watch timed out: both end the stream normally
            self.close()
