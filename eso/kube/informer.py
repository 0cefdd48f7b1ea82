"""List-then-watch informers feeding an indexed cache, with client-go's reflector contracts.

- Start (and every relist): one paged, consistent list; the cache is replaced with it and the
  differences are delivered as add/update/delete (deletes seen only through a relist carry a
  ``Tombstone``). Afterwards the cache equals the server's state at the list's resourceVersion.
- Then watch from that resourceVersion with bookmarks and a random server timeout in
  [watch_timeout_min, watch_timeout_max] so watches rotate across API servers. A watch that ends
  normally is resumed from the last seen resourceVersion (bookmarks move it too).
- 410 Gone (HTTP or an ERROR event) means our resourceVersion was compacted: relist.
- Transient errors (429, 5xx, connection loss, silence longer than ``inactivity_timeout`` as
  measured by the socket in real time) resume the watch after a jittered exponential backoff
  (0.8 s doubling to 30 s, reset after ``backoff_reset`` seconds without failures); any other
  error relists after the backoff. A watch closed at once without events also backs off.
- Every object passes one transform before it is cached or handed to a handler:
  ``metadata.managedFields`` dropped, then the caller's ``transform`` (which still sees
  kubectl's last-applied-configuration annotation), then that annotation dropped (a full JSON
  copy of the object, and of a Secret's data). Metadata-only informers keep just
  ``apiVersion``/``kind``/``metadata`` even if a server ignores the PartialObjectMetadata ask.
  The cache stores the result encoded (``eso.kube.cache``).
- Handlers run synchronously in event order, in the informer's task; a raising handler is
  logged and never stops the informer. Handlers must be quick (enqueue a key, no I/O).

``run`` runs until cancelled; cancellation is clean (no task is left behind).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter

from eso.clock import Clock, SystemClock
from eso.kube.cache import (
    Cache,
    Delta,
    IndexFunc,
    Obj,
    Staged,
    Tombstone,
    resource_version,
)
from eso.kube.client import KubeClient
from eso.kube.errors import Gone, KubeError, error_from_status, is_transient
from eso.kube.resources import Resource
from eso.metrics import InformerMetrics
from eso.settings import InformerSettings

log = structlog.get_logger(__name__)

Transform = Callable[[Obj], Obj]
OnAdd = Callable[[Obj], None]
OnUpdate = Callable[[Obj, Obj], None]
OnDelete = Callable[[Obj | Tombstone], None]
_SHORT_WATCH = 1.0
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, slots=True)
class _Handler:
    on_add: OnAdd | None
    on_update: OnUpdate | None
    on_delete: OnDelete | None


def drop_managed_fields(obj: Obj) -> Obj:
    """The default transform: managedFields are often half an object's size and unused."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return obj


def drop_last_applied(obj: Obj) -> Obj:
    """Drop ``kubectl apply``'s copy of the whole object (for a Secret: its data, too).

    Nothing eso does reads it; a caller whose logic covers all annotations (ESO's
    syncedResourceVersion hash) derives what it needs in its own transform, which runs first.
    """
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return obj
    annotations = meta.get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        del annotations[LAST_APPLIED]
        if not annotations:
            del meta["annotations"]
    return obj


def default_transform(obj: Obj, *, then: Callable[[Obj], Obj] | None = None) -> Obj:
    """What every informer applies before caching: drop bulky metadata nothing reads.

    ``then`` (an informer's own transform) runs after managedFields are dropped and before
    kubectl's last-applied annotation is, so it can still read that annotation.
    """
    obj = drop_managed_fields(obj)
    if then is not None:
        obj = then(obj)
    return drop_last_applied(obj)


class Backoff:
    """client-go's reflector backoff: exponential with jitter, reset after a quiet period."""

    def __init__(self, *, initial: float, cap: float, reset_after: float, clock: Clock) -> None:
        self._initial, self._cap, self._reset_after = initial, cap, reset_after
        self._clock = clock
        self._current = initial
        self._last: float | None = None

    def next(self) -> float:
        """The delay before the next retry; doubles on every call until ``cap``."""
        now = self._clock.now()
        if self._last is None or now - self._last >= self._reset_after:
            self._current = self._initial
        self._last = now
        delay = min(self._cap, self._current * (1.0 + random.random()))
        self._current = min(self._cap, self._current * 2)
        return delay


