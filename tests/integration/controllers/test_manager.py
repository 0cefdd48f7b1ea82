"""The Manager's lifecycle: readiness, leader election, stopping before and after sync."""

from __future__ import annotations

import asyncio

from controller_env import Env
from structlog.testing import capture_logs

from eso.controllers.manager import Manager
from eso.kube.client import KubeClient
from eso.metrics import Metrics
from eso.settings import ControllerSettings, LeaderSettings, Settings
from localkube.pytest_cluster import Cluster, wait_for


async def test_stop_before_caches_sync_returns_promptly(cluster: Cluster) -> None:
    """Without the CRDs informers never sync; ``stop`` must still end ``run``."""
    metrics = Metrics()
    settings = Settings(kubeconfig=str(cluster.kubeconfig))
    client = await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=settings.client, metrics=metrics.client
    )
    manager = Manager(client, settings=settings, metrics=metrics)
    task = asyncio.create_task(manager.run())
    try:
        await asyncio.sleep(0)
        assert manager.ready()[0] is False
        await manager.stop(grace=0.1)
        await asyncio.wait_for(task, timeout=10.0)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()


async def test_with_leader_election_workers_run_while_leading_and_release_on_stop(
    env: Env, crds: None
) -> None:
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.aws.create("db", "v")
    metrics = Metrics()
    settings = Settings(
        kubeconfig=str(env.cluster.kubeconfig),
        controller=ControllerSettings(concurrent=2, refresh_jitter=0.0, namespace=ns),
        leader=LeaderSettings(enabled=True, lease_namespace=ns, lease_name="eso-test"),
    )
    client = await KubeClient.from_config(
        kubeconfig=str(env.cluster.kubeconfig), settings=settings.client, metrics=metrics.client
    )
    # The env fixture's own manager also serves this namespace; stop it so only the
    # leader-elected one can be the writer.
    await env.stop_manager()
    manager = Manager(client, settings=settings, metrics=metrics, identity="test-leader")
    task = asyncio.create_task(manager.run())
    try:
        await env.wait_ready("secretstores", "aws-store", ns)
        data = [{"secretKey": "k", "remoteRef": {"key": "db"}}]
        await env.external_secret(ns, "app", data=data)
        await env.wait_secret("app", ns)
        lease = await env.raw.get("coordination.k8s.io/v1", "leases", "eso-test", namespace=ns)
        assert lease["spec"]["holderIdentity"] == "test-leader"
        assert manager.ready() == (True, "ok")
    finally:
        with capture_logs() as stop_logs:
            await manager.stop(grace=1.0)
            await asyncio.wait_for(task, timeout=10.0)
        await client.close()
    assert "leadership_lost" not in [e["event"] for e in stop_logs]  # a release, not a loss

    async def released() -> bool:
        got = await env.raw.get("coordination.k8s.io/v1", "leases", "eso-test", namespace=ns)
        return not got["spec"].get("holderIdentity")

    await wait_for(released, timeout=10.0)
