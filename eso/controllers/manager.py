"""Wires eso together: informers, indexes, event handlers, queues, workers, leader election.

What is watched, and why:

- ExternalSecrets, SecretStores, ClusterSecretStores: full objects (they are small).
- Managed Secrets (label ``reconcile.external-secrets.io/managed=true``), metadata only: enough
  to tell whether a Secret is still what we wrote (data-hash annotation + resourceVersion)
  without holding any secret value in memory; a deletion or edit by hand re-enqueues its
  ExternalSecret, which restores it.
- Every Secret, reduced to name/namespace/uid/resourceVersion: credential Secrets carry no
  label we could select on, yet a change must revalidate the stores reading them at once, and
  providers read them on every reconcile. Watching these ~200-byte stubs gives change events
  and lets ``CredentialReader`` serve cached values until the resourceVersion moves, so the
  steady state costs no GET; a data-bearing informer of all Secrets would hold every secret
  value of the cluster in memory, and on-demand GETs would cost one per reconcile.
- Every ConfigMap, reduced the same way: template sources (``templateFrom[].configMap``),
  for the same reasons (``templatesources``); template-source Secrets use the Secret stubs.
- With ClusterExternalSecrets on (and no ``--namespace``): ClusterExternalSecrets, and
  Namespaces as metadata (names, labels, deletion state: what selection needs). A namespace
  created, relabelled or deleted enqueues the CESs it concerns (``clusterexternalsecret.
  triggers``); a child ExternalSecret edited or deleted by hand enqueues the CES controlling it
  (index ``ces-owner``), which restores it.

Indexes: ExternalSecrets by target Secret (``namespace/name``), by store
(``stores.store_ref_key``) and by template source (``indexes.template_source_key``); stores
by credential Secret (``stores.credential_secret_keys``).

Handlers only enqueue keys: ExternalSecret spec/metadata change → it; store change → the store,
and its ExternalSecrets when its spec or readiness changed; managed Secret edited or deleted
by someone else → its ExternalSecret; credential Secret change → the stores reading it;
template source change → the ExternalSecrets rendering from it.

Workers start only after every informer has synced. With leader election, informers run on
every replica (a warm standby), while queues and workers exist only during a leadership term
(``term.Terms``): started on ``on_started_leading``, stopped at once when leadership is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import structlog

from eso.api import conditions as c
from eso.clock import Clock, SystemClock
from eso.controllers.clusterexternalsecret.desired import INDEX_CES_OWNER, ces_owner_index
from eso.controllers.clusterexternalsecret.reconciler import (
    ClusterExternalSecretCaches,
    ClusterExternalSecretReconciler,
)
from eso.controllers.clusterexternalsecret.triggers import concerned, meta_moved, namespace_moved
from eso.controllers.externalsecret.indexes import (
    INDEX_OWNER,
    INDEX_STORE,
    INDEX_TARGET,
    INDEX_TEMPLATE_SOURCE,
    es_store_index,
    es_target_index,
    es_template_source_index,
    managed_owner_index,
    meta_changed,
)
from eso.controllers.externalsecret.ownwrites import OwnSecretVersions
from eso.controllers.externalsecret.reconciler import (
    ExternalSecretCaches,
    ExternalSecretReconciler,
)
from eso.controllers.externalsecret.statuswriter import StatusWriter
from eso.controllers.externalsecret.templatesources import (
    CM,
    SECRET,
    TemplateSourceReader,
    stub_version,
    watch_sources,
)
from eso.controllers.externalsecret.versions import keep_synced_resource_version
from eso.controllers.runtime.conditions import ready_status
from eso.controllers.runtime.terms import Reconcile, Terms
from eso.controllers.secretstore.access import ProviderAccess
from eso.controllers.secretstore.credentials import CredentialReader, secret_stub
from eso.controllers.secretstore.reconciler import StoreReconciler
from eso.controllers.secretstore.refs import (
    INDEX_CREDENTIAL,
    credential_secret_keys,
    store_ref_key,
)
from eso.controllers.secretstore.tokens import ServiceAccountTokens
from eso.kube.cache import Cache, Obj, Tombstone, unwrap
from eso.kube.client import KubeClient
from eso.kube.events import EventRecorder
from eso.kube.informer import Informer
from eso.kube.keys import ObjectKey, object_key
from eso.kube.leader import LeaderElector
from eso.kube.resources import (
    CLUSTER_EXTERNAL_SECRETS,
    CLUSTER_SECRET_STORES,
    CONFIGMAPS,
    EXTERNAL_SECRETS,
    NAMESPACES,
    SECRET_STORES,
    SECRETS,
    Resource,
)
from eso.metrics import Metrics
from eso.providers.registry import ProviderRegistry, default_registry
from eso.settings import Settings
from eso.tasks import TaskSet

log = structlog.get_logger(__name__)

ES = "externalsecret"
SS = "secretstore"
CSS = "clustersecretstore"
CES = "clusterexternalsecret"


class Manager:
    """Runs the ExternalSecret and store controllers until ``stop``.

    ``Manager(client, settings=, metrics=, registry=None, clock=None, identity=None)``: the
    caller owns ``client`` (and closes it after ``run`` returned); without ``registry`` the
    default provider registry is built and closed by the manager. ``await run()`` returns
    after ``stop`` (or cancellation, which cleans up without grace). ``await stop(grace)``:
    workers stop taking keys, in-flight reconciles get ``grace`` seconds, the Lease is
    released, events are flushed, every task ends. ``ready()`` → ``(ok, reason)`` for /readyz.
    ``identity`` names this replica in the Lease.
    """

    def __init__(
        self,
        client: KubeClient,
        *,
        settings: Settings,
        metrics: Metrics,
        registry: ProviderRegistry | None = None,
        clock: Clock | None = None,
        identity: str | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._own_registry = registry is None
        self._registry = registry or default_registry(
            settings=settings.aws, metrics=metrics.provider, clock=self._clock
        )
        self._identity = identity
        self._tasks = TaskSet()
        self._elector: LeaderElector | None = None
        self._stopped = asyncio.Event()
        self._stopping = False
        self._build_informers()
        self._build_reconcilers()
        self._terms = Terms(
            self._reconcilers,
            workers=settings.controller.concurrent,
            queue_settings=settings.queue,
            queue_metrics=metrics.workqueue,
            runtime_metrics=metrics.runtime,
            clock=self._clock,
        )
        self._add_handlers()

    # ------------------------------------------------------------------ construction

    def _informer(self, resource: Resource, **kwargs: Any) -> Informer:
        # kwargs: the Informer's own keyword options (namespace, selectors, indexers...).
        return Informer(
            self._client,
            resource,
            settings=self._settings.informer,
            metrics=self._metrics.informer,
            clock=self._clock,
            **kwargs,
        )

    def _build_informers(self) -> None:
        ns = self._settings.controller.namespace
        es_indexers = {
            INDEX_TARGET: es_target_index,
            INDEX_STORE: es_store_index,
            INDEX_TEMPLATE_SOURCE: es_template_source_index,
        }
        if self._process_ces:
            es_indexers[INDEX_CES_OWNER] = ces_owner_index
        self.external_secrets = self._informer(
            EXTERNAL_SECRETS,
            namespace=ns,
            transform=keep_synced_resource_version,
            indexers=es_indexers,
        )
        self.namespaces: Informer | None = None
        self.cluster_external_secrets: Informer | None = None
        if self._process_ces:
            self.namespaces = self._informer(NAMESPACES, metadata_only=True, name="namespaces")
            self.cluster_external_secrets = self._informer(
                CLUSTER_EXTERNAL_SECRETS,
                label_selector=self._settings.controller.cluster_external_secret_selector,
            )
        cred_index = {INDEX_CREDENTIAL: credential_secret_keys}
        self.secret_stores = self._informer(SECRET_STORES, namespace=ns, indexers=cred_index)
        self.cluster_secret_stores: Informer | None = None
        if self._settings.controller.process_cluster_store:
            self.cluster_secret_stores = self._informer(CLUSTER_SECRET_STORES, indexers=cred_index)
        self.managed_secrets = self._informer(
            SECRETS,
            namespace=ns,
            label_selector=f"{c.LABEL_MANAGED}={c.LABEL_MANAGED_VALUE}",
            metadata_only=True,
            indexers={INDEX_OWNER: managed_owner_index},
            name="managed-secrets",
        )
        self.secret_versions = self._informer(
            SECRETS, namespace=ns, metadata_only=True, transform=secret_stub, name="secret-versions"
        )
        self.config_map_versions = self._informer(
            CONFIGMAPS,
            namespace=ns,
            metadata_only=True,
            transform=secret_stub,
            name="config-map-versions",
        )

    @property
    def _process_ces(self) -> bool:
        """ClusterExternalSecrets write into any namespace: never in a scoped install."""
        ctl = self._settings.controller
        return ctl.process_cluster_external_secret and ctl.namespace is None

    @property
    def informers(self) -> list[Informer]:
        found = [self.external_secrets, self.secret_stores, self.managed_secrets]
        if self.cluster_secret_stores is not None:
            found.append(self.cluster_secret_stores)
        found = [*found, self.secret_versions, self.config_map_versions]
        if self.namespaces is not None and self.cluster_external_secrets is not None:
            found += [self.namespaces, self.cluster_external_secrets]
        return found

    def _build_reconcilers(self) -> None:
        version_of = stub_version(self.secret_versions)
        self.credentials = CredentialReader(self._client, current_version=version_of)
        self.templates = TemplateSourceReader(
            self._client,
            config_map_version=stub_version(self.config_map_versions),
            secret_version=version_of,
        )
        self.tokens = ServiceAccountTokens(
            self._client,
            service_account_ttl=self._settings.controller.service_account_cache_ttl,
            clock=self._clock,
        )
        access = ProviderAccess(
            client=self._client,
            registry=self._registry,
            credentials=self.credentials,
            tokens=self.tokens,
        )
        self._recorders = {
            name: EventRecorder(self._client, component=component, clock=self._clock)
            for name, component in (
                (ES, c.COMPONENT_EXTERNAL_SECRETS),
                (SS, c.COMPONENT_SECRET_STORE),
                (CSS, c.COMPONENT_CLUSTER_SECRET_STORE),
                (CES, c.COMPONENT_CLUSTER_EXTERNAL_SECRET),
            )
        }
        css_cache = self.cluster_secret_stores.cache if self.cluster_secret_stores else Cache()
        self.own_versions = OwnSecretVersions()
        self.statuses = StatusWriter(
            client=self._client, external_secrets=self.external_secrets.cache
        )
        self.es_reconciler = self._es_reconciler(access, css_cache)
        self._reconcilers: dict[str, Reconcile] = {
            ES: self.es_reconciler.reconcile,
            SS: self._store_reconciler(c.KIND_SECRET_STORE, access, self.secret_stores.cache),
        }
        if self.cluster_secret_stores is not None:
            self._reconcilers[CSS] = self._store_reconciler(
                c.KIND_CLUSTER_SECRET_STORE, access, css_cache
            )
        if self.namespaces is not None and self.cluster_external_secrets is not None:
            self._reconcilers[CES] = self._ces_reconciler(
                self.namespaces.cache, self.cluster_external_secrets.cache
            )

    def _ces_reconciler(self, namespaces: Cache, cess: Cache) -> Reconcile:
        caches = ClusterExternalSecretCaches(
            cluster_external_secrets=cess,
            namespaces=namespaces,
            external_secrets=self.external_secrets.cache,
        )
        return ClusterExternalSecretReconciler(
            caches=caches,
            client=self._client,
            recorder=self._recorders[CES],
            metrics=self._metrics.ces,
            clock=self._clock,
        ).reconcile

    def _es_reconciler(self, access: ProviderAccess, css_cache: Cache) -> ExternalSecretReconciler:
        caches = ExternalSecretCaches(
            external_secrets=self.external_secrets.cache,
            secret_stores=self.secret_stores.cache,
            cluster_secret_stores=css_cache,
            managed_secrets=self.managed_secrets.cache,
        )
        return ExternalSecretReconciler(
            caches=caches,
            access=access,
            versions=self.own_versions,
            statuses=self.statuses,
            templates=self.templates,
            recorder=self._recorders[ES],
            metrics=self._metrics.es,
            settings=self._settings.controller,
            clock=self._clock,
        )

    def _store_reconciler(self, kind: str, access: ProviderAccess, cache: Cache) -> Reconcile:
        return StoreReconciler(
            kind,
            cache=cache,
            access=access,
            recorder=self._recorders[CSS if kind == c.KIND_CLUSTER_SECRET_STORE else SS],
            metrics=self._metrics.stores,
            settings=self._settings.controller,
            clock=self._clock,
        ).reconcile

    # ------------------------------------------------------------------ event handlers

    def _enqueue(self, queue: str, keys: Iterable[ObjectKey]) -> None:
        self._terms.enqueue(queue, keys)

    def _add_handlers(self) -> None:
        self.external_secrets.add_handler(
            on_add=self._external_secret_added,
            on_update=self._external_secret_updated,
            on_delete=self._external_secret_deleted,
        )
        self._add_store_handlers(self.secret_stores, SS, c.KIND_SECRET_STORE)
        if self.cluster_secret_stores is not None:
            self._add_store_handlers(self.cluster_secret_stores, CSS, c.KIND_CLUSTER_SECRET_STORE)
        self.managed_secrets.add_handler(
            on_update=lambda _o, n: self._managed_secret_changed(n),
            on_delete=lambda o: self._managed_secret_changed(unwrap(o), deleted=True),
        )
        self.secret_versions.add_handler(
            on_add=self._credential_changed,
            on_update=lambda _o, n: self._credential_changed(n),
            on_delete=lambda o: self._credential_changed(unwrap(o), deleted=True),
        )
        for informer, kind in ((self.secret_versions, SECRET), (self.config_map_versions, CM)):
            watch_sources(informer, kind=kind, reader=self.templates, enqueue=self._render_again)
        self._add_ces_handlers()

    def _render_again(self, source_ref: str) -> None:
        self._enqueue(ES, self._index_keys(INDEX_TEMPLATE_SOURCE, source_ref))

    def _add_ces_handlers(self) -> None:
        """CES changes → it; namespace changes → the CESs concerned; child edits → its CES."""
        if self.namespaces is None or self.cluster_external_secrets is None:
            return
        cess = self.cluster_external_secrets.cache

        def ces_key(obj: Obj) -> list[ObjectKey]:
            return [object_key(obj)]

        def ces_gone(gone: Obj | Tombstone) -> None:
            obj = unwrap(gone)
            self._metrics.ces.forget(name=str((obj.get("metadata") or {}).get("name", "")))
            self._enqueue(CES, ces_key(obj))

        self.cluster_external_secrets.add_handler(
            on_add=lambda o: self._enqueue(CES, ces_key(o)),
            on_update=lambda o, n: self._enqueue(CES, ces_key(n) if meta_moved(o, n) else []),
            on_delete=ces_gone,
        )
        self.namespaces.add_handler(
            on_add=lambda o: self._enqueue(CES, concerned(cess.list(), o)),
            on_update=lambda o, n: self._enqueue(
                CES, concerned(cess.list(), o, n) if namespace_moved(o, n) else []
            ),
            on_delete=lambda o: self._enqueue(CES, concerned(cess.list(), unwrap(o))),
        )
        self.external_secrets.add_handler(
            on_update=lambda o, n: self._enqueue(CES, _owner(o) if meta_moved(o, n) else []),
            on_delete=lambda o: self._enqueue(CES, _owner(unwrap(o))),
        )

    def _external_secret_added(self, obj: Obj) -> None:
        # First sight: its counters exist at 0 before its first (queued) reconcile counts.
        meta = obj.get("metadata") or {}
        self._metrics.es.seen(namespace=meta.get("namespace", ""), name=meta.get("name", ""))
        self._enqueue(ES, [object_key(obj)])

    def _external_secret_deleted(self, gone: Obj | Tombstone) -> None:
        # A standby never reconciles the deletion: its series go here (the reconcile of the
        # deleted key, on the leader, forgets them again after any in-flight count).
        obj = unwrap(gone)
        meta = obj.get("metadata") or {}
        self._metrics.es.forget(namespace=meta.get("namespace", ""), name=meta.get("name", ""))
        self._enqueue(ES, [object_key(obj)])

    def _external_secret_updated(self, old: Obj, new: Obj) -> None:
        key = object_key(new)
        self.statuses.observed(key, new)
        if meta_changed(old, new):
            self._enqueue(ES, [key])

    def _add_store_handlers(self, informer: Informer, queue: str, kind: str) -> None:
        def store_changed(old: Obj | None, new: Obj, *, deleted: bool = False) -> None:
            meta = new.get("metadata") or {}
            spec_moved = old is None or deleted or meta_changed(old, new)
            if spec_moved:
                self._enqueue(queue, [object_key(new)])
            if spec_moved or ready_status((old or {}).get("status")) != ready_status(
                new.get("status")
            ):
                ref = store_ref_key(kind, meta.get("namespace"), meta.get("name", ""))
                self._enqueue(ES, self._index_keys(INDEX_STORE, ref))

        informer.add_handler(
            on_add=lambda o: store_changed(None, o),
            on_update=store_changed,
            on_delete=lambda o: store_changed(None, unwrap(o), deleted=True),
        )

    def _managed_secret_changed(self, secret: Obj, *, deleted: bool = False) -> None:
        owners = self._index_keys(INDEX_TARGET, object_key(secret))
        if not deleted:
            owners = [k for k in owners if not self.own_versions.is_own_write(k, secret)]
        self._enqueue(ES, owners)

    def _index_keys(self, index: str, value: str) -> list[ObjectKey]:
        """ExternalSecret keys under ``value`` of ``index`` (the cache stores keys it made)."""
        return [ObjectKey(k) for k in self.external_secrets.cache.index_keys(index, value)]

    def _credential_changed(self, stub: Obj, *, deleted: bool = False) -> None:
        key = object_key(stub)
        if deleted:
            self.credentials.forget(key)
        self._enqueue(SS, _keys(self.secret_stores.cache.index_keys(INDEX_CREDENTIAL, key)))
        if self.cluster_secret_stores is not None:
            css = self.cluster_secret_stores.cache.index_keys(INDEX_CREDENTIAL, key)
            self._enqueue(CSS, _keys(css))

    # ------------------------------------------------------------------ lifecycle

    def ready(self) -> tuple[bool, str]:
        """For /readyz: every informer synced (leader or warm standby alike)."""
        pending = [i.name for i in self.informers if not i.has_synced()]
        if pending:
            return False, "informers not synced: " + ", ".join(pending)
        return True, "ok"

    async def run(self) -> None:
        """Start informers, wait for their sync, run workers (while leading) until ``stop``."""
        for informer in self.informers:
            self._tasks.spawn(informer.run(), name=f"informer-{informer.name}")
        for name, recorder in self._recorders.items():
            self._tasks.spawn(recorder.run(), name=f"events-{name}")
        try:
            if not await self._wait_synced_or_stopped():
                return
            log.info("caches_synced")
            if self._settings.leader.enabled:
                self._tasks.spawn(self._elect_forever(), name="leader-election")
            else:
                self._metrics.leader.without_election(self._settings.leader.lease_name)
                await self._start_term()
            await self._stopped.wait()
        finally:
            await self._shutdown(grace=0.0)

    async def _wait_synced_or_stopped(self) -> bool:
        """True once every informer synced; False if ``stop`` came first."""
        synced: asyncio.Future[Any] = asyncio.ensure_future(
            asyncio.gather(*(i.wait_synced() for i in self.informers))
        )
        stopped: asyncio.Future[Any] = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({synced, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for fut in (synced, stopped):
                fut.cancel()
            await asyncio.gather(synced, stopped, return_exceptions=True)
        return not self._stopping and synced.done() and not synced.cancelled()

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking keys, give in-flight reconciles ``grace`` seconds, release, clean up.

        ``grace`` defaults to ``settings.controller.shutdown_grace``. Safe to call twice.
        """
        if grace is None:
            grace = self._settings.controller.shutdown_grace
        await self._shutdown(grace=grace)
        self._stopped.set()

    async def _shutdown(self, *, grace: float) -> None:
        if self._stopping:
            return
        self._stopping = True
        await self._terms.close(grace)
        if self._elector is not None:
            await self._elector.release()
        for recorder in self._recorders.values():
            try:
                await asyncio.wait_for(recorder.flush(), timeout=max(grace, 1.0))
            except TimeoutError:
                log.warning("events_not_flushed")
        await self._tasks.close()
        if self._own_registry:
            await self._registry.close()

    async def _elect_forever(self) -> None:
        while not self._stopping:
            self._elector = LeaderElector(
                self._client,
                settings=self._settings.leader,
                identity=self._identity,
                metrics=self._metrics.leader,
                clock=self._clock,
            )
            await self._elector.run(self._start_term, self._lost_leadership)

    async def _lost_leadership(self) -> None:
        # The elector also calls this after a graceful release on stop: not worth a warning.
        if not self._stopping:
            log.warning("leadership_lost")
        await self._terms.end(0.0)

    async def _start_term(self) -> None:
        """Start workers, with every cached object enqueued (no-op once stopping)."""
        await self._terms.start(fill=self._enqueue_all)

    def _enqueue_all(self) -> None:
        self._enqueue(SS, _keys(self.secret_stores.cache.keys()))
        if self.cluster_secret_stores is not None:
            self._enqueue(CSS, _keys(self.cluster_secret_stores.cache.keys()))
        self._enqueue(ES, _keys(self.external_secrets.cache.keys()))
        if self.cluster_external_secrets is not None:
            self._enqueue(CES, _keys(self.cluster_external_secrets.cache.keys()))


def _keys(keys: Iterable[str]) -> list[ObjectKey]:
    """Keys from an informer cache, which only holds keys made by ``object_key``."""
    return [ObjectKey(k) for k in keys]


def _owner(child: Obj) -> list[ObjectKey]:
    """The CES controlling an ExternalSecret, as a queue key (none for the rest)."""
    return _keys(ces_owner_index(child))
