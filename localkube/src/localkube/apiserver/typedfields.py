"""Unknown fields of built-in kinds: dropped, warned about, or refused like typed decoding.

kube-apiserver decodes built-ins into Go structs, so a field the type does not have is
dropped, reported in a ``Warning`` header (fieldValidation=Warn, the default) or refused
with 400 (Strict, kubectl's default). The local control plane has no Go types; this table
lists the top-level fields of the built-ins eso writes, plus ObjectMeta for every kind
(custom resources included: their metadata is decoded into ObjectMeta too). Kinds not in
the table keep whatever they are sent.
"""

from __future__ import annotations

from typing import Any

from localkube.apiserver import status as st
from localkube.apiserver.registry import ResourceType

JSONDict = dict[str, Any]

_TYPE_META = frozenset({"apiVersion", "kind", "metadata"})
_TOP_LEVEL: dict[tuple[str, str], frozenset[str]] = {
    ("", "secrets"): frozenset({"data", "stringData", "type", "immutable"}),
    ("", "configmaps"): frozenset({"data", "binaryData", "immutable"}),
    ("", "namespaces"): frozenset({"spec", "status"}),
    ("", "serviceaccounts"): frozenset(
        {"secrets", "imagePullSecrets", "automountServiceAccountToken"}
    ),
    ("coordination.k8s.io", "leases"): frozenset({"spec"}),
}
_OBJECT_META = frozenset(
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
        "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    }
)  # fmt: skip


def unknown_fields(rt: ResourceType, obj: JSONDict) -> list[str]:
    """Dotted paths of fields the kind's type does not declare."""
    paths = [f"metadata.{k}" for k in obj.get("metadata") or {} if k not in _OBJECT_META]
    known = _TOP_LEVEL.get((rt.group, rt.plural))
    if known is not None and not rt.custom:
        paths += [k for k in obj if k not in known and k not in _TYPE_META]
    return paths


def drop_unknown(
    rt: ResourceType, obj: JSONDict, *, validation: str, warnings: list[str]
) -> JSONDict:
    """``obj`` without unknown fields; 400 under Strict, warnings under Warn."""
    unknown = unknown_fields(rt, obj)
    if not unknown:
        return obj
    messages = [f'unknown field "{p}"' for p in unknown]
    if validation == "Strict":
        raise st.bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f"strict decoding error: {', '.join(messages)}"
        )
    if validation != "Ignore":
        warnings += messages
    out = {k: v for k, v in obj.items() if k not in unknown}
    out["metadata"] = {k: v for k, v in obj["metadata"].items() if f"metadata.{k}" not in unknown}
    return out
