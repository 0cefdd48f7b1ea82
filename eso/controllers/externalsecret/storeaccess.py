"""How an ExternalSecret gets at its store, and the failures a provider read reports.

Split from the ExternalSecret reconciler because these rules stand on their own: which store
an ExternalSecret refers to (read from the informer caches, never a GET; parsed once per
version of the store, ``Cache.get_parsed``), whether it may use
it (ClusterSecretStore ``spec.conditions``, readiness) - checked before any provider call, so
a sync fails fast and cheaply - and how a failed read is reported and retried
(``errors.provider_failure``). A missing store raises ``StoreUnavailableError``; every other
failure is a ``SyncFailedError`` with ESO's "could not get secret data from provider"
message, so the reconciler reports them all the same way.

Per-entry stores (``data[].sourceRef.storeRef``, ``dataFrom[].sourceRef.storeRef``) follow the
same rules as the main store (ESO's ``secretstore.Manager.Get``): looked up in the same caches,
a SecretStore always in the ExternalSecret's namespace, a store of another controller class
skips the whole ExternalSecret (ESO's ``shouldSkipUnmanagedStore``), ClusterSecretStore
conditions and Ready checked before its client is built. Unlike the main store, a per-entry
store that is missing or unusable fails only the entries that read from it.

A store the store controller has not judged yet (no Ready condition at all) is "not
validated yet", not "not ready": ESO reports it as not ready, which at a cold start with many
ExternalSecrets puts a spurious SecretSyncedError on every one that reconciles before its
store's first validation. eso waits instead (``awaiting_validation``): no condition, no event,
the Secret untouched; the store's first Ready write re-enqueues its ExternalSecrets (routing's
store fan-out), and a long requeue (``VALIDATION_WAIT_SECONDS``) is the backstop. A store
whose Ready is False still fails the sync as in ESO. ESO's store status carries no
``observedGeneration``, so a condition from an older spec still counts, as in ESO.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from eso.api import conditions as c
from eso.api.models import (
    AnyStore,
    ClusterSecretStore,
    ExternalSecret,
    SecretStore,
    SecretStoreRef,
)
from eso.controllers.externalsecret.errors import StoreUnavailableError, get_data_failed
from eso.controllers.secretstore.namespaces import namespace_allowed, needs_namespace_labels
from eso.controllers.secretstore.refs import should_process
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.keys import make_key
from eso.kube.resources import NAMESPACES
from eso.settings import ControllerSettings

VALIDATION_WAIT_SECONDS = 60.0
"""Backstop requeue of an ExternalSecret whose store awaits its first validation.

The store's first Ready write wakes its ExternalSecrets (routing's store fan-out), so this only
matters if that write is never seen. It was 5 s: at a cold start of 10k ExternalSecrets on
fresh stores (``python -m bench.sharded --n 10000``, one replica) every one of them came back
every 5 s while the stores waited for their first validation, 8.3 reconciles per
ExternalSecret in all, and that churn kept the store controller itself off the event loop: its
first validation finished 63 s after the workers started (about 1 s at 1k)."""

StoreKey = tuple[str, str]
"""A store reference as (kind, name); the namespace is always the ExternalSecret's."""


def ref_key(ref: SecretStoreRef) -> StoreKey:
    return (ref.kind, ref.name)


@dataclass(frozen=True)
class Stores:
    """The stores one sync reads from.

    ``main`` is None when every entry names its own store; ``entries`` holds each distinct
    per-entry store, or the error saying why it is not there.
    """

    main: AnyStore | None
    entries: Mapping[StoreKey, AnyStore | StoreUnavailableError] = field(default_factory=dict)


def entry_refs(es: ExternalSecret) -> Iterator[SecretStoreRef | None]:
    """The per-entry store of every ``dataFrom`` then ``data`` entry (None: the main store).

    Entries with a ``generatorRef`` read no store and are left out.
    """
    for entry in es.spec.data_from:
        if entry.source_ref is None or entry.source_ref.generator_ref is None:
            yield entry.source_ref.store_ref if entry.source_ref else None
    for item in es.spec.data:
        if item.source_ref is None or item.source_ref.generator_ref is None:
            yield item.source_ref.store_ref if item.source_ref else None


def uses_generators(es: ExternalSecret) -> bool:
    """Whether some entry names a generator (and so may need no store at all)."""
    refs = [e.source_ref for e in es.spec.data_from] + [i.source_ref for i in es.spec.data]
    return any(ref is not None and ref.generator_ref is not None for ref in refs)


