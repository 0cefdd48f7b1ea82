"""The informer's indexed object store and the diff that makes a relist converge.

Memory is the constraint (10k ExternalSecrets, their Secrets and the Secret stubs within
eso's 150 MB): each object is stored as one ``marshal`` blob of its JSON value, shared by the
key map and every index; an index maps a value to the *set of keys* holding it, never to
objects. A blob is a quarter of the dict it encodes (an ExternalSecret with status: 3.5 KB as
interned dicts, 0.8 KB as a blob; a managed Secret's metadata: 2.3 KB, 0.65 KB), because
a dict, its nested dicts and lists cost ~200 bytes of bookkeeping each while the blob holds
just the characters. ``marshal`` because it round-trips exactly the JSON types, is the
fastest decoder the standard library has (~5 us for an ExternalSecret, 40% under
``json.loads``); blobs never leave the process, so its version-specific format does not
matter. Strings are not interned any more: an object's strings live in its blob, so sharing
them across objects saves nothing, and interning each object's unique values (names, uids)
only grew the interpreter's interned table (10k ExternalSecrets, managed Secrets and Secret
stubs: 26.3 MiB interned, 21.4 MiB not; and ~40 us less per cached object).

Reads decode: every ``get``, ``list`` and ``by_index`` returns fresh dicts, so a reader
mutating what it got cannot corrupt the cache (client-go's rule for informer caches, which
callers follow anyway) and two reads are equal, not identical. Index values of an object are
recomputed from the decoded old object when it changes, so no reverse map is kept either.
The cache is mutated only by its informer, from one task.

``get_parsed`` is the one exception to "reads decode": a reader that turns an object into an
immutable value on every reconcile (the stores, read by every ExternalSecret sync: decode and
pydantic validation were 4 % of the controller's CPU in a 10k cold sync) gets the value it
parsed last time, for as long as the stored blob is the same one. The memo is keyed by blob
identity, so no informer change can be missed; it is dropped with the key.

An indexer that raises on an object (an odd object the indexer's author did not foresee) must
not stall the informer: the error would escape ``upsert`` and the informer would relist into
the same object forever. The object is cached and simply missing from that one index, and
``indexer_failed`` is logged with the index and key (never the object's data).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import structlog

from eso.kube.keys import make_key, object_key

log = structlog.get_logger(__name__)

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]
KeyFunc = Callable[[Obj], str]
_List = list  # the name ``list`` is shadowed by Cache.list inside the class
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Tombstone:
    """An object deleted while we were not watching (client-go's DeletedFinalStateUnknown).

    ``obj`` is the last state we knew, which may be stale.
    """

    key: str
    obj: Obj


def unwrap(value: Obj | Tombstone) -> Obj:
    """A deleted object, whether the watch saw its deletion or only a relist did."""
    return value.obj if isinstance(value, Tombstone) else value


class Staged(NamedTuple):
    """An object encoded for ``Cache.apply_relist``: its cache key and its blob."""

    key: str
    blob: bytes


@dataclass(frozen=True, slots=True)
class Delta:
    """One change the cache applied: ``added`` (old None), ``updated``, or ``deleted``."""

    type: str
    old: Obj | None
    new: Obj | Tombstone | None


def _encode(obj: Obj) -> bytes:
    return marshal.dumps(obj)


def _decode(blob: bytes) -> Obj:
    obj: Obj = marshal.loads(blob)
    return obj


def resource_version(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return str(meta.get("resourceVersion") or "")


class Cache:
    """Objects by key, plus named indexes ``value -> {keys}``."""

    def __init__(
        self,
        *,
        indexers: Mapping[str, IndexFunc] | None = None,
        key_func: KeyFunc = object_key,
    ) -> None:
        self._items: dict[str, bytes] = {}
        self._indexers: dict[str, IndexFunc] = dict(indexers or {})
        self._indexes: dict[str, _Index] = {n: {} for n in self._indexers}
        self._key = key_func
        # key -> (the blob parsed, the parser, its value); see get_parsed
        self._parsed: dict[str, tuple[bytes, Callable[[Obj], Any], Any]] = {}

    # ------------------------------------------------------------------ reads

    def get(self, key: str) -> Obj | None:
        """A fresh copy of the object stored under ``key``, or None."""
        blob = self._items.get(key)
        return None if blob is None else _decode(blob)

    def get_parsed(self, key: str, parse: Callable[[Obj], T]) -> T | None:
        """``parse(get(key))``, or None; computed once per stored version of the object.

        ``parse`` must return a value nobody mutates (a frozen model) and raise nothing it
        should not raise again: its result is shared by every caller until the object changes.
        """
        blob = self._items.get(key)
        if blob is None:
            return None
        memo = self._parsed.get(key)
        if memo is not None and memo[0] is blob and memo[1] == parse:
            value: T = memo[2]
            return value
        value = parse(_decode(blob))
        self._parsed[key] = (blob, parse, value)
        return value

    def get_by_name(self, namespace: str | None, name: str) -> Obj | None:
        return self.get(make_key(namespace, name))

    def list(self) -> _List[Obj]:
        """Fresh copies of every object (decoding them all: not for hot paths of big caches)."""
        return [_decode(blob) for blob in self._items.values()]

    def objects(self) -> Iterator[Obj]:
        """Fresh copies of every object stored when iteration starts, decoded one at a time."""
        for blob in list(self._items.values()):
            yield _decode(blob)

    def keys(self) -> _List[str]:
        return list(self._items)

    def by_index(self, index: str, value: str) -> _List[Obj]:
        """Objects whose indexer ``index`` returned ``value``; raises KeyError on unknown index."""
        keys = _held(self._indexes[index].get(value))
        return [_decode(self._items[k]) for k in keys]

    def index_keys(self, index: str, value: str) -> set[str]:
        """Keys whose indexer ``index`` returned ``value`` (a copy)."""
        return set(_held(self._indexes[index].get(value)))

    def index_values(self, index: str) -> _List[str]:
        return list(self._indexes[index])

    def key_of(self, obj: Obj) -> str:
        return self._key(obj)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    # ---------------------------------------------------------- mutations

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        """Add an index after creation; existing objects are indexed now."""
        if name in self._indexers:
            raise ValueError(f"indexer {name!r} exists")
        self._indexers[name] = func
        self._indexes[name] = {}
        for key, blob in self._items.items():
            self._index(name, func, key, _decode(blob))

    def upsert(self, obj: Obj) -> Obj | None:
        """Store (a copy of) ``obj`` under its key; returns the previous object or None.

        Raises ValueError for a value JSON cannot hold (``marshal`` refuses it too).
        """
        key = self._key(obj)
        blob = self._items.get(key)
        old = None if blob is None else _decode(blob)  # decoded once: to unindex and return
        self._put(key, _encode(obj), obj, old)
        return old

    def stage(self, obj: Obj) -> Staged:
        """``obj`` as ``apply_relist`` takes it: encoded, so a relist holds blobs, not dicts."""
        return Staged(self._key(obj), _encode(obj))

    def remove(self, key: str) -> Obj | None:
        """Drop ``key``; returns the removed object or None if absent."""
        blob = self._items.pop(key, None)
        self._parsed.pop(key, None)
        if blob is None:
            return None
        old = _decode(blob)
        self._unindex_all(key, old)
        return old

    def replace(self, objs: Iterable[Obj]) -> _List[Delta]:
        """Make the cache equal ``objs`` (a fresh list) and return what changed.

        New keys are ``added``; keys whose resourceVersion moved are ``updated``; keys missing
        from ``objs`` are ``deleted`` with a ``Tombstone`` of their last known state. Unchanged
        objects keep their stored blob (the fresh copy is dropped), and produce no delta.
        """
        staged = [self.stage(o) for o in objs]
        return list(self.apply_relist(staged, {s.key for s in staged}))

    def apply_relist(self, changed: Iterable[Staged], seen: set[str]) -> Iterator[Delta]:
        """``replace`` for callers that already dropped unchanged objects; applied at once.

        ``changed`` are the listed objects (``stage``) that are new or whose resourceVersion
        differs from the cached one (others may be included; they produce no delta); ``seen``
        is every key the list contained. Keys not in ``seen`` are deleted with a ``Tombstone``.

        The whole change is applied before this returns; the deltas are then decoded one at a
        time as they are iterated (a first list of 10k objects never holds 10k dicts at once),
        and must be iterated before the cache changes again (the informer does, in one step).
        """
        applied: _List[tuple[str, str, bytes | None]] = []
        for key, blob in changed:
            obj = _decode(blob)
            old = self._items.get(key)
            if old is None:
                self._store(key, blob, obj)
                applied.append(("added", key, None))
            elif resource_version(_decode(old)) != resource_version(obj):
                self._store(key, blob, obj)
                applied.append(("updated", key, old))
        for key in [k for k in self._items if k not in seen]:
            applied.append(("deleted", key, self._items[key]))
            self.remove(key)
        return self._deltas(applied)

    def _deltas(self, applied: _List[tuple[str, str, bytes | None]]) -> Iterator[Delta]:
        for type_, key, old_blob in applied:
            old = None if old_blob is None else _decode(old_blob)
            if type_ == "deleted":
                assert old is not None
                yield Delta(type_, old, Tombstone(key, old))
            else:
                yield Delta(type_, old, self.get(key))

    def _store(self, key: str, blob: bytes, obj: Obj) -> bytes | None:
        """Put ``blob`` (``obj`` encoded) under ``key``, re-indexed; returns the old blob."""
        old = self._items.get(key)
        self._put(key, blob, obj, None if old is None else _decode(old))
        return old

    def _put(self, key: str, blob: bytes, obj: Obj, old: Obj | None) -> None:
        """Put ``blob`` under ``key``: ``old`` (the decoded previous object) unindexed."""
        if old is not None:
            self._unindex_all(key, old)
            self._parsed.pop(key, None)
        self._items[key] = blob
        for name, func in self._indexers.items():
            self._index(name, func, key, obj)

    # ------------------------------------------------------------ indexing

    def _index(self, name: str, func: IndexFunc, key: str, obj: Obj) -> None:
        index = self._indexes[name]
        for value in _index_values(name, func, key, obj) or ():
            held = index.get(value)
            if held is None:
                index[value] = key
            elif isinstance(held, str):
                if held != key:
                    index[value] = {held, key}
            else:
                held.add(key)

    def _unindex_all(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indexes[name]
            values = _index_values(name, func, key, obj)
            if values is None:  # cannot say where ``key`` was indexed: look everywhere
                values = [v for v, held in index.items() if key in _held(held)]
            for value in values:
                _unindex(index, value, key)


# An index value held by one key maps to that key itself, by more keys to a set of them: most
# values (a target Secret, a created-by label) belong to one object, and a one-element set
# costs 216 bytes where the key, already stored, costs nothing (4 MB at 10k ExternalSecrets).
_Index = dict[str, str | set[str]]


def _held(held: str | set[str] | None) -> tuple[str, ...] | set[str]:
    """The keys an index value maps to, whatever its form."""
    if held is None:
        return ()
    return (held,) if isinstance(held, str) else held


def _unindex(index: _Index, value: str, key: str) -> None:
    held = index.get(value)
    if held is None or held == key:
        index.pop(value, None)
    elif isinstance(held, set):
        held.discard(key)
        if len(held) == 1:
            index[value] = held.pop()


def _index_values(name: str, func: IndexFunc, key: str, obj: Obj) -> _List[str] | None:
    """``func(obj)`` as a list; None (logged) when the indexer raises."""
    try:
        return list(func(obj))
    except Exception as e:
        # the type only: an exception's message may quote the object's data
        log.warning("indexer_failed", index=name, key=key, error=type(e).__name__)
        return None
