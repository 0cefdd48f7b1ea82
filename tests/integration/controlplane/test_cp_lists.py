"""Lists: label and field selectors, pagination, cross-namespace lists, resourceVersion."""

from __future__ import annotations

import pytest

from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError

LABELLED = {
    "a": {"app": "web", "tier": "front"},
    "b": {"app": "web", "tier": "back"},
    "c": {"app": "db"},
    "d": {},
}


@pytest.fixture
async def labelled(cluster: Cluster, ns: str) -> str:
    for name, labels in LABELLED.items():
        body = {"metadata": {"name": name, "labels": labels}}
        await cluster.client.create("v1", "configmaps", body, namespace=ns)
    return ns


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("app=web", ["a", "b"], id="equals"),
        pytest.param("app==web", ["a", "b"], id="double-equals"),
        pytest.param("app!=web", ["c", "d"], id="not-equals-includes-missing"),
        pytest.param("tier in (front,back)", ["a", "b"], id="in"),
        pytest.param("app notin (web)", ["c", "d"], id="notin"),
        pytest.param("tier", ["a", "b"], id="exists"),
        pytest.param("!tier", ["c", "d"], id="does-not-exist"),
        pytest.param("app=web,tier=back", ["b"], id="and"),
    ],
)
async def test_label_selector_matches_like_kube_apiserver(
    cluster: Cluster, labelled: str, selector: str, expected: list[str]
) -> None:
    got = await cluster.client.list("v1", "configmaps", namespace=labelled, label_selector=selector)
    names = sorted(i["metadata"]["name"] for i in got["items"])
    assert [n for n in names if n in LABELLED] == expected


async def test_field_selector_on_name(cluster: Cluster, labelled: str) -> None:
    got = await cluster.client.list(
        "v1", "configmaps", namespace=labelled, field_selector="metadata.name=c"
    )
    assert [i["metadata"]["name"] for i in got["items"]] == ["c"]


async def test_field_selector_on_namespace_across_namespaces(
    cluster: Cluster, labelled: str
) -> None:
    got = await cluster.client.list(
        "v1", "configmaps", field_selector=f"metadata.namespace={labelled}"
    )
    assert {i["metadata"]["namespace"] for i in got["items"]} == {labelled}


async def test_field_selector_not_equal(cluster: Cluster, labelled: str) -> None:
    got = await cluster.client.list(
        "v1", "configmaps", namespace=labelled, field_selector="metadata.name!=a"
    )
    assert "a" not in {i["metadata"]["name"] for i in got["items"]}


async def test_unsupported_field_label_is_a_bad_request(cluster: Cluster, ns: str) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.list("v1", "configmaps", namespace=ns, field_selector="data.a=b")
    assert e.value.status == 400


async def test_secret_field_selector_on_type(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    await c.create("v1", "secrets", {"metadata": {"name": "o"}}, namespace=ns)
    await c.create(
        "v1", "secrets", {"metadata": {"name": "t"}, "type": "example.com/x"}, namespace=ns
    )
    got = await c.list("v1", "secrets", namespace=ns, field_selector="type=example.com/x")
    assert [i["metadata"]["name"] for i in got["items"]] == ["t"]


async def test_limit_and_continue_page_through_everything_once(cluster: Cluster, ns: str) -> None:
    for i in range(7):
        await cluster.client.create(
            "v1", "configmaps", {"metadata": {"name": f"cm-{i}"}}, namespace=ns
        )
    seen: list[str] = []
    token = None
    while True:
        page = await cluster.client.list(
            "v1", "configmaps", namespace=ns, limit=3, continue_=token, label_selector=None
        )
        seen += [i["metadata"]["name"] for i in page["items"]]
        assert len(page["items"]) <= 3
        token = page["metadata"].get("continue")
        if not token:
            break
    assert sorted(n for n in seen if n.startswith("cm-")) == [f"cm-{i}" for i in range(7)]
    assert len(seen) == len(set(seen))


async def test_first_page_reports_remaining_items(cluster: Cluster, ns: str) -> None:
    for i in range(4):
        await cluster.client.create("v1", "secrets", {"metadata": {"name": f"s-{i}"}}, namespace=ns)
    page = await cluster.client.list("v1", "secrets", namespace=ns, limit=3)
    assert page["metadata"]["continue"]
    assert page["metadata"]["remainingItemCount"] >= 1


async def test_list_across_all_namespaces(cluster: Cluster) -> None:
    first = await cluster.create_namespace()
    second = await cluster.create_namespace()
    for ns in (first, second):
        await cluster.client.create("v1", "secrets", {"metadata": {"name": "x"}}, namespace=ns)
    got = await cluster.client.list("v1", "secrets", field_selector="metadata.name=x")
    assert {first, second} <= {i["metadata"]["namespace"] for i in got["items"]}


async def test_list_resource_version_is_at_least_the_latest_write(
    cluster: Cluster, ns: str
) -> None:
    created = await cluster.client.create(
        "v1", "configmaps", {"metadata": {"name": "a"}}, namespace=ns
    )
    got = await cluster.client.list("v1", "configmaps", namespace=ns)
    assert int(got["metadata"]["resourceVersion"]) >= int(created["metadata"]["resourceVersion"])
    assert got["kind"] == "ConfigMapList"


async def test_events_can_be_selected_by_involved_object(cluster: Cluster, ns: str) -> None:
    """What ``kubectl describe`` and event recorders rely on."""
    c = cluster.client
    for name, target in (("e1", "a"), ("e2", "b")):
        event = {
            "metadata": {"name": name},
            "reason": "Test",
            "message": "m",
            "type": "Normal",
            "involvedObject": {"kind": "ConfigMap", "name": target, "namespace": ns},
        }
        await c.create("v1", "events", event, namespace=ns)
    selector = f"involvedObject.kind=ConfigMap,involvedObject.name=b,involvedObject.namespace={ns}"
    got = await c.list("v1", "events", namespace=ns, field_selector=selector)
    assert [i["metadata"]["name"] for i in got["items"]] == ["e2"]
