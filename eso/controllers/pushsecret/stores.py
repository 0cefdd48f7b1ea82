"""Which stores a PushSecret pushes to: ESO's ``GetSecretStores``, on the informer caches.

``secretStoreRefs[]`` names a store (``name``, ``kind``) or selects every store of that kind
whose labels match ``labelSelector`` (SecretStores in the PushSecret's namespace,
ClusterSecretStores anywhere). A named store that does not exist fails the push with ESO's
message; stores being deleted are skipped (ESO, to avoid finalizer conflicts); a store of
another controller class is not ours, and when no store is ours the PushSecret is left alone.

Before a store's client is built, eso checks what ESO's store manager checks: a
ClusterSecretStore's ``spec.conditions`` must admit the namespace, and the store must be
Ready. Capabilities are checked on the client (``SecretsWriter``).

A store the store controller has not judged yet (no Ready condition at all) is "not validated
yet", not "not ready" (as for ExternalSecrets, ``externalsecret.storeaccess``): the PushSecret
waits (``awaiting_validation``) with no condition and no event, and is woken by the store's
first Ready write through ``INDEX_PS_STORE`` (named refs), or at the latest after
``VALIDATION_WAIT_SECONDS`` (a store selected by labels has no index entry).
"""

from __future__ import annotations

from collections.abc import Mapping

from eso.api import conditions as c
from eso.api import pushconditions as pc
from eso.api.meta import LabelSelector
from eso.api.pushsecret import PushSecret, PushSecretStoreRef
from eso.api.secretstore import AnyStore, ClusterSecretStore, SecretStore
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.secretstore.namespaces import (
    label_selector_matches,
    namespace_allowed,
    needs_namespace_labels,
)
from eso.controllers.secretstore.refs import should_process, store_ref_key
from eso.kube.cache import Cache, Obj
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.keys import make_key
from eso.kube.resources import NAMESPACES
from eso.settings import ControllerSettings

INDEX_PS_STORE = "ps-store"
VALIDATION_WAIT_SECONDS = 10.0
"""Backstop requeue of a PushSecret whose store awaits its first validation (a label-selected
store's Ready write does not find the PushSecret; a named one's does, through the index)."""


def ps_store_index(obj: Obj) -> list[str]:
    """``store_ref_key`` of every store a PushSecret names (label selections are not indexed)."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    return sorted(
        {
            store_ref_key(
                ref.get("kind") or c.KIND_SECRET_STORE, meta.get("namespace"), ref["name"]
            )
            for ref in spec.get("secretStoreRefs") or []
            if isinstance(ref, dict) and ref.get("name")
        }
    )


def awaiting_validation(stores: list[AnyStore]) -> list[AnyStore]:
    """The stores that have never been validated (no Ready condition)."""
    return [s for s in stores if not s.is_validated()]


def parse_store(raw: Obj, kind: str) -> AnyStore:
    if kind == c.KIND_CLUSTER_SECRET_STORE:
        return ClusterSecretStore.model_validate(raw)
    return SecretStore.model_validate(raw)


def _selected(
    ref: PushSecretStoreRef, selector: LabelSelector, namespace: str, cache: Cache
) -> list[AnyStore]:
    found = []
    for raw in cache.list():
        meta = raw.get("metadata") or {}
        if ref.kind == c.KIND_SECRET_STORE and meta.get("namespace") != namespace:
            continue
        if label_selector_matches(selector, meta.get("labels") or {}):
            found.append(parse_store(raw, ref.kind))
    return found


def _named(ref: PushSecretStoreRef, namespace: str, cache: Cache) -> AnyStore:
    if not ref.name:
        raise PushFailedError(pc.ERR_STORE_NAME_REQUIRED, retry=False)
    cluster = ref.kind == c.KIND_CLUSTER_SECRET_STORE
    raw = cache.get(ref.name if cluster else make_key(namespace, ref.name))
    if raw is None:
        error = pc.ERR_GET_CLUSTER_SECRET_STORE if cluster else pc.ERR_GET_SECRET_STORE
        raise PushFailedError(error.format(name=ref.name, error="not found"))
    return parse_store(raw, ref.kind)


def resolve_stores(
    ps: PushSecret,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> list[AnyStore]:
    """The stores to push to, in ref order, each once; raises ``PushFailedError``."""
    stores: dict[tuple[str, str], AnyStore] = {}
    for ref in ps.spec.secret_store_refs:
        cluster = ref.kind == c.KIND_CLUSTER_SECRET_STORE
        if cluster and not settings.process_cluster_store:
            continue
        cache = cluster_secret_stores if cluster else secret_stores
        found = (
            _selected(ref, ref.label_selector, ps.namespace, cache)
            if ref.label_selector is not None and not ref.name
            else [_named(ref, ps.namespace, cache)]
        )
        for store in found:
            stores.setdefault((store.kind, store.name), store)
    return [
        s
        for s in stores.values()
        if not s.metadata.deletion_timestamp and should_process(s, settings.controller_class)
    ]


async def assert_usable(store: AnyStore, namespace: str, *, client: KubeClient) -> None:
    """Raise ``PushFailedError`` unless ``namespace`` may use ``store`` now."""
    if store.kind == c.KIND_CLUSTER_SECRET_STORE and store.spec.conditions:
        labels: Mapping[str, str] = {}
        if needs_namespace_labels(store.spec.conditions):
            labels = await _namespace_labels(namespace, client=client)
        if not namespace_allowed(store.spec.conditions, namespace, labels):
            detail = pc.ERR_STORE_NOT_ALLOWED.format(name=store.name, namespace=namespace)
            raise PushFailedError(detail, retry=False)
    if not store.is_ready():
        raise PushFailedError(pc.ERR_STORE_NOT_READY.format(kind=store.kind, name=store.name))


async def _namespace_labels(namespace: str, *, client: KubeClient) -> Mapping[str, str]:
    try:
        ns = await client.get(NAMESPACES, name=namespace, metadata_only=True)
    except KubeError as e:
        raise PushFailedError(f'failed to get a namespace "{namespace}": {e}') from e
    labels: Mapping[str, str] = (ns.get("metadata") or {}).get("labels") or {}
    return labels
