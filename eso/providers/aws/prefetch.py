"""Which secrets the next reconciles will read: free seats of a batch go to them.

A ``BatchGetSecretValue`` costs one call whether it carries 3 secrets or 20, and under a
refresh wave most calls leave seats empty (reads arrive a few at a time). The work queue knows
which keys come next (``eso.providers.readahead``) and this map remembers which secrets each
key read last time with this identity, so a batch being sent anyway carries theirs; the value
lands in the value cache and the reconcile that follows is a cache hit, not a call.

Correctness rests on the cache, not on this module: a prefetched value is stored with the time
its call started, and a reader only takes it while it is younger than ``min(cache_ttl,
max_age)``, as for any value another reader fetched. A wrong guess (the spec changed, the key
was deleted) costs one seat in a call that was made anyway, never a call.

Only keys due within half the value's lifetime (``min(cache_ttl, refreshInterval) / 2``) are
candidates, and only the first ``SCAN`` keys in line are looked at, so a prefetched value is
normally read well before it ages out. A secret already cached younger than half its lifetime
is left alone. Bounded: the least recently read keys are forgotten beyond ``max_keys``.

An entry is as small as it can be, since there is one per ExternalSecret (10k at 10k): a plain
dict kept in recency order by re-inserting (an ``OrderedDict`` adds a linked-list node per
key), and a key that read one secret, the common case, holds the id itself, not a 1-tuple
(237 -> 144 bytes per key measured with tracemalloc over 10k bench-shaped keys).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable

# keys in line looked at per batch: a few batches' worth for every identity
SCAN = 256
MAX_KEYS = 200_000
# the latest reads of a key kept (a key whose spec moved to other secrets forgets the old ones)
MAX_IDS_PER_KEY = 8

Ids = str | tuple[str, ...]
"""One secret id, or several (oldest first)."""


def _ids(ids: Ids) -> tuple[str, ...]:
    return (ids,) if isinstance(ids, str) else ids


class ReadMap:
    """Key → (lifetime its reads accept, secret ids it read), least recently read first."""

    def __init__(self, *, max_keys: int = MAX_KEYS) -> None:
        self._max = max(0, max_keys)
        self._reads: dict[Hashable, tuple[float, Ids]] = {}

    def note(self, key: Hashable, secret_id: str, *, lifetime: float) -> None:
        """``key``'s reconcile read ``secret_id`` accepting values up to ``lifetime`` old."""
        entry = self._reads.pop(key, None)
        if entry is not None and entry[0] == lifetime and secret_id in _ids(entry[1]):
            self._reads[key] = entry
            return
        same = entry is not None and entry[0] == lifetime
        kept = _ids(entry[1])[-(MAX_IDS_PER_KEY - 1) :] if entry is not None and same else ()
        self._reads[key] = (lifetime, (*kept, secret_id) if kept else secret_id)
        if len(self._reads) > self._max:
            self._evict()

    def _evict(self) -> None:
        """Forget the least recently read keys, a 64th of the bound at a time: the oldest
        entries of a dict kept in order by re-insertion sit behind deleted slots, so one
        eviction per insert would walk those slots every time."""
        over = len(self._reads) - self._max + self._max // 64
        for key in list(itertools.islice(self._reads, over)):
            del self._reads[key]

    def candidates(
        self,
        upcoming: Iterable[tuple[Hashable, float]],
        *,
        now: float,
        seats: int,
        skip: Callable[[str, float], bool],
    ) -> list[str]:
        """Up to ``seats`` secret ids the ``upcoming`` keys will read, in their order.

        A key due later than half its lifetime from ``now`` is passed over; ``skip(id,
        lifetime)`` says an id needs no prefetch (asked for, in flight, cached fresh).
        """
        taken: list[str] = []
        for key, due in upcoming:
            entry = self._reads.get(key)
            if entry is None or due - now > entry[0] / 2:
                continue
            for secret_id in _ids(entry[1]):
                if secret_id not in taken and not skip(secret_id, entry[0]):
                    taken.append(secret_id)
                    if len(taken) >= seats:
                        return taken
        return taken

    def __len__(self) -> int:
        return len(self._reads)
