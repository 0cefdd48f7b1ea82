"""Garbage collection: owner references, deletion propagation, namespace and CRD cleanup.

kube-controller-manager's garbage collector and namespace controller, reduced to what a
single process can see directly: the Store's owner index says which objects depend on a
uid, so no graph needs building. Work is queued by a store listener (synchronously, at
commit) and carried out by one background task shortly after, which is how the real
controllers behave too: a delete returns before its dependents are gone.

- owner gone → dependents whose owners are all gone are deleted (background), dangling
  references to a gone owner are removed from dependents that still have other owners;
- ``foregroundDeletion`` finalizer → dependents are deleted, then the finalizer removed;
- ``orphan`` finalizer → the owner reference is removed from dependents, then the finalizer;
- terminating Namespace → its objects are deleted, then spec.finalizers ``kubernetes``;
- terminating CRD → its custom resources are deleted, then its cleanup finalizer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from localkube.apiserver.crds import CLEANUP_FINALIZER
from localkube.apiserver.operations import (
    CRDS,
    FOREGROUND,
    NAMESPACES,
    ORPHAN,
    DeleteOptions,
    Operations,
)
from localkube.apiserver.registry import ResourceType, StorageKey
from localkube.apiserver.status import ApiError
from localkube.apiserver.store import Event, ObjKey

log = structlog.get_logger(__name__)
JSONDict = dict[str, Any]
_Ref = tuple[StorageKey, ObjKey]


class GarbageCollector:
    """Runs ``sweep`` whenever a commit leaves work; ``run`` until cancelled."""

    def __init__(self, ops: Operations) -> None:
        self._ops = ops
        self._store = ops.store
        self._wake = asyncio.Event()
        self._owners_gone: set[str] = set()
        self._finalizing: set[_Ref] = set()
        self._store.listeners.append(self._on_event)

    def _on_event(self, event: Event) -> None:
        md = event.obj["metadata"]
        if event.type == "DELETED":
            if self._store.dependents(md.get("uid", "")):
                self._owners_gone.add(md["uid"])
                self._wake.set()
            elif self._finalizing:
                self._wake.set()
            return
        for ref in md.get("ownerReferences") or ():
            if self._store.locate(ref.get("uid", "")) is None:
                self._owners_gone.add(ref.get("uid", ""))
                self._wake.set()
        if md.get("deletionTimestamp"):
            self._finalizing.add((event.storage, (md.get("namespace") or "", md["name"])))
            self._wake.set()
        elif self._owners_gone:
            self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # let the request that triggered the work return first, as with a real GC
            await asyncio.sleep(0)
            self.sweep()

    def sweep(self) -> None:
        """Process all queued work until nothing more can progress now."""
        for _ in range(100):
            progressed = self._collect_orphans()
            progressed = self._finalize() or progressed
            if not progressed:
                return

    def _rt(self, storage: StorageKey) -> ResourceType | None:
        types = self._ops.registry.by_storage(storage)
        return types[0] if types else None

    def _delete(self, ref: _Ref, *, policy: str = "Background") -> bool:
        storage, (ns, name) = ref
        rt = self._rt(storage)
        if rt is None:
            return False
        try:
            self._ops.delete(rt, namespace=ns, name=name, opts=DeleteOptions(propagation=policy))
        except ApiError as e:
            log.debug("gc_delete_failed", name=name, reason=e.reason)
            return False
        return True

    def _collect_orphans(self) -> bool:
        progressed = False
        for uid in list(self._owners_gone):
            self._owners_gone.discard(uid)
            if self._store.locate(uid) is not None:
                continue
            for ref in self._store.dependents(uid):
                progressed = self._handle_dependent(ref, gone=uid) or progressed
        return progressed

    def _handle_dependent(self, ref: _Ref, *, gone: str) -> bool:
        obj = self._store.get(*ref)
        if obj is None:
            return False
        refs = obj["metadata"].get("ownerReferences") or []
        alive = [r for r in refs if self._store.locate(r.get("uid", "")) is not None]
        if not alive:
            if obj["metadata"].get("deletionTimestamp"):
                return False
            return self._delete(ref)
        return self._drop_owner(ref, obj, uid=gone)

    def _drop_owner(self, ref: _Ref, obj: JSONDict, *, uid: str) -> bool:
        rt = self._rt(ref[0])
        refs = obj["metadata"].get("ownerReferences") or []
        kept = [r for r in refs if r.get("uid") != uid]
        if rt is None or len(kept) == len(refs):
            return False
        md = {**obj["metadata"], "ownerReferences": kept}
        if not kept:
            del md["ownerReferences"]
        self._ops.commit(rt, {**obj, "metadata": md}, obj)
        return True

    def _finalize(self) -> bool:
        progressed = False
        for ref in list(self._finalizing):
            obj = self._store.get(*ref)
            if obj is None:
                self._finalizing.discard(ref)
                continue
            progressed = self._finalize_one(ref, obj) or progressed
        return progressed

    def _finalize_one(self, ref: _Ref, obj: JSONDict) -> bool:
        md = obj["metadata"]
        finalizers = md.get("finalizers") or []
        uid = md.get("uid", "")
        if FOREGROUND in finalizers:
            return self._foreground(ref, obj, uid=uid)
        if ORPHAN in finalizers:
            for dep in self._store.dependents(uid):
                dep_obj = self._store.get(*dep)
                if dep_obj is not None:
                    self._drop_owner(dep, dep_obj, uid=uid)
            return self._remove_finalizer(ref, obj, ORPHAN)
        if ref[0] == NAMESPACES:
            return self._namespace(ref, obj)
        if ref[0] == CRDS and CLEANUP_FINALIZER in finalizers:
            return self._crd(ref, obj)
        self._finalizing.discard(ref)
        return False

    def _foreground(self, ref: _Ref, obj: JSONDict, *, uid: str) -> bool:
        waiting, progressed = False, False
        for dep in self._store.dependents(uid):
            dep_obj = self._store.get(*dep)
            if dep_obj is None:
                continue
            if not dep_obj["metadata"].get("deletionTimestamp"):
                progressed = self._delete(dep, policy="Foreground") or progressed
            if any(
                r.get("uid") == uid and r.get("blockOwnerDeletion")
                for r in dep_obj["metadata"].get("ownerReferences") or ()
            ):
                waiting = True
        if waiting:
            return progressed
        return self._remove_finalizer(ref, obj, FOREGROUND) or progressed

    def _namespace(self, ref: _Ref, obj: JSONDict) -> bool:
        name = ref[1][1]
        remaining, progressed = False, False
        for storage in self._store.storages():
            for item in self._store.objects(storage, namespace=name):
                remaining = True
                if not item["metadata"].get("deletionTimestamp"):
                    progressed = self._delete((storage, (name, item["metadata"]["name"])))
        if remaining or not (obj.get("spec") or {}).get("finalizers"):
            return progressed
        rt = self._rt(NAMESPACES)
        assert rt is not None
        self._ops.commit(rt, {**obj, "spec": {"finalizers": []}}, obj)
        return True

    def _crd(self, ref: _Ref, obj: JSONDict) -> bool:
        spec = obj["spec"]
        storage = (spec["group"], spec["names"]["plural"])
        items = self._store.objects(storage)
        progressed = False
        for item in items:
            if not item["metadata"].get("deletionTimestamp"):
                imd = item["metadata"]
                key = (imd.get("namespace") or "", imd["name"])
                progressed = self._delete((storage, key)) or progressed
        if items:
            return progressed
        return self._remove_finalizer(ref, obj, CLEANUP_FINALIZER)

    def _remove_finalizer(self, ref: _Ref, obj: JSONDict, finalizer: str) -> bool:
        rt = self._rt(ref[0])
        if rt is None:
            return False
        kept = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        md = {**obj["metadata"], "finalizers": kept}
        if not kept:
            del md["finalizers"]
        self._ops.commit(rt, {**obj, "metadata": md}, obj)
        return True
