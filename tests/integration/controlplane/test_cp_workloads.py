"""apps/v1 workloads are served as kube-apiserver serves them, for eso's rollout on change.

No controller runs behind them locally; what eso relies on is the API: the three kinds in
discovery, and a merge or strategic-merge patch of the pod template's annotations that keeps
the rest of the template and bumps ``metadata.generation``. Every object is valid for a real
cluster and starts nothing there (``replicas: 0``, a DaemonSet selecting no node).
"""

from __future__ import annotations

from typing import Any

import pytest

from localkube.pytest_cluster import Cluster

LABELS = {"app": "cp-workload"}
NO_NODE = {"eso-test/no-such-node": "true"}


def _workload(kind: str) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.9"}]}
    spec: dict[str, Any] = {
        "selector": {"matchLabels": LABELS},
        "template": {"metadata": {"labels": LABELS}, "spec": pod},
    }
    if kind == "DaemonSet":
        pod["nodeSelector"] = NO_NODE
    else:
        spec["replicas"] = 0
    if kind == "StatefulSet":
        spec["serviceName"] = "cp-workload"
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "w"}, "spec": spec}


async def test_the_three_workload_kinds_are_in_discovery(cluster: Cluster) -> None:
    resources = await cluster.client.request("GET", "/apis/apps/v1")
    served = {r["name"]: r for r in resources["resources"]}
    for plural, kind, short in (
        ("deployments", "Deployment", "deploy"),
        ("statefulsets", "StatefulSet", "sts"),
        ("daemonsets", "DaemonSet", "ds"),
    ):
        assert served[plural]["kind"] == kind and served[plural]["namespaced"] is True
        assert short in served[plural]["shortNames"]
        assert "patch" in served[plural]["verbs"]
        assert f"{plural}/status" in served


@pytest.mark.parametrize(
    ("plural", "kind"),
    [("deployments", "Deployment"), ("statefulsets", "StatefulSet"), ("daemonsets", "DaemonSet")],
)
@pytest.mark.parametrize("patch_type", ["merge", "strategic"])
async def test_a_pod_template_annotation_patch_keeps_the_template_and_bumps_generation(
    cluster: Cluster, ns: str, plural: str, kind: str, patch_type: str
) -> None:
    created = await cluster.client.create("apps/v1", plural, _workload(kind), namespace=ns)
    patch = {"spec": {"template": {"metadata": {"annotations": {"secret-hash.eso.io/x": "1"}}}}}
    patched = await cluster.client.patch(
        "apps/v1", plural, "w", patch, namespace=ns, patch_type=patch_type
    )
    template = patched["spec"]["template"]
    assert template["metadata"]["annotations"] == {"secret-hash.eso.io/x": "1"}
    assert template["metadata"]["labels"] == LABELS
    assert template["spec"]["containers"][0]["name"] == "c"
    assert patched["metadata"]["generation"] == created["metadata"]["generation"] + 1
