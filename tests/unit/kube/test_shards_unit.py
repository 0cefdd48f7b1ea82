"""The slot ownership contract of ``kube.shards``, driven by a fake clock and in-memory Leases.

Several ``SlotOwnership`` replicas share one fake API; each has its own connection to it,
which a test can cut (a partition, or a SIGKILL as the others see it). After every step the
tests check the safety invariant: no slot is ever held by two replicas at once.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from eso.clock import FakeClock
from eso.kube import errors as kerr
from eso.kube.membership import STALE_LEASES, member_lease_name
from eso.kube.shards import SlotOwnership, fair_share, slot_lease_name, slot_of
from eso.metrics import LeaderMetrics, ShardMetrics
from eso.settings import LeaderSettings

SETTINGS = LeaderSettings(lease_name="eso", lease_namespace="ns")  # 15 s / 10 s / 2 s
# A free Lease is taken at the next jittered retry: at most 2 s * 2.2 later.
RETRY_MAX = SETTINGS.retry_period * 2.2


class FakeApi:
    """Leases in one namespace with optimistic concurrency, as the API server keeps them."""

    def __init__(self, clock: FakeClock) -> None:
        self.leases: dict[str, dict[str, Any]] = {}
        self.rv = 0
        self.clock = clock
        self.writes: list[tuple[float, str, str]] = []  # (time, Lease, holder written)

    def store(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(
            (self.clock.now(), body["metadata"]["name"], body["spec"].get("holderIdentity") or "")
        )
        self.rv += 1
        body = copy.deepcopy(body)
        body["metadata"]["resourceVersion"] = str(self.rv)
        self.leases[body["metadata"]["name"]] = body
        return copy.deepcopy(body)

    def holder(self, name: str) -> str:
        return str(self.leases[name]["spec"].get("holderIdentity") or "")


class Connection:
    """One replica's view of ``FakeApi``; ``cut`` makes every call fail like a partition."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.cut = False

    async def _check(self) -> None:
        await asyncio.sleep(0)  # a round trip: other replicas run in between, races happen
        if self.cut:
            raise kerr.ServerError(503)

    async def get(self, _r: Any, *, namespace: str, name: str) -> dict[str, Any]:
        await self._check()
        if name not in self.api.leases:
            raise kerr.NotFound(404)
        return copy.deepcopy(self.api.leases[name])

    async def create(self, _r: Any, *, body: dict[str, Any], namespace: str) -> Any:
        await self._check()
        if body["metadata"]["name"] in self.api.leases:
            raise kerr.AlreadyExists(409, "AlreadyExists")
        return self.api.store(body)

    async def replace(self, _r: Any, *, body: dict[str, Any], namespace: str) -> Any:
        await self._check()
        current = self.api.leases[body["metadata"]["name"]]
        if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise kerr.Conflict(409)
        return self.api.store(body)

    async def list_all(self, _r: Any, *, namespace: str) -> dict[str, Any]:
        await self._check()
        return {"items": [copy.deepcopy(v) for v in self.api.leases.values()]}

    async def delete(
        self, _r: Any, *, name: str, namespace: str, preconditions: dict[str, str]
    ) -> Any:
        await self._check()
        if name not in self.api.leases:
            raise kerr.NotFound(404)
        if self.api.leases[name]["metadata"]["resourceVersion"] != preconditions["resourceVersion"]:
            raise kerr.Conflict(409)
        return self.api.leases.pop(name)


