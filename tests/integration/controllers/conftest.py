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
from eso.settings import ControllerSettings, Settings
from eso.testing.moto import MotoServer
from eso.testing.pytest_cluster import Cluster, wait_for


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
async def env(
    cluster: Cluster, crds: None, moto_server: MotoServer, controller_settings: ControllerSettings
) -> AsyncIterator[Env]:
    """A running Manager against the test cluster and moto; stopped cleanly afterwards."""
    metrics = Metrics()
    settings = Settings(kubeconfig=str(cluster.kubeconfig), controller=controller_settings)
    client = await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=settings.client, metrics=metrics
    )
    manager = Manager(client, settings=settings, metrics=metrics)
    task = asyncio.create_task(manager.run(), name="manager")
    world = Env(cluster, moto_server, manager, metrics)
    try:
        await wait_for(lambda: _ready(manager, task), timeout=20.0)
        yield world
    finally:
        await manager.stop(grace=2.0)
        await asyncio.wait_for(task, timeout=10.0)
        await client.close()
        await world.cleanup()


async def _ready(manager: Manager, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # surface a crash instead of a timeout
    return manager.ready()[0]
