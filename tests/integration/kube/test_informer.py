"""Informers converge to server state through watch drops, 410s and error bursts.

Every test mirrors the handler calls into a dict and checks them as it goes: an add for a key
already present, or an update/delete for an unknown key, is a phantom event. At the end the
mirror and the cache must both equal a fresh list: nothing missed, nothing invented.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from eso.kube.cache import Tombstone
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.informer import Informer
from eso.kube.keys import object_key
from eso.kube.resources import CONFIGMAPS, SECRETS, Resource
from eso.metrics import Metrics
from eso.settings import ClientSettings, InformerSettings
from eso.tasks import TaskSet
from localkube.pytest_cluster import Cluster, wait_for

FAST = InformerSettings(backoff_initial=0.05, backoff_max=0.5, backoff_reset=5.0)
# Clusters put objects of their own in new namespaces (kube-root-ca.crt), so informers and
# the lists they are compared with select this module's ConfigMaps by label.
SUITE = "suite=informer"


class Mirror:
    """The state the handlers have told us about, and every inconsistency they showed."""

    def __init__(self) -> None:
        self.rvs: dict[str, str] = {}
        self.errors: list[str] = []
        self.tombstones = 0

    def on_add(self, obj: dict[str, Any]) -> None:
        key = object_key(obj)
        if key in self.rvs:
            self.errors.append(f"add of known {key}")
        self.rvs[key] = obj["metadata"]["resourceVersion"]

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        key = object_key(new)
        if self.rvs.get(key) != old["metadata"]["resourceVersion"]:
            self.errors.append(f"update of {key} from unseen state")
        self.rvs[key] = new["metadata"]["resourceVersion"]

    def on_delete(self, obj: dict[str, Any] | Tombstone) -> None:
        if isinstance(obj, Tombstone):
            self.tombstones += 1
            obj = obj.obj
        key = object_key(obj)
        if self.rvs.pop(key, None) is None:
            self.errors.append(f"delete of unknown {key}")


@pytest.fixture
async def kube(cluster: Cluster) -> AsyncIterator[KubeClient]:
    client = await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=ClientSettings(), metrics=Metrics().client
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def tasks() -> AsyncIterator[TaskSet]:
    ts = TaskSet()
    try:
        yield ts
    finally:
        await ts.close()


async def start(
    tasks: TaskSet,
    kube: KubeClient,
    resource: Resource,
    *,
    namespace: str,
    metrics: Metrics | None = None,
    label_selector: str = SUITE,
    **kwargs: Any,
) -> tuple[Informer, Mirror]:
    informer = Informer(
        kube,
        resource,
        namespace=namespace,
        label_selector=label_selector,
        settings=FAST,
        metrics=(metrics or Metrics()).informer,
        **kwargs,
    )
    mirror = Mirror()
    informer.add_handler(mirror.on_add, mirror.on_update, mirror.on_delete)
    tasks.spawn(informer.run(), name=f"informer-{resource.plural}")
    await asyncio.wait_for(informer.wait_synced(), 20)
    return informer, mirror


async def converged(
    kube: KubeClient,
    informer: Informer,
    mirror: Mirror,
    *,
    namespace: str,
    label_selector: str = SUITE,
) -> None:
    """Wait until cache and mirror equal a fresh list of the same scope."""

    async def probe() -> bool:
        try:  # injected faults hit this list too
            fresh = await kube.list_all(
                informer.resource, namespace=namespace, label_selector=label_selector
            )
        except KubeError:
            return False
        truth = {object_key(o): o["metadata"]["resourceVersion"] for o in fresh["items"]}
        cached = {object_key(o): o["metadata"]["resourceVersion"] for o in informer.cache.list()}
        return truth == cached == mirror.rvs

    await wait_for(probe, timeout=30)
    assert mirror.errors == []


def configmap(ns: str, name: str, value: str = "0", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": {"suite": "informer", **labels}},
        "data": {"v": value},
    }


def by_value(obj: dict[str, Any]) -> list[str]:
    """Index by data.v; objects without one (not ours) are in no index value."""
    value = (obj.get("data") or {}).get("v")
    return [value] if value else []


async def churn(
    kube: KubeClient, ns: str, *, rounds: int, between: Callable[[int], object]
) -> None:
    """Creates, updates and deletes ConfigMaps, calling ``between(i)`` after each round."""
    for i in range(rounds):
        await kube.create(CONFIGMAPS, body=configmap(ns, f"cm-{i}"))
        if i >= 1:
            await kube.patch(
                CONFIGMAPS, namespace=ns, name=f"cm-{i - 1}", body={"data": {"v": "1"}}
            )
        if i >= 2 and i % 2 == 0:
            await kube.delete(CONFIGMAPS, namespace=ns, name=f"cm-{i - 2}")
        between(i)


async def test_informer_delivers_add_update_delete(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "before"))
    informer, mirror = await start(tasks, kube, CONFIGMAPS, namespace=ns)
    assert informer.has_synced()
    assert list(mirror.rvs) == [f"{ns}/before"]
    await churn(kube, ns, rounds=6, between=lambda _i: None)
    await converged(kube, informer, mirror, namespace=ns)
    assert "managedFields" not in informer.cache.list()[0]["metadata"]


async def test_indexers_follow_changes(cluster: Cluster, kube: KubeClient, tasks: TaskSet) -> None:
    ns = await cluster.create_namespace()
    informer, _ = await start(tasks, kube, CONFIGMAPS, namespace=ns, indexers={"v": by_value})
    await kube.create(CONFIGMAPS, body=configmap(ns, "a", "x"))
    await wait_for(lambda: _async(informer.cache.index_keys("v", "x") == {f"{ns}/a"}))
    await kube.patch(CONFIGMAPS, namespace=ns, name="a", body={"data": {"v": "y"}})
    await wait_for(lambda: _async(informer.cache.index_keys("v", "y") == {f"{ns}/a"}))
    assert informer.cache.by_index("v", "x") == []


async def test_label_scoped_informer_sees_objects_enter_and_leave_the_selection(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "in", managed="true"))
    await kube.create(CONFIGMAPS, body=configmap(ns, "out"))
    informer, mirror = await start(
        tasks, kube, CONFIGMAPS, namespace=ns, label_selector=f"{SUITE},managed=true"
    )
    assert informer.cache.keys() == [f"{ns}/in"]
    await kube.patch(
        CONFIGMAPS, namespace=ns, name="out", body={"metadata": {"labels": {"managed": "true"}}}
    )
    await kube.patch(
        CONFIGMAPS, namespace=ns, name="in", body={"metadata": {"labels": {"managed": None}}}
    )
    await converged(kube, informer, mirror, namespace=ns, label_selector=f"{SUITE},managed=true")
    assert informer.cache.keys() == [f"{ns}/out"]


async def test_metadata_only_informer_holds_no_secret_data(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    ns = await cluster.create_namespace()
    labels = {"suite": "informer", "a": "b"}
    body = {"metadata": {"name": "s", "namespace": ns, "labels": labels}, "data": {"k": "dg=="}}
    await kube.create(SECRETS, body=body)
    informer, mirror = await start(tasks, kube, SECRETS, namespace=ns, metadata_only=True)
    await kube.patch(SECRETS, namespace=ns, name="s", body={"data": {"k": "dzI="}})
    await converged(kube, informer, mirror, namespace=ns)
    cached = informer.cache.get(f"{ns}/s")
    assert cached is not None
    assert set(cached) == {"apiVersion", "kind", "metadata"}
    assert cached["kind"] == "Secret"
    assert cached["metadata"]["labels"] == labels


@pytest.mark.fault_injection
async def test_informer_converges_after_watches_are_dropped(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    faults = cluster.faults
    assert faults is not None
    ns = await cluster.create_namespace()
    informer, mirror = await start(tasks, kube, CONFIGMAPS, namespace=ns)
    await churn(kube, ns, rounds=12, between=lambda _i: faults.drop_watches() and None)
    await converged(kube, informer, mirror, namespace=ns)


@pytest.mark.fault_injection
async def test_relist_after_410_reports_missed_deletes_as_tombstones(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    faults = cluster.faults
    assert faults is not None
    ns = await cluster.create_namespace()
    metrics = Metrics()
    for i in range(4):
        await kube.create(CONFIGMAPS, body=configmap(ns, f"cm-{i}"))
    informer, mirror = await start(tasks, kube, CONFIGMAPS, namespace=ns, metrics=metrics)
    # Keep the informer blind while objects change, then forget history: it must relist.
    blind = faults.fail(500, verb="watch", resource="configmaps", count=None)
    faults.drop_watches()
    await wait_for(lambda: _async(blind.hits > 0))
    await kube.delete(CONFIGMAPS, namespace=ns, name="cm-0")
    await kube.patch(CONFIGMAPS, namespace=ns, name="cm-1", body={"data": {"v": "changed"}})
    await kube.create(CONFIGMAPS, body=configmap(ns, "cm-new"))
    faults.compact()
    faults.clear()
    await converged(kube, informer, mirror, namespace=ns)
    assert mirror.tombstones == 1
    relists = metrics.registry.get_sample_value(
        "eso_informer_relists_total", {"resource": "configmaps", "reason": "gone"}
    )
    assert relists and relists >= 1


@pytest.mark.fault_injection
@pytest.mark.slow
async def test_informer_rides_out_429_and_500_bursts(
    cluster: Cluster, kube: KubeClient, tasks: TaskSet
) -> None:
    faults = cluster.faults
    assert faults is not None
    ns = await cluster.create_namespace()
    informer, mirror = await start(tasks, kube, CONFIGMAPS, namespace=ns)

    def storm(i: int) -> None:
        if i % 4 == 0:
            faults.fail(500, verb="watch", resource="configmaps", count=3)
            faults.fail(429, verb="watch", resource="configmaps", count=2)
            faults.fail(500, verb="list", resource="configmaps", count=2)
            faults.fail(429, verb="list", resource="configmaps", count=1)
            faults.drop_watches()
        if i == 6:
            faults.compact()
            faults.drop_watches()

    await churn(kube, ns, rounds=10, between=storm)
    await converged(kube, informer, mirror, namespace=ns)


async def _async(value: bool) -> bool:
    return value
