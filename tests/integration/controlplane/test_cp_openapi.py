"""/version and the OpenAPI documents: what kubectl reads before it sends anything."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from localkube.pytest_cluster import Cluster


async def test_version_and_openapi_documents_name_the_same_release(cluster: Cluster) -> None:
    c = cluster.client
    version = await c.request("GET", "/version")
    major, minor = version["major"], version["minor"]
    assert version["gitVersion"].startswith(f"v{major}.{minor}.")
    assert (version["emulationMajor"], version["emulationMinor"]) == (major, minor)
    v2 = await c.request("GET", "/openapi/v2")
    v3 = await c.request("GET", "/openapi/v3/api/v1")
    assert v2["swagger"] == "2.0"
    assert v2["info"]["version"] == v3["info"]["version"] == version["gitVersion"]


@pytest.mark.kubectl
async def test_kubectl_applying_a_kind_without_a_crd_says_to_install_the_crds(
    cluster: Cluster, ns: str, tmp_path: Path
) -> None:
    """kubectl validates such a kind client-side from /openapi/v2 first, then maps it."""
    doc = tmp_path / "pushsecret.yaml"
    doc.write_text(
        "apiVersion: nothing-installed.eso.example.com/v1alpha1\n"
        "kind: PushSecret\n"
        f"metadata: {{name: p, namespace: {ns}}}\n"
        "spec: {}\n"
    )
    proc = await asyncio.create_subprocess_exec(
        shutil.which("kubectl") or "kubectl",
        "--kubeconfig",
        str(cluster.kubeconfig),
        "--cache-dir",
        str(tmp_path / "cache"),
        "apply",
        "--dry-run=server",
        "-f",
        str(doc),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 1
    assert (
        'no matches for kind "PushSecret" in version "nothing-installed.eso.example.com/v1alpha1"'
        in err.decode()
    )
    assert "ensure CRDs are installed first" in err.decode()
    assert "error validating data" not in err.decode()
