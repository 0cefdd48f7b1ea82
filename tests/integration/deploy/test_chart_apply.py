"""The install bundle and the chart's optional objects apply to a cluster.

The objects are manifests/install.yaml's (its Namespace, then the chart's CRDs, RBAC,
ServiceAccount, Service and Deployment) plus what only optional values render (ServiceMonitor,
PrometheusRule, dashboard ConfigMap, PodDisruptionBudget), rendered for a release and namespace
unique to the test, so a shared cluster's own eso install (or another run's) never collides;
what a test creates is deleted and waited for, except the CRDs, whose names are fixed and which
other tests share: they are created or updated, never deleted. One test per kind, so a kind the
cluster does not serve is an explicit skip naming it (the local control plane serves no
Deployments, RBAC, Services or prometheus-operator kinds; a real cluster via
ESO_TEST_KUBECONFIG serves all but the latter unless prometheus-operator is installed).
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from localkube.pytest_cluster import Cluster, wait_for
from localkube.rawclient import ApiStatusError, RawClient

ROOT = Path(__file__).resolve().parents[3]
OPTIONAL_VALUES = {
    "serviceMonitor": {"enabled": True},
    "prometheusRule": {"enabled": True},
    "grafanaDashboard": {"enabled": True},
    "podDisruptionBudget": {"enabled": True},
}
KINDS = [
    "Namespace",
    "CustomResourceDefinition",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "Deployment",
    "ConfigMap",
    "PodDisruptionBudget",
    "ServiceMonitor",
    "PrometheusRule",
]

Obj = dict[str, Any]


def chart_objects(helm: Path, *, release: str, namespace: str) -> list[Obj]:
    """install.yaml's Namespace renamed, then the chart rendered with the optional values."""
    bundle = yaml.safe_load_all((ROOT / "manifests/install.yaml").read_text())
    ns = next(d for d in bundle if d and d["kind"] == "Namespace")
    ns["metadata"]["name"] = namespace
    out = subprocess.run(
        [str(helm), "template", release, str(ROOT / "charts/eso"), "-n", namespace, "-f", "-"],
        input=yaml.safe_dump(OPTIONAL_VALUES),
        capture_output=True,
        text=True,
        check=True,
    )
    return [ns, *(d for d in yaml.safe_load_all(out.stdout) if d)]


@pytest.fixture
def release() -> str:
    return f"eso-{secrets.token_hex(4)}"


@pytest.fixture
def objects(helm: Path, release: str) -> list[Obj]:
    return chart_objects(helm, release=release, namespace=f"{release}-system")


async def plural_of(client: RawClient, api_version: str, kind: str) -> str | None:
    """The resource name the cluster serves ``kind`` under, or None (discovery)."""
    path = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    try:
        resources = await client.request("GET", path)
    except ApiStatusError as e:
        if e.status == 404:
            return None
        raise
    for r in resources["resources"]:
        if r["kind"] == kind and "/" not in r["name"]:
            name: str = r["name"]
            return name
    return None


