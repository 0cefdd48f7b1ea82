"""The ExternalSecret a ClusterExternalSecret wants in one namespace, and whether a cached one
already is it - without I/O.

ESO's ``createOrUpdateExternalSecret`` mutates a fresh object (labels and annotations from
``externalSecretMetadata``, the CES's ``force-sync`` annotation mirrored, the spec copied,
a controller owner reference) and lets ``CreateOrUpdate`` compare it with the live one. eso
does the same comparison against the informer's cached child, so an unchanged child costs no
request at all: that is what keeps a refresh over 1,000 namespaces free. The spec is compared
as the API server stores it (defaults applied) and, when the raw forms differ, once more as
models, so a default filled in on one side only is not a difference.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from eso.api import conditions as c
from eso.api.clusterexternalsecret import ClusterExternalSecret
from eso.api.externalsecret import ExternalSecretSpec
from eso.kube.cache import Obj

INDEX_CES_OWNER = "ces-owner"


def owner_reference(ces: Mapping[str, Any]) -> dict[str, Any]:
    """The controller owner reference a child carries (garbage-collected with its CES)."""
    meta = ces.get("metadata") or {}
    return {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND_CLUSTER_EXTERNAL_SECRET,
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The owner reference with ``controller: true`` (``metav1.GetControllerOf``), or None."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), None)


def owning_ces(obj: Mapping[str, Any]) -> str | None:
    """The name of the ClusterExternalSecret controlling ``obj``, or None.

    ESO's ``isExternalSecretOwnedBy``: group and kind must match, the version may differ.
    """
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != c.KIND_CLUSTER_EXTERNAL_SECRET:
        return None
    if str(ref.get("apiVersion", "")).partition("/")[0] != c.GROUP:
        return None
    return str(ref.get("name", "")) or None


def ces_owner_index(obj: Obj) -> list[str]:
    """Informer index of ExternalSecrets: the name of the CES controlling each, if any."""
    owner = owning_ces(obj)
    return [owner] if owner else []


def desired_metadata(ces: ClusterExternalSecret) -> tuple[dict[str, str], dict[str, str]]:
    """The children's (labels, annotations): ``externalSecretMetadata`` plus ``force-sync``."""
    wanted = ces.spec.external_secret_metadata
    labels = dict(wanted.labels or {})
    annotations = dict(wanted.annotations or {})
    force = ces.metadata.annotations.get(c.ANNOTATION_FORCE_SYNC)
    if force is not None:
        annotations[c.ANNOTATION_FORCE_SYNC] = force
    else:
        annotations.pop(c.ANNOTATION_FORCE_SYNC, None)
    return labels, annotations


def desired_child(ces: ClusterExternalSecret, raw: Mapping[str, Any], *, namespace: str) -> Obj:
    """The full ExternalSecret to create in ``namespace`` (``raw`` is the cached CES)."""
    labels, annotations = desired_metadata(ces)
    meta: dict[str, Any] = {
        "name": ces.external_secret_name,
        "namespace": namespace,
        "ownerReferences": [owner_reference(raw)],
    }
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND_EXTERNAL_SECRET,
        "metadata": meta,
        "spec": copy.deepcopy(_raw_spec(raw)),
    }


def _raw_spec(raw: Mapping[str, Any]) -> Any:
    return (raw.get("spec") or {}).get("externalSecretSpec") or {}


def same_spec(a: Any, b: Any) -> bool:
    """Equal ExternalSecret specs, allowing for defaults present on one side only."""
    if a == b:
        return True
    try:
        return ExternalSecretSpec.model_validate(a or {}) == ExternalSecretSpec.model_validate(
            b or {}
        )
    except ValueError:
        return False


def child_is_current(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """Whether the cached child already has the desired labels, annotations, owner and spec."""
    em, dm = existing.get("metadata") or {}, desired.get("metadata") or {}
    if (em.get("labels") or {}) != (dm.get("labels") or {}):
        return False
    if (em.get("annotations") or {}) != (dm.get("annotations") or {}):
        return False
    if controller_of(existing) != dm["ownerReferences"][0]:
        return False
    return same_spec(existing.get("spec"), desired.get("spec"))


def updated_child(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> Obj:
    """``existing`` mutated as ESO's ``mutateFunc`` does, for a PUT at its resourceVersion.

    Labels and annotations are replaced (not merged), the spec is replaced, the controller
    reference is ours; other owner references and finalizers are kept. Metadata is rebuilt
    from the fields the API server knows, so nothing an informer transform added is sent.
    """
    em, dm = existing.get("metadata") or {}, desired["metadata"]
    others = [dict(r) for r in em.get("ownerReferences") or [] if not r.get("controller")]
    meta: dict[str, Any] = {
        k: copy.deepcopy(em[k])
        for k in ("name", "namespace", "uid", "resourceVersion", "finalizers")
        if k in em
    }
    meta["ownerReferences"] = [*others, *dm["ownerReferences"]]
    for field in ("labels", "annotations"):
        if dm.get(field):
            meta[field] = dict(dm[field])
    return {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND_EXTERNAL_SECRET,
        "metadata": meta,
        "spec": copy.deepcopy(desired["spec"]),
    }
