"""kubectl 1.32 against the cluster fixture: apply a CRD and a resource, get, describe.

kubectl exercises what a hand-written client would not: aggregated-discovery fallback,
OpenAPI v3 probing for server-side field validation, client-side apply's GET-then-PATCH
with the last-applied annotation, Table printing and the describer's event search.
kubectl runs as a subprocess; the local control plane shares this event loop, so the
subprocess is awaited, never waited on synchronously.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import shutil
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import yaml

from localkube.pytest_cluster import Cluster

pytestmark = pytest.mark.kubectl


def gadget_crd(group: str) -> dict[str, object]:
    """A CRD in ``group``: unique per test, as every cluster-scoped name a test creates."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "gadgets",
                "singular": "gadget",
                "kind": "Gadget",
                "shortNames": ["gdg"],
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "integer"}},
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


def gadget(size: int, *, group: str) -> dict[str, object]:
    return {
        "apiVersion": f"{group}/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1"},
        "spec": {"size": size},
    }


class Kubectl:
    def __init__(self, cluster: Cluster, tmp: Path) -> None:
        self.binary = shutil.which("kubectl") or "kubectl"
        self.base = ["--kubeconfig", str(cluster.kubeconfig), "--cache-dir", str(tmp / "cache")]
        self.tmp = tmp

    async def __call__(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            self.binary,
            *self.base,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {err.decode()}"
        assert b"warning" not in err.lower(), err.decode()
        return out.decode()

    async def apply(self, doc: Mapping[str, object], *, namespace: str | None = None) -> str:
        path = self.tmp / "doc.yaml"
        path.write_text(yaml.safe_dump(dict(doc)))
        ns = ["-n", namespace] if namespace else []
        return await self("apply", "-f", str(path), *ns)


@pytest.fixture
def kubectl(cluster: Cluster, tmp_path: Path) -> Kubectl:
    return Kubectl(cluster, tmp_path)


@pytest.fixture
async def group(cluster: Cluster) -> AsyncIterator[str]:
    """A fresh API group for the test's Gadget CRD, deleted (and waited for) afterwards."""
    name = f"smoke{secrets.token_hex(4)}.eso.example.com"
    yield name
    await cluster.delete_crd(f"gadgets.{name}")


async def test_kubectl_applies_a_crd_and_a_custom_resource(
    cluster: Cluster, kubectl: Kubectl, group: str
) -> None:
    ns = await cluster.create_namespace()
    assert "gadgets." in await kubectl.apply(gadget_crd(group))
    await cluster.wait_crd_served(f"gadgets.{group}")
    assert "created" in await kubectl.apply(gadget(4, group=group), namespace=ns)
    assert "configured" in await kubectl.apply(gadget(5, group=group), namespace=ns)
    got = json.loads(await kubectl("get", "gadget", "g1", "-n", ns, "-o", "json"))
    assert got["spec"] == {"size": 5}
    assert "kubectl.kubernetes.io/last-applied-configuration" in got["metadata"]["annotations"]


async def test_kubectl_get_prints_printer_columns(
    cluster: Cluster, kubectl: Kubectl, group: str
) -> None:
    ns = await cluster.create_namespace()
    await cluster.install_crd(gadget_crd(group))
    await kubectl.apply(gadget(7, group=group), namespace=ns)
    lines = (await kubectl("get", "gdg", "-n", ns)).splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "AGE"]
    assert lines[1].split()[:2] == ["g1", "7"]


async def test_kubectl_describe_shows_the_resource(
    cluster: Cluster, kubectl: Kubectl, group: str
) -> None:
    ns = await cluster.create_namespace()
    await cluster.install_crd(gadget_crd(group))
    await kubectl.apply(gadget(3, group=group), namespace=ns)
    out = await kubectl("describe", "gadget", "g1", "-n", ns)
    assert "Name:         g1" in out and "Size:  3" in out


async def test_kubectl_applies_and_updates_a_built_in_kind(
    cluster: Cluster, kubectl: Kubectl
) -> None:
    ns = await cluster.create_namespace()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    await kubectl.apply(cm, namespace=ns)
    await kubectl.apply({**cm, "data": {"b": "2"}}, namespace=ns)
    got = await cluster.client.get("v1", "configmaps", "c", namespace=ns)
    assert got["data"] == {"b": "2"}
    assert "NAME" in await kubectl("get", "configmaps", "-n", ns)


async def test_kubectl_create_commands_work(cluster: Cluster, kubectl: Kubectl) -> None:
    """Typed commands send protobuf bodies; the ones ESO's docs use must be accepted."""
    ns = await cluster.create_namespace()
    await kubectl(
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        ns,
        "--from-literal=user=admin",
        "--type=example.com/creds",
    )
    await kubectl("create", "configmap", "settings", "-n", ns, "--from-literal=a=b")
    secret = await cluster.client.get("v1", "secrets", "creds", namespace=ns)
    assert secret["data"] == {"user": "YWRtaW4="} and secret["type"] == "example.com/creds"
    configmap = await cluster.client.get("v1", "configmaps", "settings", namespace=ns)
    assert configmap["data"] == {"a": "b"}


def _claims(token: str) -> dict[str, object]:
    payload = token.strip().split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_kubectl_create_token_issues_the_requested_token(
    cluster: Cluster, kubectl: Kubectl
) -> None:
    """kubectl 1.32 sends its TokenRequest as protobuf; audiences, duration and the bound
    object it encodes reach the token, as with kube-apiserver."""
    ns = await cluster.create_namespace()
    await kubectl("create", "secret", "generic", "bound", "-n", ns, "--from-literal=a=b")
    uid = str((await cluster.client.get("v1", "secrets", "bound", namespace=ns))["metadata"]["uid"])
    token = await kubectl(
        "create", "token", "default", "-n", ns, "--audience", "sts.amazonaws.com",
        "--duration", "2h", "--bound-object-kind", "Secret", "--bound-object-name", "bound",
        "--bound-object-uid", uid,
    )  # fmt: skip
    claims = _claims(token)
    assert claims["aud"] == ["sts.amazonaws.com"]
    assert int(str(claims["exp"])) - int(str(claims["iat"])) == 7200
    assert claims["sub"] == f"system:serviceaccount:{ns}:default"
    bound = claims["kubernetes.io"]
    assert isinstance(bound, dict) and bound["secret"] == {"name": "bound", "uid": uid}


async def test_discovery_lists_the_token_subresource(kubectl: Kubectl) -> None:
    resources = json.loads(await kubectl("get", "--raw", "/api/v1"))["resources"]
    (token,) = [r for r in resources if r["name"] == "serviceaccounts/token"]
    assert token["kind"] == "TokenRequest" and token["verbs"] == ["create"]
    assert (token["group"], token["version"]) == ("authentication.k8s.io", "v1")
