"""Deletion: finalizers, owner-reference garbage collection, namespace cascade."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from localkube.pytest_cluster import Cluster, wait_for
from localkube.rawclient import ApiStatusError

FINALIZER = "eso.example.com/hold"


def cm(name: str, **metadata: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, **metadata}}


def owner_ref(owner: dict[str, Any], *, block: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": block,
    }


async def gone(cluster: Cluster, name: str, *, ns: str) -> bool:
    try:
        await cluster.client.get("v1", "configmaps", name, namespace=ns)
    except ApiStatusError as e:
        return e.status == 404
    return False


async def test_delete_of_an_object_with_finalizers_only_marks_it(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    await c.create("v1", "configmaps", cm("f", finalizers=[FINALIZER]), namespace=ns)
    try:
        marked = await c.delete("v1", "configmaps", "f", namespace=ns)
        assert marked["metadata"]["deletionTimestamp"]
        assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
        still = await c.get("v1", "configmaps", "f", namespace=ns)
        assert still["metadata"]["finalizers"] == [FINALIZER]
    finally:
        # nobody else removes it: a real cluster's namespace would stay Terminating
        await c.patch("v1", "configmaps", "f", {"metadata": {"finalizers": None}}, namespace=ns)
    assert await gone(cluster, "f", ns=ns)


async def test_removing_the_last_finalizer_deletes_the_object(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    await c.create("v1", "configmaps", cm("f", finalizers=[FINALIZER]), namespace=ns)
    await c.delete("v1", "configmaps", "f", namespace=ns)
    await c.patch(
        "v1",
        "configmaps",
        "f",
        [{"op": "remove", "path": "/metadata/finalizers"}],
        namespace=ns,
        patch_type="json",
    )
    assert await gone(cluster, "f", ns=ns)


async def test_watch_sees_a_finalized_delete_as_modified_then_deleted(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    created = await c.create("v1", "configmaps", cm("f", finalizers=[FINALIZER]), namespace=ns)
    await c.delete("v1", "configmaps", "f", namespace=ns)
    await c.patch("v1", "configmaps", "f", {"metadata": {"finalizers": None}}, namespace=ns)
    async with c.watch(
        "v1",
        "configmaps",
        namespace=ns,
        field_selector="metadata.name=f",
        resource_version=created["metadata"]["resourceVersion"],
    ) as w:
        first, second = await w.next(), await w.next()
    assert first is not None and second is not None
    assert (first["type"], second["type"]) == ("MODIFIED", "DELETED")


async def test_dependents_are_collected_after_their_owner_is_deleted(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    owner = await c.create("v1", "configmaps", cm("owner"), namespace=ns)
    await c.create("v1", "configmaps", cm("dep", ownerReferences=[owner_ref(owner)]), namespace=ns)
    await c.delete("v1", "configmaps", "owner", namespace=ns)
    await wait_for(lambda: gone(cluster, "dep", ns=ns), timeout=60)


async def test_foreground_deletion_removes_dependents_before_the_owner(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    owner = await c.create("v1", "configmaps", cm("owner"), namespace=ns)
    await c.create(
        "v1",
        "configmaps",
        cm("dep", ownerReferences=[owner_ref(owner, block=True)], finalizers=[FINALIZER]),
        namespace=ns,
    )
    marked = await c.delete(
        "v1", "configmaps", "owner", namespace=ns, propagation_policy="Foreground"
    )
    assert "foregroundDeletion" in marked["metadata"]["finalizers"]

    async def dependent_terminating() -> bool:
        dep = await c.get("v1", "configmaps", "dep", namespace=ns)
        return bool(dep["metadata"].get("deletionTimestamp"))

    await wait_for(dependent_terminating, timeout=60)
    assert not await gone(cluster, "owner", ns=ns)  # blocked by its dependent's finalizer
    await c.patch("v1", "configmaps", "dep", {"metadata": {"finalizers": None}}, namespace=ns)
    await wait_for(lambda: gone(cluster, "owner", ns=ns), timeout=60)


async def test_orphan_deletion_keeps_dependents_and_drops_their_reference(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    owner = await c.create("v1", "configmaps", cm("owner"), namespace=ns)
    await c.create("v1", "configmaps", cm("dep", ownerReferences=[owner_ref(owner)]), namespace=ns)
    await c.delete("v1", "configmaps", "owner", namespace=ns, propagation_policy="Orphan")
    await wait_for(lambda: gone(cluster, "owner", ns=ns), timeout=60)
    dep = await c.get("v1", "configmaps", "dep", namespace=ns)
    assert not dep["metadata"].get("ownerReferences")


async def test_deleting_a_namespace_deletes_its_objects_then_itself(cluster: Cluster) -> None:
    c = cluster.client
    ns = await cluster.create_namespace()
    await c.create("v1", "configmaps", cm("a"), namespace=ns)
    await c.create("v1", "secrets", {"metadata": {"name": "s"}}, namespace=ns)
    terminating = await c.delete("v1", "namespaces", ns)
    assert terminating["status"]["phase"] == "Terminating"

    async def namespace_gone() -> bool:
        try:
            await c.get("v1", "namespaces", ns)
        except ApiStatusError as e:
            return e.status == 404
        return False

    await wait_for(namespace_gone, timeout=120)
    got = await c.list("v1", "secrets", field_selector=f"metadata.namespace={ns}")
    assert got["items"] == []


async def test_creating_in_a_terminating_namespace_is_forbidden(cluster: Cluster) -> None:
    c = cluster.client
    ns = await cluster.create_namespace()
    await c.create("v1", "configmaps", cm("held", finalizers=[FINALIZER]), namespace=ns)
    await c.delete("v1", "namespaces", ns)
    with pytest.raises(ApiStatusError) as e:
        await c.create("v1", "configmaps", cm("new"), namespace=ns)
    assert (e.value.status, e.value.reason) == (403, "Forbidden")
    assert "because it is being terminated" in e.value.message
    await c.patch("v1", "configmaps", "held", {"metadata": {"finalizers": None}}, namespace=ns)


async def test_deleting_a_terminating_namespace_again_conflicts(cluster: Cluster) -> None:
    """The namespace REST's answer while the namespace controller is still emptying it."""
    c = cluster.client
    ns = await cluster.create_namespace()
    await c.create("v1", "configmaps", cm("held", finalizers=[FINALIZER]), namespace=ns)
    await c.delete("v1", "namespaces", ns)
    try:
        with pytest.raises(ApiStatusError) as e:
            await c.delete("v1", "namespaces", ns)
        assert (e.value.status, e.value.reason) == (409, "Conflict")
        assert e.value.message == (
            f'Operation cannot be fulfilled on namespaces "{ns}": The system is ensuring all '
            "content is removed from this namespace.  Upon completion, this namespace will "
            "automatically be purged by the system."
        )
    finally:
        await c.patch("v1", "configmaps", "held", {"metadata": {"finalizers": None}}, namespace=ns)


@pytest.mark.parametrize("name", ["Not_A_Valid_Name", "valid-name"])
async def test_creating_in_a_missing_namespace_is_not_found_before_the_object_is_validated(
    cluster: Cluster, name: str
) -> None:
    """NamespaceLifecycle admission answers before validation, whatever is wrong with the body."""
    missing = f"eso-missing-{secrets.token_hex(4)}"
    body = {"metadata": {"name": name, "labels": {"bad": "not ok!"}}, "data": {"a": "1"}}
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "configmaps", body, namespace=missing)
    assert (e.value.status, e.value.reason) == (404, "NotFound")
    assert e.value.message == f'namespaces "{missing}" not found'
