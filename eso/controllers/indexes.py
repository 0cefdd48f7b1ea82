"""Index functions and event predicates over the informers' raw dicts (no I/O, no state).

Kept apart from the manager so the rules deciding which change wakes which key can be read (and
tested) on their own: ExternalSecrets are found by target Secret and by store, and only real
changes - spec, labels, annotations, deletion; a store's readiness - enqueue work, never our
own status writes.
"""

from __future__ import annotations

from eso.api import conditions as c
from eso.controllers.status import get_condition
from eso.controllers.stores import store_ref_key
from eso.kube.cache import Obj, Tombstone

INDEX_TARGET = "target"
INDEX_STORE = "store"
INDEX_CREDENTIAL = "credential"
INDEX_OWNER = "owner"


def es_target_index(obj: Obj) -> list[str]:
    """``namespace/name`` of the Secret an ExternalSecret manages (target.name or its name)."""
    meta = obj.get("metadata") or {}
    target = ((obj.get("spec") or {}).get("target") or {}).get("name") or meta.get("name")
    return [f"{meta.get('namespace')}/{target}"]


def es_store_index(obj: Obj) -> list[str]:
    """``store_ref_key`` of every store an ExternalSecret reads from."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    refs = [spec.get("secretStoreRef") or {}]
    for item in [*(spec.get("data") or []), *(spec.get("dataFrom") or [])]:
        refs.append(((item or {}).get("sourceRef") or {}).get("storeRef") or {})
    return sorted(
        {
            store_ref_key(
                ref.get("kind") or c.KIND_SECRET_STORE, meta.get("namespace"), ref["name"]
            )
            for ref in refs
            if ref.get("name")
        }
    )


def managed_owner_index(obj: Obj) -> list[str]:
    """The ``created-by`` label of a managed Secret (set with creationPolicy Owner)."""
    value = ((obj.get("metadata") or {}).get("labels") or {}).get(c.LABEL_OWNER)
    return [value] if value else []


def secret_stub(obj: Obj) -> Obj:
    """What the secret-versions informer keeps of a Secret: identity and resourceVersion."""
    meta = obj.get("metadata") or {}
    keep = ("name", "namespace", "uid", "resourceVersion")
    return {"metadata": {k: meta[k] for k in keep if k in meta}}


def unwrap(value: Obj | Tombstone) -> Obj:
    """A deleted object, whether seen by the watch or only through a relist."""
    return value.obj if isinstance(value, Tombstone) else value


def meta_changed(old: Obj, new: Obj) -> bool:
    """ESO's ExternalSecret update predicate: spec, labels, annotations or deletion moved."""
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    return any(
        om.get(f) != nm.get(f)
        for f in ("generation", "labels", "annotations", "deletionTimestamp", "finalizers")
    )


def ready_status(obj: Obj) -> str | None:
    """The status of an object's Ready condition, None without one."""
    cond = get_condition((obj.get("status") or {}).get("conditions"), c.CONDITION_READY)
    return None if cond is None else cond.get("status")
