"""KubeClient against a cluster: CRUD verbs, typed errors, paging, metadata-only, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from eso.kube import errors as kerr
from eso.kube.client import KubeClient
from eso.kube.resources import CONFIGMAPS, SECRETS
from eso.metrics import Metrics
from eso.settings import ClientSettings
from localkube.pytest_cluster import Cluster

OURS = "app=eso-test"


@pytest.fixture
async def kube(cluster: Cluster) -> AsyncIterator[KubeClient]:
    client = await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=ClientSettings(), metrics=Metrics().client
    )
    try:
        yield client
    finally:
        await client.close()


def configmap(ns: str, name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "eso-test"}},
        "data": dict(data),
    }


async def test_create_get_replace_delete_round_trip(cluster: Cluster, kube: KubeClient) -> None:
    ns = await cluster.create_namespace()
    created = await kube.create(CONFIGMAPS, body=configmap(ns, "a", k="1"))
    got = await kube.get(CONFIGMAPS, namespace=ns, name="a")
    assert got["data"] == {"k": "1"}
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    got["data"]["k"] = "2"
    replaced = await kube.replace(CONFIGMAPS, body=got)
    assert replaced["data"] == {"k": "2"}
    await kube.delete(CONFIGMAPS, namespace=ns, name="a")
    with pytest.raises(kerr.NotFound):
        await kube.get(CONFIGMAPS, namespace=ns, name="a")


async def test_create_of_existing_name_is_already_exists(
    cluster: Cluster, kube: KubeClient
) -> None:
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    with pytest.raises(kerr.AlreadyExists):
        await kube.create(CONFIGMAPS, body=configmap(ns, "a"))


async def test_replace_with_stale_resource_version_is_conflict(
    cluster: Cluster, kube: KubeClient
) -> None:
    ns = await cluster.create_namespace()
    first = await kube.create(CONFIGMAPS, body=configmap(ns, "a", k="1"))
    await kube.patch(CONFIGMAPS, namespace=ns, name="a", body={"data": {"k": "2"}})
    first["data"] = {"k": "3"}
    with pytest.raises(kerr.Conflict) as info:
        await kube.replace(CONFIGMAPS, body=first)
    assert not isinstance(info.value, kerr.AlreadyExists)


async def test_invalid_object_reports_field_causes(cluster: Cluster, kube: KubeClient) -> None:
    ns = await cluster.create_namespace()
    with pytest.raises(kerr.Invalid) as info:
        await kube.create(CONFIGMAPS, body=configmap(ns, "Not_A_Valid_Name"))
    assert info.value.status == 422
    assert any(c.field == "metadata.name" for c in info.value.causes)


async def test_delete_with_wrong_uid_precondition_is_conflict(
    cluster: Cluster, kube: KubeClient
) -> None:
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    with pytest.raises(kerr.Conflict):
        await kube.delete(CONFIGMAPS, namespace=ns, name="a", preconditions={"uid": "nope"})
    await kube.delete(CONFIGMAPS, namespace=ns, name="a", propagation_policy="Background")


@pytest.mark.parametrize(
    ("patch_type", "body"),
    [
        pytest.param("merge", {"data": {"k": "2"}}, id="merge"),
        pytest.param("strategic", {"data": {"k": "2"}}, id="strategic"),
        pytest.param("json", [{"op": "replace", "path": "/data/k", "value": "2"}], id="json"),
    ],
)
async def test_patch_types_apply(
    cluster: Cluster, kube: KubeClient, patch_type: Any, body: Any
) -> None:
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "a", k="1", other="x"))
    patched = await kube.patch(CONFIGMAPS, namespace=ns, name="a", body=body, patch_type=patch_type)
    assert patched["data"] == {"k": "2", "other": "x"}


async def test_server_side_apply_creates_and_updates(cluster: Cluster, kube: KubeClient) -> None:
    if cluster.is_local:
        pytest.skip("the local control plane does not serve server-side apply (415)")
    ns = await cluster.create_namespace()
    body = configmap(ns, "a", k="1")
    await kube.patch(CONFIGMAPS, namespace=ns, name="a", body=body, patch_type="apply")
    body["data"]["k"] = "2"
    applied = await kube.patch(
        CONFIGMAPS, namespace=ns, name="a", body=body, patch_type="apply", force=True
    )
    assert applied["data"]["k"] == "2"


async def test_list_all_pages_through_every_object(cluster: Cluster, kube: KubeClient) -> None:
    ns = await cluster.create_namespace()
    for i in range(7):
        await kube.create(CONFIGMAPS, body=configmap(ns, f"cm-{i}"))
    listed = await kube.list_all(CONFIGMAPS, namespace=ns, label_selector=OURS, page_size=3)
    assert sorted(o["metadata"]["name"] for o in listed["items"]) == [f"cm-{i}" for i in range(7)]
    assert listed["metadata"]["resourceVersion"]


async def test_metadata_only_reads_carry_no_data(cluster: Cluster, kube: KubeClient) -> None:
    ns = await cluster.create_namespace()
    body = {"metadata": {"name": "s", "namespace": ns, "labels": {"a": "b"}}, "data": {"k": "dg=="}}
    await kube.create(SECRETS, body=body)
    one = await kube.get(SECRETS, namespace=ns, name="s", metadata_only=True)
    many = await kube.list(SECRETS, namespace=ns, metadata_only=True)
    for obj in (one, *many["items"]):
        assert "data" not in obj
        assert obj["metadata"]["labels"] == {"a": "b"}


async def test_watch_streams_events_from_a_resource_version(
    cluster: Cluster, kube: KubeClient
) -> None:
    ns = await cluster.create_namespace()
    rv = (await kube.list(CONFIGMAPS, namespace=ns))["metadata"]["resourceVersion"]
    await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    await kube.delete(CONFIGMAPS, namespace=ns, name="a")
    seen: list[tuple[str, str]] = []
    # the cluster's own kube-root-ca.crt may be created after the list: select ours
    stream = kube.watch(
        CONFIGMAPS, namespace=ns, resource_version=rv, timeout_seconds=30, label_selector=OURS
    )
    async with asyncio.timeout(20), aclosing(stream) as events:
        async for event in events:
            if event["type"] in ("ADDED", "DELETED"):
                seen.append((event["type"], event["object"]["metadata"]["name"]))
            if len(seen) == 2:
                break
    assert seen == [("ADDED", "a"), ("DELETED", "a")]


async def test_watch_from_a_compacted_version_is_gone(cluster: Cluster, kube: KubeClient) -> None:
    """A very old resourceVersion: 410 as an HTTP status or as an ERROR event."""
    ns = await cluster.create_namespace()
    if cluster.faults is not None:
        await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
        cluster.faults.compact()
    stream = kube.watch(CONFIGMAPS, namespace=ns, resource_version="1", timeout_seconds=30)
    async with asyncio.timeout(20), aclosing(stream) as events:
        try:
            event = await anext(events)
        except kerr.Gone:
            return
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410


@pytest.mark.fault_injection
async def test_transient_server_errors_are_retried_for_reads(
    cluster: Cluster, kube: KubeClient
) -> None:
    assert cluster.faults is not None
    ns = await cluster.create_namespace()
    await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    rule = cluster.faults.fail(500, verb="get", resource="configmaps", count=2)
    assert (await kube.get(CONFIGMAPS, namespace=ns, name="a"))["metadata"]["name"] == "a"
    assert rule.hits == 2


@pytest.mark.fault_injection
async def test_create_is_retried_on_429_but_not_on_500(cluster: Cluster, kube: KubeClient) -> None:
    assert cluster.faults is not None
    ns = await cluster.create_namespace()
    throttled = cluster.faults.fail(429, verb="create", resource="configmaps", count=1)
    await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    assert throttled.hits == 1
    cluster.faults.fail(500, verb="create", resource="configmaps", count=1)
    with pytest.raises(kerr.ServerError):
        await kube.create(CONFIGMAPS, body=configmap(ns, "b"))


@pytest.mark.fault_injection
async def test_persistent_errors_surface_after_max_retries(cluster: Cluster) -> None:
    assert cluster.faults is not None
    ns = await cluster.create_namespace()
    rule = cluster.faults.fail(500, verb="list", resource="configmaps", count=None)
    async with await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=ClientSettings(max_retries=2)
    ) as client:
        with pytest.raises(kerr.ServerError):
            await client.list(CONFIGMAPS, namespace=ns)
    assert rule.hits == 3


@pytest.mark.fault_injection
async def test_conflict_is_not_retried(cluster: Cluster, kube: KubeClient) -> None:
    assert cluster.faults is not None
    ns = await cluster.create_namespace()
    obj = await kube.create(CONFIGMAPS, body=configmap(ns, "a"))
    rule = cluster.faults.fail(409, verb="update", resource="configmaps", count=None)
    with pytest.raises(kerr.Conflict):
        await kube.replace(CONFIGMAPS, body=obj)
    assert rule.hits == 1
