"""Index functions and event predicates of the ExternalSecret controller (no I/O, no state).

Kept apart from the wiring so the rules deciding which change wakes which key can be read (and
tested) on their own: ExternalSecrets are found by target Secret, by store and by template
source, managed Secrets by the ExternalSecret that created them, and only real changes - spec,
labels, annotations, deletion - enqueue an ExternalSecret, never our own status writes.
"""

from __future__ import annotations

from eso.api import conditions as c
from eso.controllers.secretstore.refs import store_ref_key
from eso.kube.cache import Obj
from eso.kube.keys import make_key

INDEX_TARGET = "target"
INDEX_STORE = "store"
INDEX_OWNER = "owner"
INDEX_TEMPLATE_SOURCE = "template-source"


def es_target_index(obj: Obj) -> list[str]:
    """``namespace/name`` of the Secret an ExternalSecret manages (target.name or its name)."""
    meta = obj.get("metadata") or {}
    target = ((obj.get("spec") or {}).get("target") or {}).get("name") or meta.get("name")
    return [make_key(meta.get("namespace"), str(target))]


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


def template_source_key(kind: str, namespace: str | None, name: str) -> str:
    """The ``INDEX_TEMPLATE_SOURCE`` value of a ConfigMap or Secret (``kind/namespace/name``)."""
    return f"{kind}/{make_key(namespace, name)}"


def es_template_source_index(obj: Obj) -> list[str]:
    """``template_source_key`` of every ConfigMap and Secret a template reads."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    template = (spec.get("target") or {}).get("template") or {}
    keys: set[str] = set()
    for item in template.get("templateFrom") or []:
        for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
            name = ((item or {}).get(field) or {}).get("name")
            if name:
                keys.add(template_source_key(kind, meta.get("namespace"), str(name)))
    return sorted(keys)


def managed_owner_index(obj: Obj) -> list[str]:
    """The ``created-by`` label of a managed Secret (set with creationPolicy Owner)."""
    value = ((obj.get("metadata") or {}).get("labels") or {}).get(c.LABEL_OWNER)
    return [value] if value else []


def meta_changed(old: Obj, new: Obj) -> bool:
    """ESO's ExternalSecret update predicate: spec, labels, annotations or deletion moved."""
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    return any(
        om.get(f) != nm.get(f)
        for f in ("generation", "labels", "annotations", "deletionTimestamp", "finalizers")
    )
