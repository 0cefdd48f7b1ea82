"""Which ClusterExternalSecrets an informer event concerns (event predicates, no I/O, no state).

ESO's ``findObjectsForNamespace`` lists every CES on each namespace event and picks those whose
selectors match the namespace's labels; eso does the same against the CES cache, and also
picks the CESs that list the namespace as provisioned, so a namespace that stopped matching or
went away is dropped from their children and status at once. Namespace updates matter only when
the labels or the deletion state moved (ESO's ``NamespacePredicate``); CES and child updates
only when spec, labels, annotations or deletion moved, never for status writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eso.controllers.clusterexternalsecret.errors import SelectorError
from eso.controllers.clusterexternalsecret.selection import (
    compile_raw_selection,
    namespace_labels,
)
from eso.kube.keys import ObjectKey, make_key

_WATCHED_META = ("generation", "labels", "annotations", "deletionTimestamp", "ownerReferences")


def meta_moved(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Spec (generation), labels, annotations, owners or deletion changed."""
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    return any(om.get(f) != nm.get(f) for f in _WATCHED_META)


def namespace_moved(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """A namespace's labels or deletion state changed (what selection depends on)."""
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    return om.get("labels") != nm.get("labels") or bool(om.get("deletionTimestamp")) != bool(
        nm.get("deletionTimestamp")
    )


def concerned(cess: Iterable[Mapping[str, Any]], *namespaces: Mapping[str, Any]) -> list[ObjectKey]:
    """CESs that select one of ``namespaces`` (old and new forms) or have provisioned it."""
    found = []
    for raw in cess:
        if any(_concerns(raw, ns) for ns in namespaces):
            found.append(make_key(None, str((raw.get("metadata") or {}).get("name", ""))))
    return found


def _concerns(raw: Mapping[str, Any], namespace: Mapping[str, Any]) -> bool:
    name = str((namespace.get("metadata") or {}).get("name", ""))
    if name in ((raw.get("status") or {}).get("provisionedNamespaces") or []):
        return True
    try:
        selection = compile_raw_selection(raw.get("spec") or {})
    except (SelectorError, ValueError):
        return False  # only a spec change can fix it, and that enqueues the CES itself
    return selection.selects(name, namespace_labels(namespace))
