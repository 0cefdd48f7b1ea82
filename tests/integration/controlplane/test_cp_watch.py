"""Watch: replay from a resourceVersion, initial state, selectors, bookmarks, timeouts."""

from __future__ import annotations

import pytest

from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError, WatchStream

# Real clusters add objects of their own to new namespaces (kube-root-ca.crt), so watches that
# count events select this suite's objects by label.
SUITE = "suite=cp-watch"


def cm(name: str, **labels: str) -> dict[str, object]:
    return {
        "metadata": {"name": name, "labels": {"suite": "cp-watch", **labels}},
        "data": {"v": "1"},
    }


def names(events: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events]  # type: ignore[index]


async def test_watch_from_a_resource_version_replays_later_changes_in_order(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    first = await c.create("v1", "configmaps", cm("a"), namespace=ns)
    await c.create("v1", "configmaps", cm("b"), namespace=ns)
    await c.patch("v1", "configmaps", "a", {"data": {"v": "2"}}, namespace=ns)
    await c.delete("v1", "configmaps", "b", namespace=ns)
    rv = first["metadata"]["resourceVersion"]
    async with c.watch(
        "v1", "configmaps", namespace=ns, resource_version=rv, label_selector=SUITE
    ) as w:
        events = [await w.next() for _ in range(3)]
    assert names(events) == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]  # type: ignore[arg-type]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]  # type: ignore[index]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)


