"""The README's PushSecret and ClusterPushSecret examples (ESO's own, restated in
``manifests/examples``) apply and do what their comments say.

Each test moves the example into its own namespace, onto its own store and (for cluster-scoped
names and labels) a unique suffix, so it runs unchanged on a shared cluster.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from controller_env import Env

from eso.api import pushconditions as pc
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError

EXAMPLES = Path(__file__).resolve().parents[3] / "manifests" / "examples"
PS_API = "external-secrets.io/v1alpha1"
WANT = {"best-pokemon-dst": "PIKACHU is the really best!"}


def docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d]


def on_test_store(spec: dict[str, Any]) -> None:
    spec["secretStoreRefs"] = [{"name": "aws-store", "kind": "SecretStore"}]


async def store_namespace(env: Env) -> str:
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    return ns


async def destination(env: Env) -> dict[str, Any] | None:
    async with env.aws.client() as sm:
        try:
            got = await sm.get_secret_value(SecretId="destination-secret")
        except sm.exceptions.ResourceNotFoundException:
            return None
        except sm.exceptions.InvalidRequestException:  # scheduled for deletion
            return {}
    found: dict[str, Any] = json.loads(got["SecretBinary"])
    return found


async def ready_reason(env: Env, ns: str, name: str) -> str | None:
    try:
        obj = await env.raw.get(PS_API, "pushsecrets", name, namespace=ns)
    except ApiStatusError as e:
        if e.status == 404:
            return None
        raise
    conds = (obj.get("status") or {}).get("conditions") or []
    return next((c.get("reason") for c in conds if c["type"] == "Ready"), None)


async def gone(env: Env, ns: str, name: str) -> bool:
    try:
        await env.raw.get(PS_API, "pushsecrets", name, namespace=ns)
    except ApiStatusError as e:
        return e.status == 404
    return False


async def test_the_push_secret_example_pushes_the_templated_value_and_cleans_up(env: Env) -> None:
    ns = await store_namespace(env)
    for doc in docs("push-secret.yaml"):
        doc["metadata"]["namespace"] = ns
        if doc["kind"] == "PushSecret":
            on_test_store(doc["spec"])
        api = doc["apiVersion"]
        plural = {"Secret": "secrets", "ConfigMap": "configmaps"}.get(doc["kind"], "pushsecrets")
        await env.raw.create(api, plural, doc, namespace=ns)

    async def synced() -> bool:
        return await ready_reason(env, ns, "pushsecret-example") == pc.REASON_SYNCED

    await wait_for(synced, timeout=20.0)
    assert await destination(env) == WANT

    await env.raw.delete(PS_API, "pushsecrets", "pushsecret-example", namespace=ns)
    await wait_for(lambda: gone(env, ns, "pushsecret-example"), timeout=20.0)
    assert await destination(env) == {}  # deleted (in its recovery window)


async def test_the_cluster_push_secret_example_pushes_from_each_labelled_namespace(
    env: Env,
) -> None:
    (cps,) = docs("cluster-push-secret.yaml")
    cps = copy.deepcopy(cps)
    name = f"{cps['metadata']['name']}-{env.suffix}"
    cps["metadata"]["name"] = name
    cps["spec"]["namespaceSelectors"] = [{"matchLabels": {"cool": env.suffix}}]
    on_test_store(cps["spec"]["pushSecretSpec"])
    ns = await store_namespace(env)
    source = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "source-secret", "namespace": ns},
        "stringData": {"best-pokemon-src": "Pikachu"},
    }
    await env.raw.create("v1", "secrets", source, namespace=ns)
    await env.raw.patch("v1", "namespaces", ns, {"metadata": {"labels": {"cool": env.suffix}}})
    await env.raw.create(PS_API, "clusterpushsecrets", cps)
    try:

        async def synced() -> bool:
            return await ready_reason(env, ns, "hello-world-ps") == pc.REASON_SYNCED

        await wait_for(synced, timeout=30.0)
        assert await destination(env) == WANT
        status = (await env.raw.get(PS_API, "clusterpushsecrets", name))["status"]
        assert status["provisionedNamespaces"] == [ns]
    finally:
        await env.cluster.delete_and_wait(PS_API, "clusterpushsecrets", name)
        # Its child goes with it (owner reference) once deletionPolicy Delete has cleaned up.
        await wait_for(lambda: gone(env, ns, "hello-world-ps"), timeout=30.0)
    assert await destination(env) == {}
