"""Which secrets one credential identity will read soon: free seats of a batch go to them.

A ``BatchGetSecretValue`` costs one call whether it carries 3 secrets or 20, and under a
refresh wave most calls leave seats empty (reads arrive a few at a time). ExternalSecrets
refresh periodically and say so: every refresh read carries ``max_age = refreshInterval``. So a
read of secret ``s`` at ``t`` predicts the next read of ``s`` at about ``t + interval``, and a
batch being sent anyway can carry ``s`` a little before that; its value lands in the value cache
and the refresh that follows is a cache hit instead of a call of its own.

Correctness rests on the cache, not on this module: a prefetched value is stored with the time
its call started, and a reader only takes it while it is younger than ``min(cache_ttl,
max_age)``, as for any value another reader fetched. A wrong guess (the ExternalSecret was
deleted, its refresh came late) costs one seat in a call that was made anyway, never a call.

The lead is half the value's lifetime (``min(cache_ttl, interval) / 2``): a secret becomes a
candidate that long before its predicted read, so a refresh up to half a lifetime late still
finds the value fresh. Candidates come out earliest first, which under a backlog is the order
the work queue releases the refreshes in. A candidate is taken once and forgotten; the read it
predicted records the next one. Bounded: ids beyond ``max_ids`` are not recorded (about 200
bytes each).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

# recorded ids per identity; at ~200 B each, 100k ids are ~20 MB
MAX_IDS = 100_000


class DueSoon:
    """Secret ids keyed by when they become worth prefetching, earliest first."""

    def __init__(self, *, max_ids: int = MAX_IDS) -> None:
        self._max = max(0, max_ids)
        # id -> (from when it may be prefetched, the lifetime its reader accepts)
        self._ids: dict[str, tuple[float, float]] = {}
        self._heap: list[tuple[float, str]] = []

    def note(self, secret_id: str, *, now: float, interval: float, lifetime: float) -> None:
        """``secret_id`` was read by a reader refreshing every ``interval`` seconds."""
        if interval <= 0 or lifetime <= 0:
            return
        if secret_id not in self._ids and len(self._ids) >= self._max:
            return
        start = now + interval - lifetime / 2
        self._ids[secret_id] = (start, lifetime)
        heapq.heappush(self._heap, (start, secret_id))
        if len(self._heap) > 2 * len(self._ids) + 1024:
            self._compact()

    def take(self, count: int, *, now: float, skip: Callable[[str, float], bool]) -> list[str]:
        """Up to ``count`` ids due for a prefetch at ``now``, each forgotten once taken.

        ``skip(id, lifetime)`` says an id needs no prefetch (already in flight, or cached
        fresh enough); it is forgotten all the same.
        """
        taken: list[str] = []
        while self._heap and len(taken) < count:
            start, secret_id = self._heap[0]
            if start > now:
                break
            heapq.heappop(self._heap)
            entry = self._ids.get(secret_id)
            if entry is None or entry[0] != start:
                continue  # superseded by a later read
            del self._ids[secret_id]
            if not skip(secret_id, entry[1]):
                taken.append(secret_id)
        return taken

    def _compact(self) -> None:
        self._heap = [(start, sid) for sid, (start, _) in self._ids.items()]
        heapq.heapify(self._heap)

    def __len__(self) -> int:
        return len(self._ids)