async def test_watch_without_resource_version_starts_with_current_state(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    await c.create("v1", "configmaps", cm("a"), namespace=ns)
    await c.create("v1", "configmaps", cm("b"), namespace=ns)
    for rv, new in (("0", "zero"), (None, "unset")):
        async with c.watch(
            "v1", "configmaps", namespace=ns, resource_version=rv, label_selector=SUITE
        ) as w:
            events = [await w.next(), await w.next()]
            await c.create("v1", "configmaps", cm(new), namespace=ns)
            later = await w.next()
        assert sorted(names(events)) == [("ADDED", "a"), ("ADDED", "b")]  # type: ignore[arg-type]
        assert names([later]) == [("ADDED", new)]  # type: ignore[list-item]
        await c.delete("v1", "configmaps", new, namespace=ns)


async def test_label_selected_watch_sees_objects_leave_and_enter(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create("v1", "configmaps", cm("a", app="web"), namespace=ns)
    rv = created["metadata"]["resourceVersion"]
    await c.patch("v1", "configmaps", "a", {"metadata": {"labels": {"app": "db"}}}, namespace=ns)
    await c.patch("v1", "configmaps", "a", {"metadata": {"labels": {"app": "web"}}}, namespace=ns)
    async with c.watch(
        "v1", "configmaps", namespace=ns, resource_version=rv, label_selector=f"{SUITE},app=web"
    ) as w:
        left, entered = await w.next(), await w.next()
    assert left is not None and entered is not None
    assert left["type"] == "DELETED" and entered["type"] == "ADDED"
    assert left["object"]["metadata"]["labels"]["app"] == "web"


async def test_bookmarks_carry_the_current_resource_version(cluster: Cluster, ns: str) -> None:
    """kube-apiserver sends one about every minute; the local plane far more often."""
    c = cluster.client
    created = await c.create("v1", "configmaps", cm("a"), namespace=ns)
    rv = created["metadata"]["resourceVersion"]
    async with c.watch(
        "v1", "configmaps", namespace=ns, resource_version=rv, allow_bookmarks=True
    ) as w:
        event = await w.next_matching(lambda e: e["type"] == "BOOKMARK", timeout=120)
    assert event["object"]["kind"] == "ConfigMap"
    assert int(event["object"]["metadata"]["resourceVersion"]) >= int(rv)


async def test_watch_ends_after_timeout_seconds(cluster: Cluster, ns: str) -> None:
    async with cluster.client.watch(
        "v1",
        "configmaps",
        namespace=ns,
        timeout_seconds=1,
        resource_version="0",
        label_selector=SUITE,
    ) as w:
        assert await w.next(timeout=30) is None


async def test_metadata_only_watch_sends_partial_object_metadata(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    async with c.watch("v1", "secrets", namespace=ns, metadata_only=True) as w:
        await c.create(
            "v1", "secrets", {"metadata": {"name": "s"}, "stringData": {"a": "b"}}, namespace=ns
        )
        event = await w.next_matching(lambda e: e["type"] == "ADDED")
    assert event["object"]["kind"] == "PartialObjectMetadata"
    assert "data" not in event["object"]


async def test_field_selected_watch_sees_only_that_object(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    async with c.watch("v1", "configmaps", namespace=ns, field_selector="metadata.name=b") as w:
        await c.create("v1", "configmaps", cm("a"), namespace=ns)
        await c.create("v1", "configmaps", cm("b"), namespace=ns)
        event = await w.next()
    assert names([event]) == [("ADDED", "b")]  # type: ignore[list-item]


@pytest.mark.fault_injection
async def test_watch_from_before_a_compaction_gets_410_expired(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create("v1", "configmaps", cm("a"), namespace=ns)
    await c.patch("v1", "configmaps", "a", {"data": {"v": "2"}}, namespace=ns)
    assert cluster.faults is not None
    cluster.faults.compact()
    rv = created["metadata"]["resourceVersion"]
    async with c.watch("v1", "configmaps", namespace=ns, resource_version=rv) as w:
        event = await w.next()
        assert event is not None and event["type"] == "ERROR"
        assert await w.next() is None
    status = event["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {rv} (")


async def test_watch_of_an_unknown_resource_is_not_found(cluster: Cluster) -> None:
    with pytest.raises(ApiStatusError) as e:
        async with cluster.client.watch("v1", "nosuchthings"):
            pass
    assert e.value.status == 404


async def test_streaming_list_ends_initial_events_with_an_annotated_bookmark(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    await c.create("v1", "configmaps", cm("a"), namespace=ns)
    params = {
        "watch": "1",
        "sendInitialEvents": "true",
        "allowWatchBookmarks": "true",
        "resourceVersionMatch": "NotOlderThan",
        "labelSelector": SUITE,
    }
    stream = WatchStream(
        c, f"/api/v1/namespaces/{ns}/configmaps", params=params, accept="application/json"
    )
    async with stream as w:
        added = await w.next()
        end = await w.next_matching(lambda e: e["type"] == "BOOKMARK")
    assert names([added]) == [("ADDED", "a")]  # type: ignore[list-item]
    annotations = end["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_table_watch_sends_one_row_tables(cluster: Cluster, ns: str) -> None:
    """What ``kubectl get -w`` asks for: every event's object is a Table of that object."""
    c = cluster.client
    created = await c.create("v1", "configmaps", cm("a"), namespace=ns)
    params = {"watch": "1", "labelSelector": SUITE, "includeObject": "Object"}
    params["resourceVersion"] = created["metadata"]["resourceVersion"]
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    path = f"/api/v1/namespaces/{ns}/configmaps"
    async with WatchStream(c, path, params=params, accept=accept) as w:
        await c.patch("v1", "configmaps", "a", {"data": {"v": "2"}}, namespace=ns)
        await c.delete("v1", "configmaps", "a", namespace=ns)
        events = [await w.next(), await w.next()]
    assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]  # type: ignore[index]
    assert events[0]["object"]["columnDefinitions"][0]["name"] == "Name"  # type: ignore[index]
    for event in events:
        table = event["object"]  # type: ignore[index]
        assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
        [row] = table["rows"]
        assert row["cells"][0] == "a"
        assert row["object"]["metadata"]["name"] == "a"
    assert events[0]["object"]["rows"][0]["object"]["data"] == {"v": "2"}  # type: ignore[index]
