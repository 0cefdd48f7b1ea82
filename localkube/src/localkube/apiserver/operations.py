"""The verbs on stored objects, independent of HTTP: get, list, create, update, patch, delete.

Handlers and the garbage collector both go through here, so an object deleted by GC passes
the same finalizer and propagation rules as one deleted by a client. Every method runs to
completion without awaiting, which makes each write atomic with its watch fan-out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from eso.clock import Clock
from localkube.apiserver import crds, custom, objects
from localkube.apiserver import status as st
from localkube.apiserver.conversion import to_served, to_storage
from localkube.apiserver.listing import ListResult, list_objects
from localkube.apiserver.patch import apply_patch, check_patch_type
from localkube.apiserver.registry import Registry, ResourceType, StorageKey
from localkube.apiserver.selectors import FieldSelector, LabelSelector
from localkube.apiserver.status import Cause
from localkube.apiserver.store import ObjKey, Store
from localkube.apiserver.typedfields import drop_unknown

JSONDict = dict[str, Any]
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
NAMESPACES: StorageKey = ("", "namespaces")
CRDS: StorageKey = ("apiextensions.k8s.io", "customresourcedefinitions")
PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


@dataclass(frozen=True)
class WriteOptions:
    """Per-request write options; ``warnings`` collects Warning headers for the answer."""

    field_validation: str = "Warn"  # Strict | Warn | Ignore
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DeleteOptions:
    propagation: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    dry_run: bool = False


class WriteHook(Protocol):
    """Called after every committed write, synchronously (see ``Operations.write_hooks``)."""

    def __call__(self, rt: ResourceType, obj: JSONDict, *, deleted: bool) -> None: ...


def _key(rt: ResourceType, namespace: str, name: str) -> ObjKey:
    return (namespace if rt.namespaced else "", name)


class Operations:
    """Object verbs over one Store and Registry; raise ``ApiError`` like kube-apiserver."""

    def __init__(self, store: Store, *, registry: Registry, clock: Clock) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        # rv below which continue tokens are refused (set by forced compaction only)
        self.continue_floor = 0
        # In-process controllers that must act within the write (see ``namespaces``); they
        # may write through these Operations themselves.
        self.write_hooks: list[WriteHook] = []

    # reads

    def get(self, rt: ResourceType, *, namespace: str, name: str) -> JSONDict:
        obj = self.store.get(rt.storage, _key(rt, namespace, name))
        if obj is None:
            raise st.not_found(plural=rt.plural, group=rt.group, name=name)
        return obj

    def list_objects(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        limit: int = 0,
        continue_: str = "",
    ) -> ListResult:
        """Objects in key order; ``limit`` pages with a continue token like etcd's."""
        return list_objects(
            self.store,
            rt,
            namespace=namespace,
            labels=labels,
            fields=fields,
            limit=limit,
            continue_=continue_,
            floor=self.continue_floor,
        )

    # writes

    def create(
        self, rt: ResourceType, body: JSONDict, *, namespace: str, opts: WriteOptions
    ) -> JSONDict:
        objects.check_identity(rt, body, namespace=namespace, name=None)
        body = drop_unknown(rt, body, validation=opts.field_validation, warnings=opts.warnings)
        if str(body["metadata"].get("resourceVersion", "")).isdigit():
            # etcd3 storage's plain error (500, no reason); met applying exported YAML.
            rv = int(body["metadata"]["resourceVersion"])
            if rv:
                raise st.ApiError(
                    500, "", "resourceVersion should not be set on objects to be created"
                )
        if rt.namespaced:
            # NamespaceLifecycle is admission: it answers before the strategy validates the
            # object (a generated name does not exist yet, so its message has none)
            self._check_namespace(rt, namespace, str(body["metadata"].get("name") or ""))
        obj = objects.prepare_create(rt, to_storage(rt, body), now=self.clock.wall())
        name = obj["metadata"]["name"]
        if rt.storage == CRDS:
            obj = self._admit_crd(obj, None)
        obj = _type_meta_first(
            custom.admit(
                rt, obj, old=None, validation=opts.field_validation, warnings=opts.warnings
            )
        )
        if self.store.get(rt.storage, _key(rt, namespace, name)) is not None:
            raise st.already_exists(plural=rt.plural, group=rt.group, name=name)
        if opts.dry_run:
            return obj
        stored = self.store.create(rt.storage, obj)
        self._after_write(rt, stored, deleted=False)
        return stored

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        ns = self.store.get(NAMESPACES, ("", namespace))
        if ns is None:
            raise st.not_found(plural="namespaces", group="", name=namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise st.forbidden(
                plural=rt.plural,
                group=rt.group,
                name=name,
                why=f"unable to create new content in namespace {namespace} because it is "
                "being terminated",
                causes=[
                    Cause(
                        "NamespaceTerminating",
                        f"namespace {namespace} is being terminated",
                        "metadata.namespace",
                    )
                ],
            )

    def update(
        self,
        rt: ResourceType,
        body: JSONDict,
        *,
        namespace: str,
        name: str,
        subresource: str | None,
        opts: WriteOptions,
    ) -> JSONDict:
        objects.check_identity(rt, body, namespace=namespace, name=name)
        body = drop_unknown(rt, body, validation=opts.field_validation, warnings=opts.warnings)
        old = self.get(rt, namespace=namespace, name=name)
        new = to_storage(rt, body)
        objects.check_precondition(rt, new, old)
        return self._write(rt, new, old, subresource=subresource, opts=opts)

    def patch(
        self,
        rt: ResourceType,
        body: Any,
        *,
        content_type: str,
        namespace: str,
        name: str,
        subresource: str | None,
        opts: WriteOptions,
    ) -> JSONDict:
        check_patch_type(content_type, custom=rt.custom)  # before the lookup, as the real one
        old = self.get(rt, namespace=namespace, name=name)
        patched = apply_patch(content_type, to_served(rt, old), body, custom=rt.custom)
        new = {**patched, "metadata": dict(patched.get("metadata") or {})}
        objects.check_identity(rt, new, namespace=namespace, name=name)
        new = drop_unknown(rt, new, validation=opts.field_validation, warnings=opts.warnings)
        new = to_storage(rt, new)
        if new["metadata"].get("resourceVersion") != old["metadata"]["resourceVersion"]:
            objects.check_precondition(rt, new, old)
        return self._write(rt, new, old, subresource=subresource, opts=opts)

    def _write(
        self,
        rt: ResourceType,
        new: JSONDict,
        old: JSONDict,
        *,
        subresource: str | None,
        opts: WriteOptions,
    ) -> JSONDict:
        new = objects.prepare_update(rt, new, old, subresource=subresource)
        if rt.storage == CRDS:
            new = self._admit_crd(new, old)
        new = _type_meta_first(
            custom.admit(rt, new, old=old, validation=opts.field_validation, warnings=opts.warnings)
        )
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old or opts.dry_run:
            return new if opts.dry_run else old
        return self.commit(rt, new, old)

    def commit(self, rt: ResourceType, new: JSONDict, old: JSONDict) -> JSONDict:
        """Store an update, or delete when a terminating object has no finalizers left."""
        if _finished(new):
            stored = self.store.delete(rt.storage, new)
            self._after_write(rt, stored, deleted=True)
            return stored
        stored = self.store.replace(rt.storage, new, old)
        self._after_write(rt, stored, deleted=False)
        return stored

    def _admit_crd(self, crd: JSONDict, old: JSONDict | None) -> JSONDict:
        crds.default_crd(crd)
        causes = crds.validate_crd(crd)
        if causes:
            raise st.invalid(
                kind="CustomResourceDefinition",
                group="apiextensions.k8s.io",
                name=crd["metadata"].get("name", ""),
                causes=causes,
            )
        crd["status"] = crds.crd_status(crd, old=old)
        if crd["metadata"].get("deletionTimestamp") and old is not None:
            crd["status"]["conditions"] = old["status"]["conditions"]
        return crd

    def _after_write(self, rt: ResourceType, stored: JSONDict, *, deleted: bool) -> None:
        if rt.storage == CRDS:
            self._crd_written(stored, deleted=deleted)
        for hook in self.write_hooks:
            hook(rt, stored, deleted=deleted)

    def _crd_written(self, stored: JSONDict, *, deleted: bool) -> None:
        spec = stored["spec"]
        storage = (spec["group"], spec["names"]["plural"])
        self.registry.remove_storage(storage)
        if deleted:
            self.store.close_subscribers(storage)
        else:
            for t in crds.served_types(stored):
                self.registry.add(t)

    # deletes

    def delete(
        self, rt: ResourceType, *, namespace: str, name: str, opts: DeleteOptions
    ) -> tuple[JSONDict, bool]:
        """Delete, or mark for deletion while finalizers remain; (object, deleted_now).

        Foreground and Orphan propagation add their finalizer for the garbage collector;
        Namespaces always pass through Terminating; CRDs wait for their instances.
        """
        old = self.get(rt, namespace=namespace, name=name)
        _check_delete_preconditions(rt, old, opts)
        if rt.storage == NAMESPACES and name in PROTECTED_NAMESPACES:
            raise st.forbidden(
                plural=rt.plural,
                group=rt.group,
                name=name,
                why="this namespace may not be deleted",
                causes=[],
            )
        finalizers = self._finalizers_for_delete(rt, old, opts)
        if not finalizers and rt.storage != NAMESPACES:
            if opts.dry_run:
                return old, True
            stored = self.store.delete(rt.storage, old)
            self._after_write(rt, stored, deleted=True)
            return stored, True
        md = old["metadata"]
        terminating = md.get("deletionTimestamp")
        if rt.storage == NAMESPACES and terminating and (old.get("spec") or {}).get("finalizers"):
            raise st.conflict(
                plural=rt.plural, group=rt.group, name=name, why=st.NAMESPACE_TERMINATING
            )
        if md.get("deletionTimestamp") and finalizers == (md.get("finalizers") or []):
            return old, False  # already terminating: nothing changes
        new = _marked_for_deletion(old, finalizers, now=objects.timestamp(self.clock.wall()))
        self._mark_terminating(rt, new)
        if opts.dry_run:
            return new, False
        return self.commit(rt, new, old), False

    def _finalizers_for_delete(
        self, rt: ResourceType, obj: JSONDict, opts: DeleteOptions
    ) -> list[str]:
        md = obj["metadata"]
        finalizers = list(md.get("finalizers") or [])
        extra = {"Foreground": FOREGROUND, "Orphan": ORPHAN}.get(opts.propagation or "")
        if rt.storage == CRDS:
            extra = crds.CLEANUP_FINALIZER
        if extra and extra not in finalizers and not md.get("deletionTimestamp"):
            finalizers.append(extra)
        return finalizers

    def _mark_terminating(self, rt: ResourceType, obj: JSONDict) -> None:
        if rt.storage == NAMESPACES:
            obj["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
        if rt.storage == CRDS:
            obj["status"] = dict(obj.get("status") or {})
            obj["status"]["conditions"] = [
                *(obj["status"].get("conditions") or []),
                {
                    "type": "Terminating",
                    "status": "True",
                    "reason": "InstanceDeletionInProgress",
                    "message": "CustomResource deletion is in progress",
                    "lastTransitionTime": objects.timestamp(self.clock.wall()),
                },
            ]


def _type_meta_first(obj: JSONDict) -> JSONDict:
    """apiVersion, kind, metadata first, as kube-apiserver serializes objects."""
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": obj["metadata"],
        **obj,
    }


def _marked_for_deletion(obj: JSONDict, finalizers: list[str], *, now: str) -> JSONDict:
    md = {**obj["metadata"], "finalizers": finalizers}
    md.setdefault("deletionTimestamp", now)
    md.setdefault("deletionGracePeriodSeconds", 0)
    if not finalizers:
        del md["finalizers"]
    return {**obj, "metadata": md}


def _finished(obj: JSONDict) -> bool:
    md = obj["metadata"]
    if not md.get("deletionTimestamp") or md.get("finalizers"):
        return False
    # a Namespace also waits for its spec.finalizers (the namespace controller's "kubernetes")
    return not (obj.get("kind") == "Namespace" and (obj.get("spec") or {}).get("finalizers"))


def _check_delete_preconditions(rt: ResourceType, obj: JSONDict, opts: DeleteOptions) -> None:
    """409 as ``rest.BeforeDelete``: ``NewConflict`` on the *kind* (not the resource) ``Secret``."""
    md = obj["metadata"]
    why = None
    if opts.uid is not None and opts.uid != md.get("uid"):
        why = st.UID_PRECONDITION.format(sent=opts.uid, stored=md.get("uid"))
    elif opts.resource_version is not None and opts.resource_version != md["resourceVersion"]:
        why = st.RV_PRECONDITION.format(sent=opts.resource_version, stored=md["resourceVersion"])
    if why is not None:
        raise st.conflict(plural=rt.kind, group=rt.group, name=md["name"], why=why)
