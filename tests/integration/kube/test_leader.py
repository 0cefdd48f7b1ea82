"""Lease leader election: one leader at a time, takeover after a crash, fast graceful handover."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from eso.kube.client import KubeClient
from eso.kube.leader import LeaderElector
from eso.kube.resources import LEASES
from eso.metrics import Metrics
from eso.settings import LeaderSettings
from eso.tasks import TaskSet
from localkube.pytest_cluster import Cluster, wait_for

# Short timings keep crash takeover quick; ratios as controller-runtime's 15/10/2.
SHORT = {"lease_duration": 3.0, "renew_deadline": 2.0, "retry_period": 0.3}


class Candidate:
    """An elector running in a task, with its callbacks recorded."""

    def __init__(self, elector: LeaderElector, metrics: Metrics, tracker: Tracker) -> None:
        self.elector = elector
        self.metrics = metrics
        self.tracker = tracker
        self.started = 0
        self.stopped = 0
        self.task: asyncio.Task[Any] | None = None

    def on_started(self) -> None:
        self.started += 1
        self.tracker.enter()

    def on_stopped(self) -> None:
        self.stopped += 1
        self.tracker.leave()

    @property
    def gauge(self) -> float | None:
        return self.metrics.registry.get_sample_value(
            "leader_election_master_status", {"name": self.elector.name}
        )


class Tracker:
    """Counts leaders at once; any moment with two is a split brain."""

    def __init__(self) -> None:
        self.current = 0
        self.max = 0

    def enter(self) -> None:
        self.current += 1
        self.max = max(self.max, self.current)

    def leave(self) -> None:
        self.current -= 1


class Pool:
    """Starts candidates for one Lease, each with its own client; stops them all at the end."""

    def __init__(self, cluster: Cluster, stack: AsyncExitStack, tasks: TaskSet) -> None:
        self._cluster, self._stack, self._tasks = cluster, stack, tasks
        self.tracker = Tracker()

    async def add(self, ns: str, *, release_on_cancel: bool = True, **timing: float) -> Candidate:
        client = await KubeClient.from_config(kubeconfig=str(self._cluster.kubeconfig))
        self._stack.push_async_callback(client.close)
        metrics = Metrics()
        settings = LeaderSettings(
            enabled=True, lease_name="eso-test", lease_namespace=ns, **(SHORT | timing)
        )
        elector = LeaderElector(
            client, settings=settings, metrics=metrics.leader, release_on_cancel=release_on_cancel
        )
        c = Candidate(elector, metrics, self.tracker)
        c.task = self._tasks.spawn(elector.run(c.on_started, c.on_stopped), name=elector.identity)
        return c


@pytest.fixture
async def pool(cluster: Cluster) -> AsyncIterator[Pool]:
    tasks = TaskSet()
    async with AsyncExitStack() as stack:
        try:
            yield Pool(cluster, stack, tasks)
        finally:
            await tasks.close()


async def leader_of(candidates: list[Candidate]) -> Candidate | None:
    leaders = [c for c in candidates if c.elector.is_leader]
    return leaders[0] if len(leaders) == 1 else None


async def stop(c: Candidate) -> None:
    assert c.task is not None
    c.task.cancel()
    await asyncio.gather(c.task, return_exceptions=True)


async def holder(kube_client: KubeClient, ns: str) -> str:
    lease = await kube_client.get(LEASES, namespace=ns, name="eso-test")
    return str(lease["spec"].get("holderIdentity") or "")


async def test_exactly_one_of_two_candidates_leads(cluster: Cluster, pool: Pool) -> None:
    ns = await cluster.create_namespace()
    a, b = await pool.add(ns), await pool.add(ns)
    leader = await wait_for(lambda: leader_of([a, b]), timeout=30)
    follower = b if leader is a else a
    assert not follower.elector.is_leader
    assert (leader.gauge, follower.gauge) == (1.0, 0.0)
    async with await KubeClient.from_config(kubeconfig=str(cluster.kubeconfig)) as kube:
        assert await holder(kube, ns) == leader.elector.identity
    assert pool.tracker.max == 1


async def test_crashed_leader_is_replaced_after_the_lease_expires(
    cluster: Cluster, pool: Pool
) -> None:
    ns = await cluster.create_namespace()
    a, b = await pool.add(ns, release_on_cancel=False), await pool.add(ns, release_on_cancel=False)
    leader = await wait_for(lambda: leader_of([a, b]), timeout=30)
    follower = b if leader is a else a
    await stop(leader)  # no release: the lease still names the dead leader
    await wait_for(lambda: _value(follower.elector.is_leader), timeout=30)
    assert follower.started == 1
    assert pool.tracker.max == 1
    async with await KubeClient.from_config(kubeconfig=str(cluster.kubeconfig)) as kube:
        lease = await kube.get(LEASES, namespace=ns, name="eso-test")
    assert lease["spec"]["holderIdentity"] == follower.elector.identity
    assert lease["spec"]["leaseTransitions"] == 1


async def test_graceful_stop_hands_over_without_waiting_for_expiry(
    cluster: Cluster, pool: Pool
) -> None:
    """With a 60 s lease, a takeover well inside the poll deadline proves the release."""
    ns = await cluster.create_namespace()
    long_lease = {"lease_duration": 60.0, "renew_deadline": 40.0, "retry_period": 0.3}
    a, b = await pool.add(ns, **long_lease), await pool.add(ns, **long_lease)
    leader = await wait_for(lambda: leader_of([a, b]), timeout=30)
    follower = b if leader is a else a
    await leader.elector.release()
    assert not leader.elector.is_leader
    await wait_for(lambda: _value(follower.elector.is_leader), timeout=20)
    assert leader.task is not None
    await asyncio.wait_for(leader.task, 10)  # run() returns after release
    assert leader.stopped == 1
    assert leader.gauge == 0.0


async def test_cancelled_leader_releases_the_lease(cluster: Cluster, pool: Pool) -> None:
    ns = await cluster.create_namespace()
    a = await pool.add(ns, lease_duration=60.0, renew_deadline=40.0)
    await wait_for(lambda: _value(a.elector.is_leader), timeout=30)
    await stop(a)
    assert a.stopped == 1
    async with await KubeClient.from_config(kubeconfig=str(cluster.kubeconfig)) as kube:
        assert await holder(kube, ns) == ""
    b = await pool.add(ns, lease_duration=60.0, renew_deadline=40.0)
    await wait_for(lambda: _value(b.elector.is_leader), timeout=20)


@pytest.mark.fault_injection
async def test_leader_that_cannot_renew_stops_leading(cluster: Cluster, pool: Pool) -> None:
    assert cluster.faults is not None
    ns = await cluster.create_namespace()
    a = await pool.add(ns)
    await wait_for(lambda: _value(a.elector.is_leader), timeout=30)
    cluster.faults.fail(500, verb="update", resource="leases", count=None)
    await wait_for(lambda: _value(a.stopped == 1), timeout=30)
    assert not a.elector.is_leader
    assert a.task is not None
    await asyncio.wait_for(a.task, 10)


async def _value(v: bool) -> bool:
    return v
