"""A kubectl-applied ExternalSecret: cached without its last-applied copy, synced as ESO would."""

from __future__ import annotations

import json

from controller_env import ES_API, Env

from eso.controllers.externalsecret.versions import synced_resource_version
from eso.kube.informer import LAST_APPLIED


async def test_kubectl_applied_external_secret_syncs_with_esos_resource_version(
    env: Env,
) -> None:
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    await env.aws.create("db", "v1")
    spec = {
        "refreshInterval": "1h",
        "secretStoreRef": {"name": "aws-store", "kind": "SecretStore"},
        "target": {"name": "app"},
        "data": [{"secretKey": "password", "remoteRef": {"key": "db"}}],
    }
    manifest = {"apiVersion": ES_API, "kind": "ExternalSecret", "spec": spec}
    annotations = {"team": "a", LAST_APPLIED: json.dumps(manifest)}
    body = {**manifest, "metadata": {"name": "app", "namespace": ns, "annotations": annotations}}
    await env.raw.create(ES_API, "externalsecrets", body, namespace=ns)

    await env.wait_ready("externalsecrets", "app", ns)
    server = await env.get("externalsecrets", "app", ns)
    assert server is not None
    assert server["status"]["syncedResourceVersion"] == synced_resource_version(server["metadata"])
    cached = env.manager.external_secrets.cache.get(f"{ns}/app")
    assert cached is not None
    assert cached["metadata"]["annotations"] == {"team": "a"}
