"""Active-active sharding in the controllers: work only on the keys of slots this replica holds.

``kube.shards`` decides which slots this replica holds; ``SlotGate`` makes the controllers obey:

- **Enqueue.** Every key the event handlers produce, and every key of the initial fill, goes
  through ``SlotGate.enqueue``, which drops the keys of slots held elsewhere.
- **Reconcile.** ``SlotGate.gated`` wraps each reconcile: a key whose slot is not held (a
  refresh queued before the slot was lost) returns at once, and a held one runs as a child
  task registered under its slot.
- **Won.** ``acquired(slot)`` enqueues every cached key of the slot, in every queue, so the
  new holder resyncs what the previous one may have left half done.
- **Lost.** ``lost(slot)`` stops new reconciles of the slot, cancels the running ones and
  waits for them before it returns; ``kube.shards`` calls it before a release is written, or
  at the renew deadline, in both cases before another replica can hold the slot. The slot's
  per-object series (conditions, durations) go, and its ExternalSecrets' counters start again
  at 0, as on any replica that does not own them: otherwise the old holder would keep
  exporting a Ready condition the new holder has since changed, and alerts would read both.

Slots of keys: ExternalSecrets, SecretStores (namespaced) and ClusterExternalSecrets follow
the hash of their own key, so a namespace's stores spread like its ExternalSecrets.
ClusterSecretStores are validated, and their status written, by the holder of slot 0 alone;
every other replica reads the store (spec and Ready status) from its informer cache to serve
its ExternalSecrets, as every ExternalSecret reconcile already does. Validating them on every
replica would multiply provider calls by the replicas and add nothing the status lacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping

import structlog

from eso.clock import Clock
from eso.controllers.informers import Informers
from eso.controllers.routing import CES, CPS, CSS, ES, PS, SS, Enqueue, keys
from eso.controllers.runtime.terms import Reconcile
from eso.controllers.runtime.worker import Result
from eso.kube.client import KubeClient
from eso.kube.keys import ObjectKey, split_key
from eso.kube.leader import default_identity, pod_namespace
from eso.kube.shards import SlotOwnership, slot_of
from eso.metrics import Metrics
from eso.settings import Settings
from eso.tasks import TaskSet

log = structlog.get_logger(__name__)

CachedKeys = Callable[[], Iterable[str]]
CLUSTER_STORE_SLOT = 0


class SlotGate:
    """Filters keys by slot; ``acquired``/``lost`` are ``SlotOwnership``'s callbacks.

    ``cached`` maps each queue to the keys its informer cache holds now (for the fill of a
    won slot). Holds nothing until ``acquired`` is called.
    """

    def __init__(
        self,
        *,
        shards: int,
        enqueue: Enqueue,
        cached: Mapping[str, CachedKeys],
        metrics: Metrics,
    ) -> None:
        self.shards = shards
        self._enqueue = enqueue
        self._cached = dict(cached)
        self._metrics = metrics.shards
        self._es_metrics, self._store_metrics = metrics.es, metrics.stores
        self._held: set[int] = set()
        self._running: dict[int, set[asyncio.Task[Result]]] = {}

    def slot(self, queue: str, key: str) -> int:
        return CLUSTER_STORE_SLOT if queue == CSS else slot_of(key, self.shards)

    def owns(self, queue: str, key: str) -> bool:
        return self.slot(queue, key) in self._held

    def enqueue(self, queue: str, found: Iterable[ObjectKey]) -> None:
        """Pass on the keys of held slots; drop the rest (their holder has them)."""
        self._enqueue(queue, [k for k in found if self.owns(queue, k)])

    def gated(self, queue: str, reconcile: Reconcile) -> Reconcile:
        """``reconcile`` run only for keys of held slots, cancelled when the slot is lost.

        A reconcile cancelled by ``lost`` returns ``Result()`` (the key is not ours to retry);
        one cancelled with its worker re-raises.
        """

        async def run(key: ObjectKey) -> Result:
            slot = self.slot(queue, key)
            if slot not in self._held:
                return Result()
            child = asyncio.ensure_future(reconcile(key))
            running = self._running.setdefault(slot, set())
            running.add(child)
            try:
                return await child
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                return Result()
            finally:
                running.discard(child)

        return run

    async def acquired(self, slot: int) -> None:
        self._held.add(slot)
        for queue, cached in self._cached.items():
            self._enqueue(queue, [k for k in keys(cached()) if self.slot(queue, k) == slot])

    async def lost(self, slot: int) -> None:
        """Stop the slot's work: nothing new starts, running reconciles end before return."""
        self._held.discard(slot)
        running = list(self._running.get(slot, ()))
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
            log.info("slot_work_cancelled", slot=slot, reconciles=len(running))
        self._forget_series(slot)

    def _forget_series(self, slot: int) -> None:
        for queue, cached in self._cached.items():
            for key in cached():
                if self.slot(queue, key) != slot:
                    continue
                namespace, name = split_key(key)
                if queue == ES:
                    self._es_metrics.forget(namespace=namespace or "", name=name)
                    self._es_metrics.seen(namespace=namespace or "", name=name)
                elif queue in (SS, CSS):
                    self._store_metrics.forget(namespace=namespace, name=name)

    def count_keys(self) -> None:
        """Set ``eso_shard_keys{slot}`` from the ExternalSecret cache."""
        counts = [0] * self.shards
        for key in self._cached[ES]():
            counts[slot_of(key, self.shards)] += 1
        for slot, n in enumerate(counts):
            self._metrics.keys.labels(str(slot)).set(n)


