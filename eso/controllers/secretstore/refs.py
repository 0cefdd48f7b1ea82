"""How controllers name stores and find what a store refers to, without I/O.

- ``store_ref_key`` names a store the same way in the ExternalSecret "by store" index and in
  the event handlers, so a store change finds exactly the ExternalSecrets that use it.
- ``credential_secret_keys`` finds every Secret a store's provider config points at, without
  knowing the provider: ESO's credential references are ``SecretKeySelector``s held in fields
  named ``...SecretRef`` (``accessKeyIDSecretRef``, ``secretRef``, ...). The store informers
  index on it, so a credential Secret change revalidates exactly the stores that read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from eso.api import conditions as c
from eso.api.credentialrefs import CredentialRefError, credential_namespace
from eso.api.models import AnyStore
from eso.kube.keys import ObjectKey, make_key

INDEX_CREDENTIAL = "credential"


def store_ref_key(kind: str, namespace: str | None, name: str) -> str:
    """``SecretStore/<ns>/<name>`` or ``ClusterSecretStore/<name>``."""
    if kind == c.KIND_CLUSTER_SECRET_STORE:
        return f"{kind}/{name}"
    return f"{c.KIND_SECRET_STORE}/{namespace or ''}/{name}"


def should_process(store: AnyStore, controller_class: str | None) -> bool:
    """ESO's ``ShouldProcessStore``: unclaimed stores, or stores of our controller class."""
    wanted = store.spec.controller
    return not wanted or wanted == (controller_class or "")


def event_target(store: AnyStore) -> dict[str, Any]:
    """The store as an event's involved object."""
    meta: dict[str, Any] = {"name": store.metadata.name, "uid": store.metadata.uid}
    if store.metadata.namespace:
        meta["namespace"] = store.metadata.namespace
    return {"apiVersion": c.API_VERSION, "kind": store.kind, "metadata": meta}


def _selectors(node: Any, field: str = "") -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if field.lower().endswith("secretref") and isinstance(node.get("name"), str):
            yield node
        for key, value in node.items():
            yield from _selectors(value, str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _selectors(item, field)


def credential_secret_keys(store: Mapping[str, Any]) -> list[ObjectKey]:
    """``namespace/name`` of each Secret the store's provider config references.

    A reference without namespace means the store's own namespace (SecretStore); for a
    ClusterSecretStore it is invalid and names nothing.
    """
    meta = store.get("metadata") or {}
    kind = str(store.get("kind") or c.KIND_SECRET_STORE)
    provider = (store.get("spec") or {}).get("provider") or {}
    keys: set[ObjectKey] = set()
    for sel in _selectors(provider):
        try:
            namespace = credential_namespace(
                store_kind=kind,
                store_namespace=meta.get("namespace"),
                ref_namespace=sel.get("namespace"),
            )
        except CredentialRefError:
            continue  # validation reports it; an invalid reference names no Secret
        keys.add(make_key(namespace, str(sel["name"])))
    return sorted(keys)
