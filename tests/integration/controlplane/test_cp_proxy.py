"""The API proxy tests use to hide API groups from a process, on any cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from localkube.apiproxy import ApiProxy
from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError, RawClient


async def test_a_hidden_group_is_not_served_and_the_rest_is_forwarded(
    cluster: Cluster, ns: str, tmp_path: Path
) -> None:
    async with ApiProxy(cluster.client) as proxy:
        proxy.hide(f"/api/v1/namespaces/{ns}/configmaps")
        kubeconfig = proxy.write_kubeconfig(tmp_path / "proxy.kubeconfig")
        async with await RawClient.from_kubeconfig(kubeconfig) as through:
            with pytest.raises(ApiStatusError) as e:
                await through.list("v1", "configmaps", namespace=ns)
            assert (e.value.status, e.value.reason) == (404, "NotFound")
            assert e.value.message == "the server could not find the requested resource"
            assert (await through.get("v1", "namespaces", ns))["metadata"]["name"] == ns

            proxy.reveal()
            body = {"metadata": {"name": "c"}, "data": {"a": "1"}}
            async with through.watch("v1", "configmaps", namespace=ns) as w:
                await cluster.client.create("v1", "configmaps", body, namespace=ns)
                event = await w.next_matching(lambda e: e["object"]["metadata"]["name"] == "c")
            assert event["type"] == "ADDED"
