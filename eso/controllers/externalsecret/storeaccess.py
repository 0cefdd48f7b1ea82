"""How an ExternalSecret gets at its store, and the failures a provider read reports.

Split from the ExternalSecret reconciler because these rules stand on their own: which store
an ExternalSecret refers to (read from the informer caches, never a GET), whether it may use
it (ClusterSecretStore ``spec.conditions``, readiness) - checked before any provider call, so
a sync fails fast and cheaply - and how a failed read is reported and retried
(``errors.provider_failure``). A missing store raises ``StoreUnavailableError``; every other
failure is a ``SyncFailedError`` with ESO's "could not get secret data from provider"
message, so the reconciler reports them all the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from eso.api import conditions as c
from eso.api.models import AnyStore, ClusterSecretStore, ExternalSecret, SecretStore
from eso.controllers.externalsecret.errors import StoreUnavailableError, get_data_failed
from eso.controllers.secretstore.namespaces import namespace_allowed, needs_namespace_labels
from eso.controllers.secretstore.refs import should_process
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.keys import make_key
from eso.kube.resources import NAMESPACES
from eso.settings import ControllerSettings


def lookup_store(
    es: ExternalSecret,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> AnyStore | None:
    """The referenced store, or None when it is not ours to use (another controller class).

    Raises ``StoreUnavailableError`` when it does not exist. The caller decides when that
    matters: as in ESO, a missing store only fails the sync when a refresh is due, so an intact
    Secret is not reported broken because its store is briefly gone.
    """
    ref = es.spec.secret_store_ref
    store: AnyStore
    if ref.kind == c.KIND_CLUSTER_SECRET_STORE:
        if not settings.process_cluster_store:
            return None
        raw = cluster_secret_stores.get(ref.name)
        if raw is None:
            raise StoreUnavailableError(
                c.ERR_GET_CLUSTER_SECRET_STORE.format(name=ref.name, error="not found")
            )
        store = ClusterSecretStore.model_validate(raw)
    else:
        raw = secret_stores.get(make_key(es.namespace, ref.name))
        if raw is None:
            raise StoreUnavailableError(
                c.ERR_GET_SECRET_STORE.format(name=ref.name, error="not found")
            )
        store = SecretStore.model_validate(raw)
    return store if should_process(store, settings.controller_class) else None


async def check_store_usable(es: ExternalSecret, store: AnyStore, *, client: KubeClient) -> None:
    """Raise ``SyncFailedError`` unless ``es`` may use ``store`` now (conditions, Ready).

    A namespace's labels are read (one GET) only when a condition selects by label.
    """
    if store.kind == c.KIND_CLUSTER_SECRET_STORE and store.spec.conditions:
        labels: Mapping[str, str] = {}
        if needs_namespace_labels(store.spec.conditions):
            labels = await _namespace_labels(es.namespace, client=client)
        if not namespace_allowed(store.spec.conditions, es.namespace, labels):
            detail = c.ERR_CLUSTER_STORE_MISMATCH.format(name=store.name, namespace=es.namespace)
            raise get_data_failed(detail, retry=False)
    if not store.is_ready():
        raise get_data_failed(c.ERR_STORE_NOT_READY.format(kind=store.kind, name=store.name))


async def _namespace_labels(namespace: str, *, client: KubeClient) -> Mapping[str, str]:
    try:
        ns = await client.get(NAMESPACES, name=namespace, metadata_only=True)
    except KubeError as e:
        raise get_data_failed(f'failed to get a namespace "{namespace}": {e}') from e
    labels: Mapping[str, str] = (ns.get("metadata") or {}).get("labels") or {}
    return labels
