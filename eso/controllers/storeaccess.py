"""How an ExternalSecret gets at its store, and the failures a provider read reports.

Split from the ExternalSecret reconciler because these rules stand on their own: which store
an ExternalSecret refers to (read from the informer caches, never a GET), whether it may use
it (ClusterSecretStore ``spec.conditions``, readiness) - checked before any provider call, so
a sync fails fast and cheaply - and how a failed read is reported and retried
(``provider_failure``). Every failure is a ``SyncFailedError`` with ESO's "could not get
secret data from provider" message, so the reconciler reports them all the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from eso.api import conditions as c
from eso.api.models import AnyStore, ClusterSecretStore, ExternalSecret, SecretStore
from eso.controllers.stores import namespace_allowed, needs_namespace_labels, should_process
from eso.controllers.target import SyncFailedError
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.resources import NAMESPACES
from eso.settings import ControllerSettings


def get_data_failed(
    detail: str, *, retry: bool = True, requeue_after: float | None = None
) -> SyncFailedError:
    """ESO's "could not get secret data from provider: <detail>" failure."""
    message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_GET_SECRET_DATA, detail=detail)
    return SyncFailedError(message, retry=retry, requeue_after=requeue_after)


def provider_failure(
    detail: str, *, transient: bool, interval: float, slow: float
) -> SyncFailedError:
    """A provider failure, retried according to whether it may heal by itself.

    Transient failures (provider unavailable, throttled, unexpected errors) are retried by the
    worker with per-key exponential backoff, as ESO retries every error. Permanent ones (secret
    or property not found, denied, bad config) do not heal in seconds: someone must change AWS
    or the spec. A spec change reconciles at once (watch); an AWS change is seen at the next
    attempt, so those retry on a fixed schedule - the refresh interval, at most ``slow`` (the
    store requeue interval: 5 min by default, like the backoff cap, so never slower than
    backoff's steady state; also when refreshInterval is 0, which must still sync once) -
    instead of calls at 1, 2, 4 ... s that cannot succeed. Errors of any other kind and any
    failure mixed with a transient one keep the backoff.
    """
    if transient:
        return get_data_failed(detail)
    after = min(interval, slow) if interval > 0 else slow
    return get_data_failed(detail, retry=False, requeue_after=after)


def lookup_store(
    es: ExternalSecret,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> AnyStore | str | None:
    """The referenced store; None when it is not ours to use; else why it is missing.

    A missing store only fails the sync when a refresh is due, as in ESO: an intact Secret
    is not reported broken because its store is briefly gone.
    """
    ref = es.spec.secret_store_ref
    store: AnyStore
    if ref.kind == c.KIND_CLUSTER_SECRET_STORE:
        if not settings.process_cluster_store:
            return None
        raw = cluster_secret_stores.get(ref.name)
        if raw is None:
            return c.ERR_GET_CLUSTER_SECRET_STORE.format(name=ref.name, error="not found")
        store = ClusterSecretStore.model_validate(raw)
    else:
        raw = secret_stores.get(f"{es.namespace}/{ref.name}")
        if raw is None:
            return c.ERR_GET_SECRET_STORE.format(name=ref.name, error="not found")
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