class Replica:
    """One ``SlotOwnership`` and the record of what its callbacks saw."""

    def __init__(self, name: str, api: FakeApi, clock: FakeClock, shards: int) -> None:
        self.name, self.clock = name, clock
        self.conn = Connection(api)
        self.events: list[tuple[float, str, int]] = []
        self.holds_when_lost: list[bool] = []
        self.metrics = ShardMetrics(CollectorRegistry())
        self.own = SlotOwnership(
            self.conn,  # type: ignore[arg-type]
            settings=SETTINGS,
            shards=shards,
            identity=name,
            namespace="ns",
            on_acquired=self._acquired,
            on_lost=self._lost,
            metrics=self.metrics,
            leader_metrics=LeaderMetrics(CollectorRegistry()),
            clock=clock,
        )
        self.task: asyncio.Task[None] | None = None

    async def _acquired(self, slot: int) -> None:
        self.events.append((self.clock.now(), "acquired", slot))

    async def _lost(self, slot: int) -> None:
        self.holds_when_lost.append(self.own.holds(slot))
        self.events.append((self.clock.now(), "lost", slot))

    def start(self) -> None:
        self.task = asyncio.create_task(self.own.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


class Cluster:
    def __init__(self, shards: int) -> None:
        self.clock, self.shards = FakeClock(), shards
        self.api = FakeApi(self.clock)
        self.replicas: list[Replica] = []

    def add(self, name: str) -> Replica:
        replica = Replica(name, self.api, self.clock, self.shards)
        self.replicas.append(replica)
        replica.start()
        return replica

    def check_no_slot_held_twice(self) -> None:
        owners = Counter(s for r in self.replicas for s in r.own.held)
        assert all(n == 1 for n in owners.values()), f"split brain: {owners}"

    async def run_for(self, seconds: float, *, step: float = 0.5) -> None:
        """Advance time in steps, checking the safety invariant after each."""
        for _ in range(int(seconds / step)):
            await self.clock.advance(step)
            self.check_no_slot_held_twice()

    def counts(self, replicas: list[Replica] | None = None) -> list[int]:
        return [len(r.own.held) for r in (replicas or self.replicas)]


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    c = Cluster(shards=8)
    try:
        yield c
    finally:
        for r in c.replicas:
            await r.stop()


def test_slots_are_stable_and_spread_evenly() -> None:
    assert slot_of("team-a/db-password", 8) == slot_of("team-a/db-password", 8)
    # A fixed value: every process, restart and Python version must agree on it.
    assert [slot_of(f"ns/es-{i}", 8) for i in range(6)] == [
        slot_of(f"ns/es-{i}", 8) for i in range(6)
    ]
    assert (
        slot_of("ns/es-0", 8)
        == int.from_bytes(__import__("hashlib").sha256(b"ns/es-0").digest()[:8], "big") % 8
    )
    spread = Counter(slot_of(f"ns-{i % 50}/es-{i}", 8) for i in range(8000))
    assert set(spread) == set(range(8))
    assert max(spread.values()) < 1.15 * 1000 and min(spread.values()) > 0.85 * 1000
    assert slot_of("anything", 1) == 0


@pytest.mark.parametrize(
    ("shards", "live", "share"), [(8, 1, 8), (8, 3, 3), (8, 8, 1), (2, 3, 1), (9, 3, 3)]
)
def test_fair_share_is_the_ceiling(shards: int, live: int, share: int) -> None:
    assert fair_share(shards, live) == share


async def test_a_single_replica_acquires_every_slot(cluster: Cluster) -> None:
    a = cluster.add("a")
    await cluster.run_for(RETRY_MAX + 1)
    assert a.own.held == frozenset(range(8))
    assert {cluster.api.holder(slot_lease_name("eso", s)) for s in range(8)} == {"a"}
    assert a.metrics.slots_held._value.get() == 8


async def test_a_joining_replica_gets_its_share_and_the_first_releases_extras(
    cluster: Cluster,
) -> None:
    a = cluster.add("a")
    await cluster.run_for(RETRY_MAX + 1)
    b = cluster.add("b")
    await cluster.run_for(3 * RETRY_MAX)
    assert cluster.counts() == [4, 4]
    c = cluster.add("c")
    await cluster.run_for(3 * RETRY_MAX)
    counts = cluster.counts()
    assert sum(counts) == 8 and max(counts) - min(counts) <= 1 and max(counts) == 3
    assert a.own.share == b.own.share == c.own.share == 3
    assert a.metrics.handovers.labels("released")._value.get() == 5
    assert all(not held for held in a.holds_when_lost), "holds() is False before on_lost"


async def test_graceful_stop_hands_slots_over_within_a_retry_period(cluster: Cluster) -> None:
    a, b = cluster.add("a"), cluster.add("b")
    await cluster.run_for(4 * RETRY_MAX)
    assert cluster.counts() == [4, 4]
    await b.stop()
    assert cluster.api.holder(member_lease_name("eso", "b")) == ""
    assert all(cluster.api.holder(slot_lease_name("eso", s)) != "b" for s in range(8))
    # a counts one live replica at its next balance round, then takes every freed slot
    await cluster.run_for(SETTINGS.retry_period + RETRY_MAX + 0.5)
    assert a.own.held == frozenset(range(8))


async def test_a_killed_replicas_slots_are_taken_over_after_the_lease_duration(
    cluster: Cluster,
) -> None:
    a, b = cluster.add("a"), cluster.add("b")
    await cluster.run_for(4 * RETRY_MAX)
    b_slots = b.own.held
    assert len(b_slots) == 4
    killed_at = cluster.clock.now()
    b.conn.cut = True  # to everyone else, b is gone without a word
    await cluster.run_for(SETTINGS.lease_duration - SETTINGS.retry_period)
    assert a.own.held.isdisjoint(b_slots), "not before the Lease could have expired"
    # Worst case: a saw b's last renew one jittered retry late, and tries one retry after
    # the expiry (client-go's bound too): lease duration + 2 x 4.4 s.
    worst = SETTINGS.lease_duration + 2 * RETRY_MAX
    await cluster.run_for(worst - (SETTINGS.lease_duration - SETTINGS.retry_period) + 0.5)
    assert a.own.held == frozenset(range(8))
    taken = max(t for t, e, s in a.events if e == "acquired" and s in b_slots) - killed_at
    assert SETTINGS.lease_duration - SETTINGS.retry_period <= taken <= worst + 0.5


@pytest.mark.parametrize("replicas", [2, 3])
@pytest.mark.parametrize("offset", [0.0, 0.3, 0.9, 1.7])
async def test_a_killed_replicas_slots_are_taken_within_a_retry_period_of_their_expiry(
    replicas: int, offset: float
) -> None:
    """Measured from the killed holder's last renew of each slot: at least the lease duration
    (nobody takes a Lease early) and at most lease duration + one retry period, though the
    others saw that renew up to a retry period late and their share grows only when the
    killed replica's member Lease expires too."""
    cluster = Cluster(shards=12)
    try:
        live = [cluster.add(f"r{i}") for i in range(replicas)]
        await cluster.run_for(6 * RETRY_MAX)
        assert max(cluster.counts()) - min(cluster.counts()) <= 1
        await cluster.clock.advance(offset)  # kill anywhere in the renew cycle
        victim = live.pop()
        victim_slots = victim.own.held
        victim.conn.cut = True
        await cluster.run_for(SETTINGS.lease_duration + 2 * RETRY_MAX, step=0.25)
        assert frozenset().union(*(r.own.held for r in live)) == frozenset(range(12))
        for slot in victim_slots:
            name = slot_lease_name("eso", slot)
            renewed = max(t for t, n, h in cluster.api.writes if n == name and h == victim.name)
            taken = min(
                t
                for r in live
                for t, e, s in r.events
                if e == "acquired" and s == slot and t > renewed
            )
            assert SETTINGS.lease_duration <= taken - renewed
            assert taken - renewed <= SETTINGS.lease_duration + SETTINGS.retry_period + 0.01
    finally:
        for r in cluster.replicas:
            await r.stop()


async def test_a_partitioned_holder_stops_before_anyone_else_can_start(cluster: Cluster) -> None:
    """The split-brain guard: renewDeadline < leaseDuration, judged on each side's clock."""
    a, b = cluster.add("a"), cluster.add("b")
    await cluster.run_for(4 * RETRY_MAX)
    b_slots = b.own.held
    b.conn.cut = True
    await cluster.run_for(SETTINGS.lease_duration + 2 * RETRY_MAX + 0.5)
    assert b.own.held == frozenset() and a.own.held == frozenset(range(8))
    for slot in b_slots:
        stopped = max(t for t, e, s in b.events if e == "lost" and s == slot)
        started = max(t for t, e, s in a.events if e == "acquired" and s == slot)
        assert started - stopped >= SETTINGS.lease_duration - SETTINGS.renew_deadline - 0.5
    b.conn.cut = False  # healed: b counts two replicas again and gets its share back
    await cluster.run_for(4 * RETRY_MAX)
    assert cluster.counts() == [4, 4]


async def test_a_killed_replicas_member_lease_is_deleted_once_stale(cluster: Cluster) -> None:
    cluster.add("a")
    b = cluster.add("b")
    await cluster.run_for(RETRY_MAX + 1)
    b.conn.cut = True
    await b.stop()  # its release cannot get through: the Lease stays as it was
    name = member_lease_name("eso", "b")
    assert cluster.api.holder(name) == "b"
    await cluster.run_for(STALE_LEASES * SETTINGS.lease_duration + 2 * SETTINGS.retry_period)
    assert name not in cluster.api.leases


async def test_replicas_starting_together_balance_without_waiting_out_lost_races(
    cluster: Cluster,
) -> None:
    """A reservation for a Lease another replica created first is freed by the failed attempt,
    not held until the renew deadline (which blocked the loser's share for 10 s)."""
    replicas = [cluster.add(name) for name in ("a", "b", "c")]
    await cluster.run_for(SETTINGS.renew_deadline - 1)
    counts = cluster.counts(replicas)
    assert sum(counts) == 8 and max(counts) - min(counts) <= 1, counts


async def test_a_replica_announced_while_its_caches_sync_is_counted_before_slots_are_taken(
    cluster: Cluster,
) -> None:
    """The first replica to sync takes its share, not every slot it would hand back later."""
    b = Replica("b", cluster.api, cluster.clock, cluster.shards)
    cluster.replicas.append(b)
    announced = asyncio.create_task(b.own.announce())
    try:
        await cluster.run_for(1)  # b's member Lease is written; its caches still sync
        a = cluster.add("a")
        await cluster.run_for(RETRY_MAX + 1)
        assert cluster.counts([a]) == [4]
        b.start()
        await cluster.run_for(3 * RETRY_MAX)
        assert cluster.counts([a, b]) == [4, 4]
        assert a.metrics.handovers.labels("released")._value.get() == 0
    finally:
        await b.stop()
        announced.cancel()
        await asyncio.gather(announced, return_exceptions=True)
