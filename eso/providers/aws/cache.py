"""A short-lived, bounded, in-memory cache of fetched secret values.

One AWS call per secret per refresh window, however many ExternalSecrets read it. Keys start
with the credential identity, so a store can only ever be served values fetched with its own
credentials (two namespaces' stores reading a secret of the same name with different keys
never share an entry). The provider flushes an identity's entries when its credentials change.

An entry is reused only while it is younger than ``min(ttl, max_age)``, where ``max_age`` is
the reader's refreshInterval: a reader refreshing every 10 s never gets a value older than
10 s, so an AWS change reaches every reader within its own refresh interval. The comparison is
strict so that a reader refreshing exactly one interval after the fetch reads again.

Values live only in this process's memory (never on disk, never in logs). The cache is bounded
with least-recently-used eviction, and expired entries are dropped as new ones arrive;
``enabled=False`` or ``ttl=0`` turns it off.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, NamedTuple, TypeVar

from eso.clock import Clock, SystemClock

V = TypeVar("V")


class CacheKey(NamedTuple):
    identity: str
    secret_id: str
    version: str


class ValueCache(Generic[V]):
    """LRU of ``CacheKey`` → value with a per-read age limit."""

    def __init__(
        self, *, ttl: float, max_entries: int, enabled: bool = True, clock: Clock | None = None
    ) -> None:
        self._ttl = ttl
        self._max = max(0, max_entries)
        self.enabled = enabled and ttl > 0 and self._max > 0
        self._clock = clock or SystemClock()
        self._entries: OrderedDict[CacheKey, tuple[float, V]] = OrderedDict()

    def get(self, key: CacheKey, *, max_age: float | None = None) -> V | None:
        """The cached value if younger than ``min(ttl, max_age)``; ``None`` otherwise."""
        if not self.enabled:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        limit = self._ttl if max_age is None else min(self._ttl, max_age)
        fetched_at, value = entry
        age = self._clock.now() - fetched_at
        if age >= self._ttl:
            del self._entries[key]  # no reader may use it any more
            return None
        if age >= limit:
            return None
        self._entries.move_to_end(key)
        return value

    def age(self, key: CacheKey) -> float | None:
        """Seconds since ``key``'s value was fetched, if it is still held (no LRU touch)."""
        entry = self._entries.get(key) if self.enabled else None
        return None if entry is None else self._clock.now() - entry[0]

    def put(self, key: CacheKey, value: V, *, fetched_at: float | None = None) -> None:
        """Remember ``value``; ``fetched_at`` is when the AWS call started (default: now)."""
        if not self.enabled:
            return
        when = self._clock.now() if fetched_at is None else fetched_at
        self._entries[key] = (when, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        self._drop_expired()

    def _drop_expired(self) -> None:
        """Evict expired entries from the least-recently-used end (amortised O(1) per put):
        values nobody may read must not sit in memory until the size bound pushes them out."""
        now = self._clock.now()
        while self._entries:
            oldest_key = next(iter(self._entries))
            if now - self._entries[oldest_key][0] < self._ttl:
                return
            del self._entries[oldest_key]

    def flush_identity(self, identity: str) -> int:
        """Drop every entry of ``identity``; returns how many were dropped."""
        stale = [k for k in self._entries if k.identity == identity]
        for k in stale:
            del self._entries[k]
        return len(stale)

    def forget_secret(self, secret_id: str) -> int:
        """Drop every entry of ``secret_id`` (all identities and versions) after a write to
        it, so no reader is served the value from before the write; returns how many."""
        stale = [k for k in self._entries if k.secret_id == secret_id]
        for k in stale:
            del self._entries[k]
        return len(stale)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
