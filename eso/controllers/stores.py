"""What both reconcilers need to know about stores: keys, access rules and credential reads.

- ``store_ref_key`` names a store the same way in the ExternalSecret "by store" index and in
  the event handlers, so a store change finds exactly the ExternalSecrets that use it.
- ``credential_secret_keys`` finds every Secret a store's provider config points at, without
  knowing the provider: ESO's credential references are ``SecretKeySelector``s held in fields
  named ``...SecretRef`` (``accessKeyIDSecretRef``, ``secretRef``, ...). The store informers
  index on it, so a credential Secret change revalidates exactly the stores that read it.
- ``namespace_allowed`` is ESO's ClusterSecretStore ``spec.conditions`` check
  (``shouldProcessSecret``): a namespace may use the store if any condition matches it by
  selector, name or (unanchored, like Go's ``regexp.MatchString``) regex.
- ``CredentialReader`` is the ``SecretDataGetter`` handed to providers. Credential Secrets are
  few but read on every reconcile (the provider derives its session identity from them), so
  values are cached and the cache is validated against a metadata-only informer of Secrets:
  a read costs a GET only when the Secret's resourceVersion moved. It also refuses, whatever the
  provider does, a namespaced store reading outside its namespace.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from eso.api import conditions as c
from eso.api.models import AnyStore, ClusterSecretStoreCondition, LabelSelector
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.resources import SECRETS
from eso.providers.base import ConfigError, SecretDataGetter

MSG_CROSS_NAMESPACE = (
    "namespace should either be empty or match the namespace of the SecretStore for a "
    "namespaced SecretStore"
)
MSG_CLUSTER_NEEDS_NAMESPACE = "cluster scope requires namespace"


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


# --- credential references ------------------------------------------------------------------


def _selectors(node: Any, field: str = "") -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if field.lower().endswith("secretref") and isinstance(node.get("name"), str):
            yield node
        for key, value in node.items():
            yield from _selectors(value, str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _selectors(item, field)


def credential_secret_keys(store: Mapping[str, Any]) -> list[str]:
    """``namespace/name`` of each Secret the store's provider config references.

    A reference without namespace means the store's own namespace (SecretStore); for a
    ClusterSecretStore it is invalid and names nothing.
    """
    meta = store.get("metadata") or {}
    own = meta.get("namespace") if store.get("kind") != c.KIND_CLUSTER_SECRET_STORE else None
    provider = (store.get("spec") or {}).get("provider") or {}
    keys = set()
    for sel in _selectors(provider):
        namespace = sel.get("namespace") or own
        if namespace and sel.get("name"):
            keys.add(f"{namespace}/{sel['name']}")
    return sorted(keys)


# --- ClusterSecretStore conditions ----------------------------------------------------------


def label_selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """Kubernetes label selector semantics; an empty selector matches everything."""
    for key, value in (selector.match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.match_expressions or []:
        values = req.values or []
        present = req.key in labels
        ok = {
            "In": present and labels.get(req.key) in values,
            "NotIn": not present or labels.get(req.key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(req.operator, False)
        if not ok:
            return False
    return True


def needs_namespace_labels(conditions: list[ClusterSecretStoreCondition]) -> bool:
    """Whether checking the conditions needs the namespace's labels (a GET)."""
    return any(cond.namespace_selector is not None for cond in conditions)


def namespace_allowed(
    conditions: list[ClusterSecretStoreCondition],
    namespace: str,
    labels: Mapping[str, str],
) -> bool:
    """ESO's ``shouldProcessSecret`` for a ClusterSecretStore used from ``namespace``."""
    if not conditions:
        return True
    for cond in conditions:
        if cond.namespace_selector is not None and label_selector_matches(
            cond.namespace_selector, labels
        ):
            return True
        if namespace in cond.namespaces:
            return True
        for pattern in cond.namespace_regexes:
            try:
                if re.search(pattern, namespace):
                    return True
            except re.error:
                continue
    return False


# --- credential reads -----------------------------------------------------------------------


class CredentialReader:
    """Reads credential Secrets for providers; values cached per resourceVersion.

    ``current_version(key)`` returns the resourceVersion the Secret informer last saw for
    ``namespace/name`` (None when it has not seen it): a cached value is served while it
    matches, otherwise the Secret is fetched again. Values never leave this object except to
    the provider that asked.
    """

    def __init__(self, client: KubeClient, *, current_version: Callable[[str], str | None]) -> None:
        self._client = client
        self._current_version = current_version
        self._values: dict[str, tuple[str, dict[str, bytes]]] = {}

    def getter(self, store: AnyStore) -> SecretDataGetter:
        """The ``SecretDataGetter`` for ``store``: enforces the store kind's namespace rules."""
        cluster = store.kind == c.KIND_CLUSTER_SECRET_STORE
        own = store.metadata.namespace or ""

        async def get(namespace: str, name: str) -> Mapping[str, bytes] | None:
            if cluster and not namespace:
                raise ConfigError(MSG_CLUSTER_NEEDS_NAMESPACE)
            if not cluster and namespace != own:
                raise ConfigError(MSG_CROSS_NAMESPACE)
            return await self.read(namespace, name)

        return get

    async def read(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The Secret's decoded data, or None when it does not exist."""
        key = f"{namespace}/{name}"
        seen = self._current_version(key)
        cached = self._values.get(key)
        if cached is not None and seen is not None and cached[0] == seen:
            return cached[1]
        try:
            secret = await self._client.get(SECRETS, name=name, namespace=namespace)
        except NotFound:
            self._values.pop(key, None)
            return None
        data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
        version = str((secret.get("metadata") or {}).get("resourceVersion") or "")
        self._values[key] = (version, data)
        return data

    def forget(self, key: str) -> None:
        """Drop a cached value (its Secret was deleted)."""
        self._values.pop(key, None)
