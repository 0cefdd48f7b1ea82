"""Wires eso together: informers, shared components, reconcilers, queues, workers, leader election.

What is watched and why is ``informers``; which event wakes which key is ``routing``. The
manager builds the components both paths share (``OwnSecretVersions``, ``StatusWriter``,
``CredentialReader``, ``TemplateSourceReader``, ``ServiceAccountTokens``), one reconciler per
kind with explicit typed arguments, and runs them.

Workers start only after every informer has synced. With leader election, informers run on
every replica (a warm standby), while queues and workers exist only during a leadership term
(``runtime.terms.Terms``): started on ``on_started_leading``, stopped at once when leadership
is lost. With ``--shards`` above 1 there is no leader: one term runs on every replica and
``sharding.Sharding`` gates its keys by the slots this replica holds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api import pushconditions as pc
from eso.clock import Clock, SystemClock
from eso.controllers.clusterexternalsecret.reconciler import (
    ClusterExternalSecretCaches,
    ClusterExternalSecretReconciler,
)
from eso.controllers.clusterpushsecret.reconciler import (
    ClusterPushSecretCaches,
    ClusterPushSecretReconciler,
)
from eso.controllers.externalsecret.ownwrites import OwnSecretVersions
from eso.controllers.externalsecret.reconciler import (
    ExternalSecretCaches,
    ExternalSecretReconciler,
)
from eso.controllers.externalsecret.statuswriter import StatusWriter
from eso.controllers.externalsecret.templatesources import TemplateSourceReader, stub_version
from eso.controllers.informers import Informers
from eso.controllers.pushsecret.reconciler import PushSecretCaches, PushSecretReconciler
from eso.controllers.rollout.rollouts import Rollouts
from eso.controllers.routing import CES, CPS, CSS, ES, PS, SS, EventRouting, Shared, keys
from eso.controllers.runtime.terms import Reconcile, Terms
from eso.controllers.secretstore.access import ProviderAccess
from eso.controllers.secretstore.credentials import CredentialReader
from eso.controllers.secretstore.reconciler import StoreReconciler
from eso.controllers.secretstore.tokens import ServiceAccountTokens
from eso.controllers.sharding import Sharding
from eso.generators.registry import GeneratorRegistry
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.events import EventRecorder
from eso.kube.informer import Informer
from eso.kube.leader import LeaderElector
from eso.metrics import Metrics
from eso.providers.registry import ProviderRegistry, default_registry
from eso.settings import Settings
from eso.tasks import TaskSet

log = structlog.get_logger(__name__)


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
        self._generators = GeneratorRegistry(
            settings=settings.aws, metrics=metrics.provider, clock=self._clock
        )
        self._identity = identity
        self._tasks = TaskSet()
        self._elector: LeaderElector | None = None
        self._stopped = asyncio.Event()
        self._stopping = False
        self._informers = Informers(
            client, settings=settings, metrics=metrics.informer, clock=self._clock
        )
        self._build_reconcilers()
        self._sharding = self._build_sharding()
        self._terms = Terms(
            self._sharding.gated_all(self._reconcilers) if self._sharding else self._reconcilers,
            workers=settings.controller.concurrent,
            waiting=settings.controller.concurrent_waiting,
            queue_settings=settings.queue,
            queue_metrics=metrics.workqueue,
            runtime_metrics=metrics.runtime,
            clock=self._clock,
        )
        shared = Shared(
            own_versions=self.own_versions,
            statuses=self.statuses,
            credentials=self.credentials,
            templates=self.templates,
        )
        self._enqueue = self._sharding.gate.enqueue if self._sharding else self._terms.enqueue
        EventRouting(
            self._informers, shared=shared, metrics=metrics, enqueue=self._enqueue
        ).install()

    # ------------------------------------------------------------------ construction

    @property
    def external_secrets(self) -> Informer:
        return self._informers.external_secrets

    @property
    def informers(self) -> list[Informer]:
        return self._informers.all()

    def _build_shared(self) -> ProviderAccess:
        """The components the informer and reconcile paths share; returns provider access."""
        inf = self._informers
        version_of = stub_version(inf.secret_versions)
        self.credentials = CredentialReader(self._client, current_version=version_of)
        self.templates = TemplateSourceReader(
            self._client,
            config_map_version=stub_version(inf.config_map_versions),
            secret_version=version_of,
        )
        self.tokens = ServiceAccountTokens(
            self._client,
            service_account_ttl=self._settings.controller.service_account_cache_ttl,
            clock=self._clock,
        )
        self.own_versions = OwnSecretVersions()
        self.statuses = StatusWriter(
            client=self._client, external_secrets=inf.external_secrets.cache
        )
        return ProviderAccess(
            client=self._client,
            registry=self._registry,
            credentials=self.credentials,
            tokens=self.tokens,
        )

    def _build_reconcilers(self) -> None:
        inf, access = self._informers, self._build_shared()
        self._recorders = {
            name: EventRecorder(
                self._client,
                component=component,
                clock=self._clock,
                dropped_counter=self._metrics.client.events_dropped.labels(component),
            )
            for name, component in (
                (ES, c.COMPONENT_EXTERNAL_SECRETS),
                (SS, c.COMPONENT_SECRET_STORE),
                (CSS, c.COMPONENT_CLUSTER_SECRET_STORE),
                (CES, c.COMPONENT_CLUSTER_EXTERNAL_SECRET),
                (PS, pc.COMPONENT_PUSH_SECRET),
                (CPS, pc.COMPONENT_CPS_EVENTS),
            )
        }
        css_cache = inf.cluster_secret_stores.cache if inf.cluster_secret_stores else Cache()
        self.es_reconciler = self._es_reconciler(access, css_cache)
        self._reconcilers: dict[str, Reconcile] = {
            ES: self.es_reconciler.reconcile,
            SS: self._store_reconciler(c.KIND_SECRET_STORE, access, inf.secret_stores.cache),
        }
        if inf.cluster_secret_stores is not None:
            self._reconcilers[CSS] = self._store_reconciler(
                c.KIND_CLUSTER_SECRET_STORE, access, css_cache
            )
        if inf.namespaces is not None and inf.cluster_external_secrets is not None:
            self._reconcilers[CES] = self._ces_reconciler(
                inf.namespaces.cache, inf.cluster_external_secrets.cache
            )
        if inf.push_secrets is not None:
            self._reconcilers[PS] = self._ps_reconciler(access, inf.push_secrets.cache, css_cache)
        if inf.cluster_push_secrets is not None and inf.namespaces is not None:
            self._reconcilers[CPS] = self._cps_reconciler(
                inf.cluster_push_secrets.cache, inf.namespaces.cache
            )

    def _cps_reconciler(self, cpss: Cache, namespaces: Cache) -> Reconcile:
        assert self._informers.push_secrets is not None  # ClusterPushSecrets need PushSecrets
        caches = ClusterPushSecretCaches(
            cluster_push_secrets=cpss,
            namespaces=namespaces,
            push_secrets=self._informers.push_secrets.cache,
        )
        return ClusterPushSecretReconciler(
            caches=caches,
            client=self._client,
            recorder=self._recorders[CPS],
            metrics=self._metrics.cps,
            clock=self._clock,
        ).reconcile

    def _ps_reconciler(self, access: ProviderAccess, pss: Cache, css_cache: Cache) -> Reconcile:
        caches = PushSecretCaches(
            push_secrets=pss,
            secret_stores=self._informers.secret_stores.cache,
            cluster_secret_stores=css_cache,
        )
        return PushSecretReconciler(
            caches=caches,
            access=access,
            templates=self.templates,
            recorder=self._recorders[PS],
            metrics=self._metrics.ps,
            settings=self._settings.controller,
            clock=self._clock,
            generators=self._generators,
        ).reconcile

    def _build_sharding(self) -> Sharding | None:
        """Slot gating for ``--shards`` above 1; None for one shard (today's behaviour)."""
        if self._settings.sharding.shards <= 1:
            return None
        return Sharding(
            self._client,
            settings=self._settings,
            informers=self._informers,
            enqueue=lambda queue, found: self._terms.enqueue(queue, found),
            metrics=self._metrics,
            clock=self._clock,
            identity=self._identity,
        )

    def _ces_reconciler(self, namespaces: Cache, cess: Cache) -> Reconcile:
        caches = ClusterExternalSecretCaches(
            cluster_external_secrets=cess,
            namespaces=namespaces,
            external_secrets=self._informers.external_secrets.cache,
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
            external_secrets=self._informers.external_secrets.cache,
            secret_stores=self._informers.secret_stores.cache,
            cluster_secret_stores=css_cache,
            managed_secrets=self._informers.managed_secrets.cache,
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
            rollouts=self._rollouts(),
            generators=self._generators,
        )

    def _rollouts(self) -> Rollouts:
        """Rollout on change; built even when off, to tell annotated ExternalSecrets so."""
        return Rollouts(
            self._client,
            enabled=self._settings.controller.rollout_on_change,
            min_interval=self._settings.controller.rollout_min_interval,
            recorder=self._recorders[ES],
            metrics=self._metrics.rollout,
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
        if self._sharding is not None:  # counted by the others while our caches sync
            self._tasks.spawn(self._sharding.ownership.announce(), name="shard-membership")
        try:
            if not await self._wait_synced_or_stopped():
                return
            log.info("caches_synced")
            if self._sharding is not None:
                await self._start_term()
                self._tasks.spawn(self._sharding.run(), name="sharding")
            elif self._settings.leader.enabled:
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
        await self._generators.close()

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
        inf, enqueue = self._informers, self._enqueue
        enqueue(SS, keys(inf.secret_stores.cache.keys()))
        if inf.cluster_secret_stores is not None:
            enqueue(CSS, keys(inf.cluster_secret_stores.cache.keys()))
        enqueue(ES, keys(inf.external_secrets.cache.keys()))
        if inf.cluster_external_secrets is not None:
            enqueue(CES, keys(inf.cluster_external_secrets.cache.keys()))
        if inf.push_secrets is not None:
            enqueue(PS, keys(inf.push_secrets.cache.keys()))
        if inf.cluster_push_secrets is not None:
            enqueue(CPS, keys(inf.cluster_push_secrets.cache.keys()))
