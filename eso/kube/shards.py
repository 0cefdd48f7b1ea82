"""Active-active sharding: keys split into slots, each slot owned through its own Lease.

``slot_of(key, shards)`` hashes ``namespace/name`` (SHA-256, so every process, Python version
and restart agrees; Python's ``hash`` is salted per process) into one of ``shards`` slots.
``SlotOwnership`` runs one ``LeaderElector`` per slot, on the Lease ``<lease-name>-shard-<n>``,
so every slot has client-go's election contract:

- **Safety.** A holder that cannot renew within ``renew_deadline`` stops (``on_lost``) before
  the Lease can expire for anyone else (``lease_duration`` on *their* clock since they last saw
  it change); ``on_lost`` returns only once nothing of the slot runs any more. A voluntary
  release (balancing, shutdown) stops the slot's work *first* and writes the Lease free after,
  so the next holder never overlaps with us either.
- **Balance.** Live replicas come from per-replica member Leases (``kube.membership``; the slot
  Leases cannot show a replica that holds nothing yet). Each replica holds at most
  ``ceil(shards / live)`` slots: the electors ask ``may_acquire`` before taking a free or
  expired Lease, and once per retry period the balancer recomputes the share and releases
  extras (highest slots first) when a replica joined. Reservations make concurrent attempts of
  one replica respect the share; anything over it is released at the next balance round.
- **Liveness.** A killed replica's slots expire ``lease_duration`` after the others last saw
  them renewed; its member Lease expires at about the same horizon. The balance round's list
  of the namespace's Leases (every retry period, unjittered) is fed to the slot electors, so
  each observes a renew within one retry period, and a candidate tries at the observed expiry
  instant itself. The share asked by ``may_acquire`` is recounted at that instant from the
  members' observed expiries, and a refusal for want of share retries when the next member
  expires (``Membership.next_expiry``), not a balance round or jittered retry later: takeover
  ≤ lease duration + one retry period after the killed holder's last renew. A replica that
  stops gracefully releases its slots and its member Lease, so the others take over at their
  next retry.

Cost: each replica reads every slot Lease once per retry period (jittered) and writes those it
holds, plus one list of the namespace's Leases: ``shards`` GETs per 2-4 s per replica.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

import structlog

from eso.clock import Clock
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.leader import LeaderElector
from eso.kube.membership import Membership
from eso.metrics import LeaderMetrics, ShardMetrics
from eso.metrics.shards import EVENT_ACQUIRED, EVENT_LOST, EVENT_RELEASED
from eso.settings import LeaderSettings
from eso.tasks import TaskSet

log = structlog.get_logger(__name__)

SlotCallback = Callable[[int], Awaitable[None]]


def slot_of(key: str, shards: int) -> int:
    """The slot of ``key`` (``namespace/name`` or ``name``); stable across processes."""
    if shards <= 1:
        return 0
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def fair_share(shards: int, live: int) -> int:
    """The most slots one of ``live`` replicas may hold: ``ceil(shards / live)``."""
    return -(-shards // max(1, live))


def slot_lease_name(base: str, slot: int) -> str:
    """The Lease owning ``slot`` of the controller whose Lease name is ``base``."""
    return f"{base}-shard-{slot}"


class SlotOwnership:
    """Holds a fair share of ``shards`` slot Leases until ``run`` is cancelled.

    ``on_acquired(slot)`` is awaited once the slot's Lease is ours. ``on_lost(slot)`` is awaited
    when it stops being ours: before a voluntary release writes the Lease, or as soon as the
    renew deadline passed or another holder was seen; it must return only once no work of the
    slot runs. ``holds(slot)`` turns False before ``on_lost`` is called. Both callbacks must
    be quick and must not raise.
    """

    def __init__(
        self,
        client: KubeClient,
        *,
        settings: LeaderSettings,
        shards: int,
        identity: str,
        namespace: str,
        on_acquired: SlotCallback,
        on_lost: SlotCallback,
        metrics: ShardMetrics,
        leader_metrics: LeaderMetrics,
        clock: Clock,
    ) -> None:
        self._client = client
        self._s = settings
        self.shards = shards
        self.identity = identity
        self._on_acquired, self._on_lost = on_acquired, on_lost
        self._metrics, self._leader_metrics = metrics, leader_metrics
        self._clock = clock
        self._slot_settings = [
            settings.model_copy(
                update={"lease_name": slot_lease_name(settings.lease_name, slot)}
                | {"lease_namespace": namespace}
            )
            for slot in range(shards)
        ]
        self.membership = Membership(
            client,
            settings=settings,
            identity=identity,
            namespace=namespace,
            clock=clock,
            on_listed=self._observe_slots,
        )
        self._slot_of_lease = {s.lease_name: slot for slot, s in enumerate(self._slot_settings)}
        self._held: set[int] = set()
        self._reserved: dict[int, float] = {}
        self._share = 0  # nothing is taken before the first count of live replicas
        self._electors: dict[int, LeaderElector] = {}
        self._tasks = TaskSet()
        self._announced = False

    def holds(self, slot: int) -> bool:
        return slot in self._held

    @property
    def held(self) -> frozenset[int]:
        return frozenset(self._held)

    @property
    def share(self) -> int:
        """The most slots this replica may hold now (0 before live replicas were counted)."""
        return self._share

    def announce(self) -> Coroutine[Any, Any, None]:
        """Our member Lease, held until cancelled, for the caller to run before ``run``.

        A replica announces itself as soon as it starts, before its caches synced, so replicas
        started together count each other: the first to sync takes its share, not every slot
        (and reconciles thousands of keys it hands over a few seconds later). Without it,
        ``run`` holds the member Lease itself.
        """
        self._announced = True
        return self.membership.run()

    async def run(self) -> None:
        """Balance and hold slots until cancelled; then stop and release every slot."""
        if not self._announced:
            self._tasks.spawn(self.membership.run(), name="shard-membership")
        try:
            await self._balance()
            for slot in range(self.shards):
                self._tasks.spawn(self._elect(slot), name=f"shard-{slot}")
            while True:
                await self._clock.sleep(self._s.retry_period)
                await self._balance()
        finally:
            await asyncio.shield(self._close())

    # ------------------------------------------------------------------ balancing

    async def _balance(self) -> None:
        """Recompute the share from the live replicas; release what is over it."""
        try:
            live = await self.membership.count()
        except KubeError as e:
            log.info("shard_members_unlisted", error=str(e))
            return
        self._share = fair_share(self.shards, live)
        self._metrics.live_replicas.set(live)
        extra = len(self._held) - self._share
        extras = sorted(self._held, reverse=True)[: max(0, extra)]
        await asyncio.gather(*(self._release(slot) for slot in extras))

    def _may_acquire(self, slot: int) -> bool:
        """Reserve room for ``slot`` if this replica holds less than its share.

        A reservation lasts until the attempt succeeded or failed (``on_attempt_failed``), and
        at most ``renew_deadline`` (the bound of one attempt), so concurrent attempts of
        different slots never overshoot and a lost race frees its room at once.
        """
        now, deadline = self._clock.now(), self._s.renew_deadline
        self._reserved = {
            s: t for s, t in self._reserved.items() if s != slot and now - t < deadline
        }
        if len(self._held) + len(self._reserved) >= self._share_now():
            return False
        self._reserved[slot] = now
        return True

    def _share_now(self) -> int:
        """The share with members whose Lease expired since the last round no longer counted
        (it only grows between rounds: a new member shows up in the next listing); 0 before
        the first count and while closing."""
        if not self._share:
            return 0
        return max(self._share, fair_share(self.shards, self.membership.live()))

    def _unreserve(self, slot: int) -> None:
        self._reserved.pop(slot, None)

    def _observe_slots(self, leases: list[dict[str, Any]]) -> None:
        """Let each slot's elector observe its Lease from the balance round's listing."""
        for lease in leases:
            slot = self._slot_of_lease.get(str((lease.get("metadata") or {}).get("name")))
            elector = None if slot is None else self._electors.get(slot)
            if elector is not None:
                elector.observe(lease)

    # ------------------------------------------------------------------ one slot

    async def _elect(self, slot: int) -> None:
        while True:
            elector = LeaderElector(
                self._client,
                settings=self._slot_settings[slot],
                identity=self.identity,
                metrics=self._leader_metrics,
                clock=self._clock,
                release_on_cancel=False,  # _close releases after the slot's work stopped
                may_acquire=partial(self._may_acquire, slot),
                on_attempt_failed=partial(self._unreserve, slot),
                next_chance=self.membership.next_expiry,
            )
            self._electors[slot] = elector
            await elector.run(partial(self._acquired, slot), partial(self._stopped, slot))

    async def _acquired(self, slot: int) -> None:
        self._reserved.pop(slot, None)
        self._held.add(slot)
        self._count(EVENT_ACQUIRED)
        log.info("slot_acquired", slot=slot, held=sorted(self._held))
        await self._on_acquired(slot)

    async def _stopped(self, slot: int) -> None:
        """The elector stopped leading ``slot``: a loss unless we released it ourselves."""
        if slot not in self._held:
            return
        self._held.discard(slot)
        self._count(EVENT_LOST)
        await self._on_lost(slot)
        log.warning("slot_lost", slot=slot)  # logged once the slot's work has stopped

    async def _release(self, slot: int) -> None:
        """Stop the slot's work, then write its Lease free for the others."""
        if slot not in self._held:
            return
        self._held.discard(slot)
        await self._on_lost(slot)
        self._count(EVENT_RELEASED)
        log.info("slot_released", slot=slot, share=self._share)
        elector = self._electors.get(slot)
        if elector is not None:
            await elector.release()

    def _count(self, event: str) -> None:
        self._metrics.handovers.labels(event).inc()
        self._metrics.slots_held.set(len(self._held))

    async def _close(self) -> None:
        self._share = 0  # no elector may take back what is released below
        await asyncio.gather(*(self._release(slot) for slot in sorted(self._held)))
        await self._tasks.close()
