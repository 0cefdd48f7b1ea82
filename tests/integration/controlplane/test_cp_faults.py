"""Fault injection of the local control plane (skipped on a real cluster)."""

from __future__ import annotations

import pytest

from localkube.apiserver.faults import Faults
from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError

pytestmark = pytest.mark.fault_injection


def faults(cluster: Cluster) -> Faults:
    assert cluster.faults is not None
    return cluster.faults


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        pytest.param(429, "TooManyRequests", id="429"),
        pytest.param(500, "InternalError", id="500"),
        pytest.param(409, "Conflict", id="409"),
    ],
)
async def test_injected_errors_fail_matching_requests_count_times(
    cluster: Cluster, ns: str, status: int, reason: str
) -> None:
    rule = faults(cluster).fail(status, verb="create", resource="configmaps", count=2)
    for _ in range(2):
        with pytest.raises(ApiStatusError) as e:
            await cluster.client.create(
                "v1", "configmaps", {"metadata": {"generateName": "x-"}}, namespace=ns
            )
        assert (e.value.status, e.value.reason) == (status, reason)
    await cluster.client.create("v1", "configmaps", {"metadata": {"name": "ok"}}, namespace=ns)
    assert rule.hits == 2


async def test_injected_429_says_when_to_retry(cluster: Cluster, ns: str) -> None:
    faults(cluster).fail(429, verb="get", retry_after=3)
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.get("v1", "namespaces", ns)
    assert e.value.headers["Retry-After"] == "3"
    assert e.value.body["details"]["retryAfterSeconds"] == 3


async def test_faults_only_match_their_target(cluster: Cluster, ns: str) -> None:
    faults(cluster).fail(500, resource="secrets", namespace=ns, name="a", count=None)
    await cluster.client.create("v1", "configmaps", {"metadata": {"name": "a"}}, namespace=ns)
    with pytest.raises(ApiStatusError):
        await cluster.client.get("v1", "secrets", "a", namespace=ns)


async def test_latency_is_added_to_matching_requests(cluster: Cluster, ns: str) -> None:
    rule = faults(cluster).add_latency(0.01, verb="list", count=1)
    await cluster.client.list("v1", "configmaps", namespace=ns)
    assert rule.hits == 1 and rule.remaining == 0


async def test_dropping_watches_ends_open_streams(cluster: Cluster, ns: str) -> None:
    async with cluster.client.watch(
        "v1", "configmaps", namespace=ns, label_selector="none=here"
    ) as w:
        await cluster.client.create("v1", "configmaps", {"metadata": {"name": "a"}}, namespace=ns)

        async def dropped() -> int:
            return faults(cluster).drop_watches()

        from localkube.pytest_cluster import wait_for

        assert await wait_for(dropped) >= 1
        assert await w.next() is None
