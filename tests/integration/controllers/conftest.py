"""Fixtures for controller tests: CRDs installed, the Manager running in-process.

Everything goes through the ``cluster`` fixture (local control plane, or ESO_TEST_KUBECONFIG)
and the ``moto_server`` fixture, so these tests run unchanged against a real cluster. Names of
cluster-scoped objects are unique per test and removed afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import yaml
from controller_env import CRD_DIR, Env

from eso.controllers.manager import Manager
from eso.kube.client import KubeClient
from eso.metrics import Metrics
from eso.settings import AWSSettings, ControllerSettings, Settings
from localkube.moto import MotoServer
from localkube.pytest_cluster import Cluster, wait_for


@pytest.fixture
async def crds(cluster: Cluster) -> None:
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                await cluster.install_crd(doc)


@pytest.fixture
def controller_settings() -> ControllerSettings:
    """Test tuning: a few workers, no jitter (deterministic delays), fast store revalidation."""
    return ControllerSettings(concurrent=4, refresh_jitter=0.0, store_requeue_interval=2.0)


@pytest.fixture
def aws_settings() -> AWSSettings:
    """The AWS provider's call-economy settings (defaults; a test module may override)."""
    return AWSSettings()


@pytest.fixture
async def env(
    cluster: Cluster,
    crds: None,
    moto_server: MotoServer,
    controller_settings: ControllerSettings,
    aws_settings: AWSSettings,
) -> AsyncIterator[Env]:
    """A running Manager against the test cluster and moto; stopped cleanly afterwards.

    ``env.stop_manager()`` and ``env.start_manager()`` restart it (a cold start against the
    objects that exist then), with the same Metrics instance.
    """
    metrics = Metrics()
    settings = Settings(
        kubeconfig=str(cluster.kubeconfig), controller=controller_settings, aws=aws_settings
    )
    runner = _ManagerRunner(cluster, settings, metrics)
    world = Env(cluster, moto_server, await runner.start(), metrics, runner=runner)
    try:
        yield world
    finally:
        await runner.stop()
        await world.cleanup()


class _ManagerRunner:
    """Starts and stops one Manager at a time in-process (each with its own KubeClient)."""

    def __init__(self, cluster: Cluster, settings: Settings, metrics: Metrics) -> None:
        self._cluster, self._settings, self._metrics = cluster, settings, metrics
        self._running: tuple[Manager, asyncio.Task[None], KubeClient] | None = None

    async def start(self) -> Manager:
        """A new Manager, running once its informers synced."""
        assert self._running is None, "a Manager is already running"
        client = await KubeClient.from_config(
            kubeconfig=str(self._cluster.kubeconfig),
            settings=self._settings.client,
            metrics=self._metrics.client,
        )
        manager = Manager(client, settings=self._settings, metrics=self._metrics)
        task = asyncio.create_task(manager.run(), name="manager")
        self._running = (manager, task, client)
        await wait_for(lambda: _ready(manager, task), timeout=20.0)
        return manager

    async def stop(self) -> None:
        if self._running is None:
            return
        manager, task, client = self._running
        self._running = None
        try:
            await manager.stop(grace=2.0)
            await asyncio.wait_for(task, timeout=10.0)
        finally:
            await client.close()


async def _ready(manager: Manager, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # surface a crash instead of a timeout
    return manager.ready()[0]
