"""An ExternalSecret's synced resource version, computed exactly as ESO computes it.

``status.syncedResourceVersion`` uses ESO's exact hash (SHA3-224 of Go's ``%+v`` rendering of
the labels and annotations, after the generation), so an ExternalSecret synced by ESO is
recognised as current by eso and vice versa during a migration. The informer drops kubectl's
last-applied annotation to save memory, so ``keep_synced_resource_version`` (an informer
transform) records the version first for objects that carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eso.api.hashing import object_hash
from eso.kube.informer import LAST_APPLIED


def _go_string_map(items: Mapping[str, str] | None) -> str:
    """Go's ``%+v`` of a ``map[string]string``: keys sorted, ``map[k:v k2:v2]``."""
    items = items or {}
    return "map[" + " ".join(f"{k}:{items[k]}" for k in sorted(items)) + "]"


def meta_hash(*, labels: Mapping[str, str] | None, annotations: Mapping[str, str] | None) -> str:
    """ESO's ``HashMeta``: ``ObjectHash`` of a struct holding annotations and labels."""
    text = f"{{annotations:{_go_string_map(annotations)} labels:{_go_string_map(labels)}}}"
    return object_hash(text)


# Where the ExternalSecret informer keeps an object's synced resource version computed before
# the cache dropped kubectl's last-applied-configuration annotation (eso.kube.informer): ESO
# hashes every annotation, and matching its value exactly lets a cluster move between ESO and
# eso without every kubectl-applied ExternalSecret counting as changed (a fresh provider read
# and a status write each). Not a Kubernetes field; it lives only in the cache.
KEPT_RESOURCE_VERSION = "eso:syncedResourceVersion"


def synced_resource_version(metadata: Mapping[str, Any]) -> str:
    """ESO's ``GetResourceVersion``: ``<generation>-<meta hash>``.

    Changes when the spec (generation), labels or annotations change, which is what makes a
    sync-once (refreshInterval 0) ExternalSecret sync again. A value kept by
    ``keep_synced_resource_version`` (the full annotations, before the cache slimmed them) wins.
    """
    kept = metadata.get(KEPT_RESOURCE_VERSION)
    if kept is not None:
        return str(kept)
    generation = int(metadata.get("generation") or 0)
    labels = metadata.get("labels")
    annotations = metadata.get("annotations")
    return f"{generation}-{meta_hash(labels=labels, annotations=annotations)}"


def keep_synced_resource_version(obj: dict[str, Any]) -> dict[str, Any]:
    """Informer transform: record the version while ``last-applied-configuration`` is there.

    Only objects carrying that annotation get the extra key (one short string); for the rest
    the informer drops nothing that the hash covers, so computing it later gives the same.
    """
    meta = obj.get("metadata")
    if isinstance(meta, dict) and LAST_APPLIED in (meta.get("annotations") or {}):
        meta[KEPT_RESOURCE_VERSION] = synced_resource_version(meta)
    return obj