def lookup_stores(
    es: ExternalSecret,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> Stores | None:
    """Every store ``es`` reads from; None when one of them is not ours to use.

    Raises ``StoreUnavailableError`` when the main store is needed and does not exist. The
    caller decides when that matters: as in ESO, a missing store only fails the sync when a
    refresh is due, so an intact Secret is not reported broken because its store is briefly
    gone.
    """
    refs = list(entry_refs(es))
    caches = {"secret_stores": secret_stores, "cluster_secret_stores": cluster_secret_stores}
    main: AnyStore | None = None
    if None in refs or not (refs or uses_generators(es)):
        main = resolve_ref(es.spec.secret_store_ref, es.namespace, settings=settings, **caches)
        if main is None:
            return None
    elif es.spec.secret_store_ref.name and _not_ours(es, settings=settings, **caches):
        return None  # ESO skips on a named store of another class even when nothing reads it
    entries: dict[StoreKey, AnyStore | StoreUnavailableError] = {}
    for ref in {ref_key(r): r for r in refs if r is not None}.values():
        try:
            store = resolve_ref(ref, es.namespace, settings=settings, **caches)
        except StoreUnavailableError as e:
            entries[ref_key(ref)] = e
            continue
        if store is None:
            return None
        entries[ref_key(ref)] = store
    return Stores(main=main, entries=entries)


def _not_ours(
    es: ExternalSecret,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> bool:
    """Whether the unused main store belongs to another controller (a missing one does not)."""
    caches = {"secret_stores": secret_stores, "cluster_secret_stores": cluster_secret_stores}
    try:
        ref = es.spec.secret_store_ref
        return resolve_ref(ref, es.namespace, settings=settings, **caches) is None
    except StoreUnavailableError:
        return False


def resolve_ref(
    ref: SecretStoreRef,
    namespace: str,
    *,
    secret_stores: Cache,
    cluster_secret_stores: Cache,
    settings: ControllerSettings,
) -> AnyStore | None:
    """The store ``ref`` names from ``namespace``; None when another controller owns it."""
    store: AnyStore
    if ref.kind == c.KIND_CLUSTER_SECRET_STORE:
        if not settings.process_cluster_store:
            return None
        cluster = cluster_secret_stores.get_parsed(ref.name, ClusterSecretStore.model_validate)
        if cluster is None:
            raise StoreUnavailableError(
                c.ERR_GET_CLUSTER_SECRET_STORE.format(name=ref.name, error="not found")
            )
        store = cluster
    else:
        key = make_key(namespace, ref.name)
        namespaced = secret_stores.get_parsed(key, SecretStore.model_validate)
        if namespaced is None:
            raise StoreUnavailableError(
                c.ERR_GET_SECRET_STORE.format(name=ref.name, error="not found")
            )
        store = namespaced
    return store if should_process(store, settings.controller_class) else None


def awaiting_validation(stores: Stores) -> list[AnyStore]:
    """The stores ``stores`` reads from that have never been validated (no Ready condition)."""
    found = [stores.main] + [s for s in stores.entries.values() if not isinstance(s, Exception)]
    return [s for s in found if s is not None and not s.is_validated()]


class StoreUnusableError(Exception):
    """The store exists but may not be used now; ``retry`` says whether it may heal."""

    def __init__(self, detail: str, *, retry: bool) -> None:
        super().__init__(detail)
        self.retry = retry


async def check_store_usable(es: ExternalSecret, store: AnyStore, *, client: KubeClient) -> None:
    """Raise ``SyncFailedError`` unless ``es`` may use ``store`` now (conditions, Ready)."""
    try:
        await assert_store_usable(es, store, client=client)
    except StoreUnusableError as e:
        raise get_data_failed(str(e), retry=e.retry) from None


async def assert_store_usable(es: ExternalSecret, store: AnyStore, *, client: KubeClient) -> None:
    """Raise ``StoreUnusableError`` unless ``es`` may use ``store`` now (conditions, Ready).

    A namespace's labels are read (one GET) only when a condition selects by label.
    """
    if store.kind == c.KIND_CLUSTER_SECRET_STORE and store.spec.conditions:
        labels: Mapping[str, str] = {}
        if needs_namespace_labels(store.spec.conditions):
            labels = await _namespace_labels(es.namespace, client=client)
        if not namespace_allowed(store.spec.conditions, es.namespace, labels):
            detail = c.ERR_CLUSTER_STORE_MISMATCH.format(name=store.name, namespace=es.namespace)
            raise StoreUnusableError(detail, retry=False)
    if not store.is_ready():
        raise StoreUnusableError(
            c.ERR_STORE_NOT_READY.format(kind=store.kind, name=store.name), retry=True
        )


async def _namespace_labels(namespace: str, *, client: KubeClient) -> Mapping[str, str]:
    try:
        ns = await client.get(NAMESPACES, name=namespace, metadata_only=True)
    except KubeError as e:
        raise StoreUnusableError(f'failed to get a namespace "{namespace}": {e}', retry=True) from e
    labels: Mapping[str, str] = (ns.get("metadata") or {}).get("labels") or {}
    return labels
