"""Which ClusterPushSecrets an informer event concerns (event predicates, no I/O, no state).

A namespace event concerns a ClusterPushSecret whose selectors pick the namespace (before or
after the change) or that provisioned it, so a relabelled or new namespace gets its child
and a deselected one loses it at once, not at the next refresh. A child PushSecret edited or
deleted by hand wakes its controlling parent, which restores it (ESO's ``Owns``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eso.api.meta import LabelSelector
from eso.controllers.clusterexternalsecret.errors import SelectorError
from eso.controllers.clusterexternalsecret.selection import compile_selector, namespace_labels
from eso.controllers.clusterpushsecret.children import owning_cps
from eso.kube.keys import ObjectKey, make_key


def concerned(cpss: Iterable[Mapping[str, Any]], *namespaces: Mapping[str, Any]) -> list[ObjectKey]:
    """Keys of the ClusterPushSecrets one of ``namespaces`` (old and new forms) concerns."""
    return [
        make_key(None, str((raw.get("metadata") or {}).get("name", "")))
        for raw in cpss
        if any(_concerns(raw, ns) for ns in namespaces)
    ]


def _concerns(raw: Mapping[str, Any], namespace: Mapping[str, Any]) -> bool:
    name = str((namespace.get("metadata") or {}).get("name", ""))
    if name in ((raw.get("status") or {}).get("provisionedNamespaces") or []):
        return True
    labels = namespace_labels(namespace)
    for selector in (raw.get("spec") or {}).get("namespaceSelectors") or []:
        try:
            if compile_selector(LabelSelector.model_validate(selector)).matches(labels):
                return True
        except (SelectorError, ValueError):
            continue  # only a spec change fixes it, and that enqueues the parent itself
    return False


def owner_key(child: Mapping[str, Any]) -> list[ObjectKey]:
    """The ClusterPushSecret controlling a PushSecret, as a queue key (none for the rest)."""
    owner = owning_cps(child)
    return [make_key(None, owner)] if owner else []
