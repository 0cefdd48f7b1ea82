"""Leader election at the Manager level: one writer, warm standbys, fast handover, fencing.

Each test stops the ``env`` fixture's own Manager first (it serves every namespace) and runs
its replicas, each with its own client and Metrics, scoped to one test namespace that also
holds the Lease. What a replica did is read from its metrics, as an operator would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from controller_env import Env
from structlog.testing import capture_logs

from eso.controllers.manager import Manager
from eso.kube.client import KubeClient
from eso.metrics import Metrics
from eso.settings import ControllerSettings, LeaderSettings, Settings
from localkube.pytest_cluster import wait_for

LEASE = "eso-leader-test"
# Short timings keep the tests quick; ratios as controller-runtime's 15/10/2.
LEASE_DURATION = 3.0
SHORT = {"lease_duration": LEASE_DURATION, "renew_deadline": 2.0, "retry_period": 0.2}
DATA = [{"secretKey": "password", "remoteRef": {"key": "db"}}]


class Replica:
    """One Manager with leader election on, as one pod of a Deployment would run it."""

    def __init__(self, env: Env, ns: str, identity: str) -> None:
        self.identity = identity
        self.metrics = Metrics()
        self.settings = Settings(
            kubeconfig=str(env.cluster.kubeconfig),
            controller=ControllerSettings(concurrent=2, refresh_jitter=0.0, namespace=ns),
            leader=LeaderSettings(enabled=True, lease_namespace=ns, lease_name=LEASE, **SHORT),
        )
        self.manager: Manager | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: KubeClient | None = None

    async def start(self) -> None:
        """Run the Manager; returns once its caches synced (leading or not)."""
        self._client = await KubeClient.from_config(
            kubeconfig=self.settings.kubeconfig,
            settings=self.settings.client,
            metrics=self.metrics.client,
        )
        self.manager = Manager(
            self._client, settings=self.settings, metrics=self.metrics, identity=self.identity
        )
        self._task = asyncio.create_task(self.manager.run(), name=f"manager-{self.identity}")
        await wait_for(self._ready, timeout=10.0)

    async def _ready(self) -> bool:
        assert self._task is not None and self.manager is not None
        if self._task.done():
            self._task.result()  # surface a crash instead of a timeout
        return self.manager.ready()[0]

    async def stop(self) -> None:
        """Graceful stop (as on SIGTERM): releases the Lease; idempotent."""
        task, client, self._task, self._client = self._task, self._client, None, None
        if task is None or client is None or self.manager is None:
            return
        try:
            await self.manager.stop(grace=1.0)
            await asyncio.wait_for(task, timeout=10.0)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.close()

    @property
    def leading(self) -> bool:
        value = self.metrics.registry.get_sample_value(
            "leader_election_master_status", {"name": LEASE}
        )
        return value == 1

    @property
    def reconciles(self) -> float:
        """controller_runtime_reconcile_total summed over controllers and results."""
        return _sum(self.metrics, "controller_runtime_reconcile_total")

    @property
    def queue_adds(self) -> float:
        return _sum(self.metrics, "workqueue_adds_total")


def _sum(metrics: Metrics, sample_name: str) -> float:
    return sum(
        s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name == sample_name
    )


async def _true(value: bool) -> bool:
    return value


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with credentials and the AWS secret ``db``; no Manager serving it yet."""
    await env.stop_manager()
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.aws.create("db", "s3cr3t")
    return name


