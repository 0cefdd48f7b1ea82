"""A Secret close to its 1 MiB limit is written like any other (the JSON body is ~1.4 MB)."""

from __future__ import annotations

import base64

from eso.kube.client import KubeClient
from eso.kube.resources import SECRETS
from eso.metrics import Metrics
from eso.settings import ClientSettings
from localkube.pytest_cluster import Cluster


async def test_a_secret_near_the_size_limit_is_created_and_read_back(cluster: Cluster) -> None:
    ns = await cluster.create_namespace()
    value = bytes(range(256)) * 3200  # 800 KiB raw, ~1.07 MB base64
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "big", "namespace": ns},
        "data": {"blob": base64.b64encode(value).decode()},
    }
    async with await KubeClient.from_config(
        kubeconfig=str(cluster.kubeconfig), settings=ClientSettings(), metrics=Metrics().client
    ) as kube:
        await kube.create(SECRETS, body=body)
        got = await kube.get(SECRETS, namespace=ns, name="big")
    assert base64.b64decode(got["data"]["blob"]) == value