def cached_keys(informers: Informers) -> dict[str, CachedKeys]:
    """Each queue's informer cache keys (the kinds that are on)."""
    found: dict[str, CachedKeys] = {
        ES: informers.external_secrets.cache.keys,
        SS: informers.secret_stores.cache.keys,
    }
    if informers.cluster_secret_stores is not None:
        found[CSS] = informers.cluster_secret_stores.cache.keys
    if informers.cluster_external_secrets is not None:
        found[CES] = informers.cluster_external_secrets.cache.keys
    # PushSecrets and ClusterPushSecrets follow their own key's slot, as ExternalSecrets do.
    if informers.push_secrets is not None:
        found[PS] = informers.push_secrets.cache.keys
    if informers.cluster_push_secrets is not None:
        found[CPS] = informers.cluster_push_secrets.cache.keys
    return found


class Sharding:
    """The gate and the slot Leases of one Manager; ``run`` after the caches synced.

    ``informers`` are the Manager's (their caches fill won slots); ``enqueue`` is the work
    queues' (``Terms.enqueue``); hand ``gate.enqueue`` to the event
    handlers and wrap reconciles with ``gate.gated``. Cancelling ``run`` releases every slot
    (the Manager cancels it only after its workers stopped).
    """

    def __init__(
        self,
        client: KubeClient,
        *,
        settings: Settings,
        informers: Informers,
        enqueue: Enqueue,
        metrics: Metrics,
        clock: Clock,
        identity: str | None = None,
    ) -> None:
        self._clock = clock
        # Counting hashes every cached key: every lease duration is often enough for a gauge.
        self._period = settings.leader.lease_duration
        self.gate = SlotGate(
            shards=settings.sharding.shards,
            enqueue=enqueue,
            cached=cached_keys(informers),
            metrics=metrics,
        )
        self.ownership = SlotOwnership(
            client,
            settings=settings.leader,
            shards=settings.sharding.shards,
            identity=identity or default_identity(),
            namespace=settings.leader.lease_namespace or pod_namespace(),
            on_acquired=self.gate.acquired,
            on_lost=self.gate.lost,
            metrics=metrics.shards,
            leader_metrics=metrics.leader,
            clock=clock,
        )
        if settings.leader.enabled:
            log.warning("leader_election_unused", why="--shards > 1: every replica works")

    def gated_all(self, reconcilers: Mapping[str, Reconcile]) -> dict[str, Reconcile]:
        return {queue: self.gate.gated(queue, r) for queue, r in reconcilers.items()}

    async def run(self) -> None:
        """Hold slots (and keep ``eso_shard_keys`` current) until cancelled."""
        tasks = TaskSet()
        tasks.spawn(self.ownership.run(), name="shard-ownership")
        try:
            while True:
                self.gate.count_keys()
                await self._clock.sleep(self._period)
        finally:
            await tasks.close()