@pytest.fixture
async def replicas(env: Env, ns: str) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two replicas, not started; both stopped at the end whatever happened."""
    pair = (Replica(env, ns, "replica-a"), Replica(env, ns, "replica-b"))
    async with AsyncExitStack() as stack:
        for replica in pair:
            stack.push_async_callback(replica.stop)
        yield pair


async def test_one_replica_reconciles_and_a_warm_standby_takes_over_on_graceful_stop(
    env: Env, ns: str, replicas: tuple[Replica, Replica]
) -> None:
    leader, standby = replicas
    await leader.start()
    await wait_for(lambda: _true(leader.leading), timeout=5.0)
    await standby.start()

    await env.secret_store(ns)
    await env.external_secret(ns, "first", data=DATA)
    await env.wait_secret("first", ns)
    assert standby.manager is not None and standby.manager.ready() == (True, "ok")
    assert not standby.leading
    assert standby.reconciles == 0 and standby.queue_adds == 0
    assert leader.reconciles > 0

    await leader.stop()
    # A graceful stop releases the Lease: the standby's next retry takes it, no expiry wait.
    await wait_for(lambda: _true(standby.leading), timeout=LEASE_DURATION / 2)
    await env.external_secret(ns, "second", data=DATA)
    await env.wait_secret("second", ns)
    assert standby.reconciles > 0
    lease = await env.raw.get("coordination.k8s.io/v1", "leases", LEASE, namespace=ns)
    assert lease["spec"]["holderIdentity"] == standby.identity


@pytest.mark.fault_injection
async def test_a_leader_that_cannot_renew_stops_reconciling_after_the_renew_deadline(
    env: Env, ns: str, replicas: tuple[Replica, Replica]
) -> None:
    faults = env.cluster.faults
    assert faults is not None
    leader, _ = replicas
    await leader.start()
    await wait_for(lambda: _true(leader.leading), timeout=5.0)
    await env.secret_store(ns)
    await env.external_secret(ns, "first", data=DATA)
    await env.wait_secret("first", ns)
    assert leader.manager is not None

    with capture_logs() as logs:
        faults.fail(500, verb="update", resource="leases", namespace=ns, count=None)

        async def workers_stopped() -> bool:
            return any(e["event"] == "workers_stopped" for e in logs)

        await wait_for(workers_stopped, timeout=SHORT["renew_deadline"] + 5.0)
    assert not leader.leading
    reconciles, adds = leader.reconciles, leader.queue_adds

    await env.external_secret(ns, "second", data=DATA)
    cache = leader.manager.external_secrets.cache
    await wait_for(lambda: _true(cache.get(f"{ns}/second") is not None), timeout=5.0)
    # The informer has handed "second" to the handlers: a leader would have queued it by now.
    assert (leader.reconciles, leader.queue_adds) == (reconciles, adds)
    assert await env.get("secrets", "second", ns) is None

    faults.clear()  # renewals work again: it leads anew, and the new term syncs "second"
    await wait_for(lambda: _true(leader.leading), timeout=5.0)
    await env.wait_secret("second", ns)


def _es_sample(replica: Replica, name: str, ns: str, es: str) -> float | None:
    return replica.metrics.registry.get_sample_value(name, {"namespace": ns, "name": es})


async def test_a_warm_standby_exports_each_external_secret_at_zero_and_forgets_deleted_ones(
    env: Env, ns: str, replicas: tuple[Replica, Replica]
) -> None:
    """Issue 14, item 4: counters exist at 0 from first sight, so the first failure after a
    takeover is an increase; a standby never reconciles a deletion, yet its series go."""
    leader, standby = replicas
    await leader.start()
    await wait_for(lambda: _true(leader.leading), timeout=5.0)
    await standby.start()
    await env.secret_store(ns)
    await env.external_secret(ns, "first", data=DATA)
    await env.wait_secret("first", ns)

    async def seen() -> bool:
        return _es_sample(standby, "externalsecret_sync_calls_error", ns, "first") == 0

    await wait_for(seen, timeout=5.0)
    assert _es_sample(standby, "externalsecret_sync_calls_total", ns, "first") == 0
    assert standby.reconciles == 0

    await env.raw.delete("external-secrets.io/v1", "externalsecrets", "first", namespace=ns)

    async def forgotten() -> bool:
        return _es_sample(standby, "externalsecret_sync_calls_total", ns, "first") is None

    await wait_for(forgotten, timeout=5.0)