class Informer:
    """Keeps ``cache`` equal to the server's objects of one resource (and selector)."""

    def __init__(
        self,
        client: KubeClient,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        metadata_only: bool = False,
        transform: Transform | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        settings: InformerSettings | None = None,
        metrics: InformerMetrics | None = None,
        clock: Clock | None = None,
        name: str | None = None,
    ) -> None:
        self._client = client
        self._resource = resource
        self._namespace = namespace
        self._label_selector = label_selector
        self._field_selector = field_selector
        self._metadata_only = metadata_only
        self._user_transform = transform
        self._settings = settings or InformerSettings()
        self._metrics = metrics or InformerMetrics(CollectorRegistry())
        self._clock = clock or SystemClock()
        self.name = name or resource.plural
        self.cache = Cache(indexers=indexers)
        self._handlers: list[_Handler] = []
        self._synced = False
        self._synced_waiters: list[asyncio.Future[None]] = []
        self._rv: str | None = None
        self._backoff = Backoff(
            initial=self._settings.backoff_initial,
            cap=self._settings.backoff_max,
            reset_after=self._settings.backoff_reset,
            clock=self._clock,
        )
        self._log = log.bind(informer=self.name)
        # looked up once: every watch event counts itself and sets the objects gauge
        self._m_objects = self._metrics.objects.labels(self.name)
        self._m_events: dict[str, Counter] = {}  # by event type, each made at its first event

    # ------------------------------------------------------------- public

    @property
    def resource(self) -> Resource:
        return self._resource

    @property
    def last_resource_version(self) -> str | None:
        """The resourceVersion the next watch starts from (None before the first list)."""
        return self._rv

    def add_handler(
        self,
        on_add: OnAdd | None = None,
        on_update: OnUpdate | None = None,
        on_delete: OnDelete | None = None,
    ) -> None:
        """Register callbacks; objects already cached are replayed to ``on_add`` now."""
        self._handlers.append(_Handler(on_add, on_update, on_delete))
        if on_add is not None:
            for obj in self.cache.objects():
                _call(on_add, obj)

    def has_synced(self) -> bool:
        """True once the first list has been applied to the cache (and forever after)."""
        return self._synced

    async def wait_synced(self) -> None:
        """Return once ``has_synced()``; cancellable."""
        if self._synced:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._synced_waiters.append(fut)
        await fut

    async def run(self) -> None:
        """List and watch until cancelled; never returns otherwise."""
        reason = "initial"
        while True:
            try:
                await self._list_and_replace(reason)
                reason = await self._watch_until_relist()
            except Exception as e:  # an informer must outlive any one failure
                reason = "error"
                delay = self._backoff.next()
                self._log.warning(
                    "informer_list_failed",
                    error=str(e) or type(e).__name__,
                    retry_in=round(delay, 2),
                    exc_info=not isinstance(e, KubeError),
                )
                await self._clock.sleep(delay)

    # ----------------------------------------------------------- listing

    async def _list_and_replace(self, reason: str) -> None:
        """Relist page by page; only new or changed objects are transformed and kept.

        Unchanged objects (same resourceVersion as cached) are dropped as their page is read,
        so a relist of 10k mostly-unchanged objects holds one raw page at a time, not a second
        copy of the cache; new or changed ones are kept as the cache's own blobs (``stage``),
        each raw object freed as soon as it is staged, so a first list of 10k holds the blobs
        the cache keeps plus one page, never 10k dicts. Deltas are applied only once the whole
        list is in, as one step, and decoded one at a time for the handlers.
        """
        self._metrics.relists.labels(self.name, reason).inc()
        try:
            changed, seen, list_rv = await self._collect(self._settings.list_page_size)
        except _ContinueExpiredError:
            self._log.info("informer_list_continue_expired")
            changed, seen, list_rv = await self._collect(None)
        deltas = self.cache.apply_relist(changed, seen)
        del changed, seen
        self._rv = list_rv or _max_rv(self.cache)
        self._log.info("informer_listed", reason=reason, objects=len(self.cache))
        for delta in deltas:
            self._dispatch(delta)
        self._set_gauge()
        self._mark_synced()

    async def _collect(self, limit: int | None) -> tuple[list[Staged], set[str], str | None]:
        changed: list[Staged] = []
        seen: set[str] = set()
        token: str | None = None
        while True:
            try:
                page = await self._client.list(
                    self._resource,
                    namespace=self._namespace,
                    label_selector=self._label_selector,
                    field_selector=self._field_selector,
                    limit=limit,
                    continue_=token,
                    metadata_only=self._metadata_only,
                )
            except Gone as e:
                if token is None:
                    raise
                raise _ContinueExpiredError from e
            items: list[Obj] = page.pop("items", None) or []
            items.reverse()
            while items:  # popped, so each raw object is freed once staged
                item = items.pop()
                key = self.cache.key_of(item)
                seen.add(key)
                old = self.cache.get(key)
                if old is None or resource_version(old) != resource_version(item):
                    changed.append(self.cache.stage(self._transform(item)))
            meta = page.get("metadata") or {}
            token = meta.get("continue") or None
            if not token:
                return changed, seen, str(meta.get("resourceVersion") or "") or None

    def _transform(self, obj: Obj) -> Obj:
        if self._metadata_only:
            obj = {
                "apiVersion": self._resource.api_version,
                "kind": self._resource.kind,
                "metadata": obj.get("metadata") or {},
            }
        else:
            obj.setdefault("apiVersion", self._resource.api_version)
            obj.setdefault("kind", self._resource.kind)
        return default_transform(obj, then=self._user_transform)

    # ---------------------------------------------------------- watching

    async def _watch_until_relist(self) -> str:
        """Watch (resuming after transient errors) until a relist is needed; returns why."""
        while True:
            started = self._clock.now()
            try:
                events = await self._watch_once()
                if events == 0 and self._clock.now() - started < _SHORT_WATCH:
                    # client-go's "very short watch": a server closing at once must not spin us
                    await self._clock.sleep(self._backoff.next())
            except Gone:
                self._log.info("informer_watch_expired", resource_version=self._rv)
                return "gone"
            except KubeError as e:
                if not is_transient(e):
                    raise
                delay = self._backoff.next()
                self._log.info("informer_watch_failed", error=str(e), retry_in=round(delay, 2))
                await self._clock.sleep(delay)

    async def _watch_once(self) -> int:
        """One watch until the server ends it; returns how many events it delivered."""
        s = self._settings
        timeout = int(random.uniform(s.watch_timeout_min, s.watch_timeout_max))
        stream = self._client.watch(
            self._resource,
            namespace=self._namespace,
            resource_version=self._rv,
            allow_bookmarks=True,
            timeout_seconds=max(1, timeout),
            label_selector=self._label_selector,
            field_selector=self._field_selector,
            metadata_only=self._metadata_only,
            read_timeout=s.inactivity_timeout,
        )
        count = 0
        async with aclosing(stream) as events:
            async for event in events:
                count += 1
                self._apply(event)
        return count

    def _apply(self, event: Obj) -> None:
        type_ = str(event.get("type"))
        obj = event.get("object") or {}
        counter = self._m_events.get(type_)
        if counter is None:
            counter = self._m_events[type_] = self._metrics.events.labels(self.name, type_)
        counter.inc()
        if type_ == "ERROR":
            code = int(obj.get("code") or 500)
            raise error_from_status(code, obj)
        if type_ == "BOOKMARK":
            self._rv = resource_version(obj) or self._rv
            return
        obj = self._transform(obj)
        if type_ in ("ADDED", "MODIFIED"):
            old = self.cache.upsert(obj)
            self._dispatch(Delta("added", None, obj) if old is None else Delta("updated", old, obj))
        elif type_ == "DELETED":
            old = self.cache.remove(self.cache.key_of(obj))
            if old is not None:
                self._dispatch(Delta("deleted", old, obj))
        self._rv = resource_version(obj) or self._rv
        self._set_gauge()

    # ---------------------------------------------------------- delivery

    def _dispatch(self, delta: Delta) -> None:
        for h in self._handlers:
            if delta.type == "added" and h.on_add is not None:
                _call(h.on_add, delta.new)
            elif delta.type == "updated" and h.on_update is not None:
                _call(h.on_update, delta.old, delta.new)
            elif delta.type == "deleted" and h.on_delete is not None:
                _call(h.on_delete, delta.new)

    def _set_gauge(self) -> None:
        self._m_objects.set(len(self.cache))

    def _mark_synced(self) -> None:
        self._synced = True
        waiters, self._synced_waiters = self._synced_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)


class _ContinueExpiredError(Exception):
    """A paged list's continue token expired; list again without paging (client-go pager)."""


def _call(fn: Callable[..., None], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("informer_handler_failed", handler=getattr(fn, "__qualname__", repr(fn)))


def _max_rv(cache: Cache) -> str | None:
    """Fallback when a List lacks a resourceVersion: the newest object's (numeric RVs only)."""
    best: int | None = None
    for obj in cache.objects():
        rv = resource_version(obj)
        if rv.isdigit() and (best is None or int(rv) > best):
            best = int(rv)
    return None if best is None else str(best)