def assert_contains(sent: Any, got: Any, where: str) -> None:
    """Everything sent came back; the server may add defaults but not drop or change fields."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), where
        for k, v in sent.items():
            assert k in got, f"{where}.{k} was dropped"
            assert_contains(v, got[k], f"{where}.{k}")
    elif isinstance(sent, list):
        assert isinstance(got, list) and len(got) == len(sent), where
        for i, (s, g) in enumerate(zip(sent, got, strict=True)):
            assert_contains(s, g, f"{where}[{i}]")
    else:
        assert sent == got, f"{where}: sent {sent!r}, got {got!r}"


class Applier:
    """Creates objects and deletes them again at the end, newest first."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.created: list[tuple[str, str, str, str | None]] = []

    async def create(self, obj: Obj) -> Obj:
        c = self.cluster.client
        api, kind = obj["apiVersion"], obj["kind"]
        plural = await plural_of(c, api, kind)
        assert plural is not None, f"{api} {kind} is not served"
        ns = obj["metadata"].get("namespace")
        if kind == "CustomResourceDefinition":
            got = await self.cluster.install_crd(obj)
        else:
            got = await c.create(api, plural, obj, namespace=ns)
        self.created.append((api, plural, obj["metadata"]["name"], ns))
        return got

    async def ensure_namespace(self, obj: Obj) -> None:
        """Create the namespace, after the previous test's copy finished terminating (a real
        cluster's namespace controller takes seconds; creating in it meanwhile is 403)."""
        name = obj["metadata"]["name"]
        try:
            await self.create(obj)
        except ApiStatusError as e:
            if e.status != 409:
                raise
            current = await self.cluster.client.get("v1", "namespaces", name)
            if not current["metadata"].get("deletionTimestamp"):
                return
            await wait_for(lambda: self._namespace_gone(name), timeout=120)
            await self.create(obj)

    async def _namespace_gone(self, name: str) -> bool:
        try:
            await self.cluster.client.get("v1", "namespaces", name)
        except ApiStatusError as e:
            if e.status == 404:
                return True
            raise
        return False

    async def cleanup(self) -> None:
        """Delete what was created (CRDs excepted: shared), newest first; wait until gone."""
        deleted = []
        for api, plural, name, ns in reversed(self.created):
            if plural == "customresourcedefinitions":
                continue
            try:
                await self.cluster.client.delete(api, plural, name, namespace=ns)
            except ApiStatusError as e:
                if e.status != 404:
                    raise
            deleted.append((api, plural, name, ns))
        await asyncio.gather(*(self._wait_gone(*ref) for ref in deleted))

    async def _wait_gone(self, api: str, plural: str, name: str, ns: str | None) -> None:
        async def gone() -> bool:
            try:
                await self.cluster.client.get(api, plural, name, namespace=ns)
            except ApiStatusError as e:
                if e.status == 404:
                    return True
                raise
            return False

        await wait_for(gone, timeout=120)


@pytest.fixture
async def applier(cluster: Cluster) -> AsyncIterator[Applier]:
    a = Applier(cluster)
    try:
        yield a
    finally:
        await a.cleanup()


def body_of(obj: Obj) -> Obj:
    """The parts of an object a client sets, beyond metadata."""
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata", "status")}


@pytest.mark.helm
def test_every_rendered_kind_is_covered(objects: list[Obj]) -> None:
    kinds = {o["kind"] for o in objects}
    assert kinds <= set(KINDS), f"add {kinds - set(KINDS)} to KINDS"
    assert set(KINDS) - {"CustomResourceDefinition"} <= kinds
    assert objects[0]["kind"] == "Namespace"
    assert {o["metadata"].get("namespace") for o in objects[1:]} <= {
        objects[0]["metadata"]["name"],
        None,
    }


@pytest.mark.helm
@pytest.mark.parametrize("kind", KINDS)
async def test_chart_objects_apply(
    cluster: Cluster, applier: Applier, objects: list[Obj], kind: str
) -> None:
    of_kind = [o for o in objects if o["kind"] == kind]
    if not of_kind:
        pytest.skip(f"the chart renders no {kind} yet (manifests/crds empty?)")
    api = of_kind[0]["apiVersion"]
    if await plural_of(cluster.client, api, kind) is None:
        pytest.skip(f"the cluster does not serve {api} {kind}")
    if kind != "Namespace":
        await applier.ensure_namespace(objects[0])
    for obj in of_kind:
        got = await applier.create(obj)
        where = f"{kind}/{obj['metadata']['name']}"
        assert_contains(obj["metadata"].get("labels", {}), got["metadata"]["labels"], where)
        assert_contains(body_of(obj), body_of(got), where)
    if kind == "CustomResourceDefinition":
        for crd in of_kind:
            served = await plural_of(
                cluster.client,
                f"{crd['spec']['group']}/{crd['spec']['versions'][0]['name']}",
                crd["spec"]["names"]["kind"],
            )
            assert served == crd["spec"]["names"]["plural"]
