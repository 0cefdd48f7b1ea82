"""Per-store IRSA (``auth.jwt.serviceAccountRef``) and referent authentication, end to end.

The controller requests a token for the store's ServiceAccount (TokenRequest on the test
cluster), moto answers AssumeRoleWithWebIdentity (moto checks neither the token nor the role),
then Secrets Manager is read with the returned credentials. On a real cluster the token is real.
"""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
from controller_env import ES_API, REGION, Env

from eso.api import conditions as c

ROLE = "arn:aws:iam::123456789012:role/irsa-reader"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


async def service_account(env: Env, ns: str, *, role: str | None = ROLE) -> str:
    name = f"irsa-{secrets.token_hex(3)}"
    meta: dict[str, Any] = {"name": name}
    if role:
        meta["annotations"] = {ROLE_ANNOTATION: role}
    await env.raw.create("v1", "serviceaccounts", {"metadata": meta}, namespace=ns)
    return name


async def jwt_cluster_store(env: Env, sa_ref: dict[str, Any]) -> str:
    name = f"irsa-{env.suffix}"
    aws = {
        "service": "SecretsManager",
        "region": REGION,
        "auth": {"jwt": {"serviceAccountRef": sa_ref}},
    }
    body = {
        "apiVersion": ES_API,
        "kind": "ClusterSecretStore",
        "metadata": {"name": name},
        "spec": {"provider": {"aws": aws}},
    }
    await env.raw.create(ES_API, "clustersecretstores", body)
    env.cluster_objects.append(("clustersecretstores", name))
    return name


async def assumed_with_web_identity(env: Env) -> set[tuple[str, str]]:
    """(role ARN, session name) of every role moto handed out credentials for."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{env.moto.url}/moto-api/data.json") as resp,
    ):
        data = await resp.json(content_type=None)
    roles = (data.get("sts") or {}).get("AssumedRole") or []
    return {(r["role_arn"], r["session_name"]) for r in roles}


async def sync_one(env: Env, ns: str, *, store: str, key: str) -> None:
    await env.external_secret(
        ns,
        "app",
        store=store,
        store_kind="ClusterSecretStore",
        data=[{"secretKey": "value", "remoteRef": {"key": key}}],
    )


async def test_cluster_store_with_a_service_account_is_ready_and_syncs(env: Env) -> None:
    ns = await env.cluster.create_namespace()
    sa = await service_account(env, ns)
    key = f"irsa/{env.suffix}"
    await env.aws.create(key, "from-web-identity")
    store = await jwt_cluster_store(env, {"name": sa, "namespace": ns})

    cond = await env.wait_ready("clustersecretstores", store)
    assert cond["reason"] == c.REASON_STORE_VALID
    await sync_one(env, ns, store=store, key=key)
    secret = await env.wait_secret("app", ns)
    assert secret["data"]["value"] == "ZnJvbS13ZWItaWRlbnRpdHk="  # base64("from-web-identity")
    assert (ROLE, "external-secrets-provider-aws") in await assumed_with_web_identity(env)


async def test_deleting_the_service_account_makes_the_store_not_ready(env: Env) -> None:
    ns = await env.cluster.create_namespace()
    sa = await service_account(env, ns)
    store = await jwt_cluster_store(env, {"name": sa, "namespace": ns})
    await env.wait_ready("clustersecretstores", store)

    await env.raw.delete("v1", "serviceaccounts", sa, namespace=ns)
    cond = await env.wait_ready("clustersecretstores", store, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert f'cannot get service account "{sa}" in namespace "{ns}": not found' in cond["message"]


async def test_service_account_without_a_role_is_a_clear_store_error(env: Env) -> None:
    ns = await env.cluster.create_namespace()
    sa = await service_account(env, ns, role=None)
    store = await jwt_cluster_store(env, {"name": sa, "namespace": ns})

    cond = await env.wait_ready("clustersecretstores", store, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert f"an IAM role must be associated with service account {sa}" in cond["message"]


async def test_referent_service_account_is_resolved_in_the_reading_namespace(env: Env) -> None:
    """No namespace in serviceAccountRef: each ExternalSecret uses its own namespace's SA."""
    key = f"irsa/{env.suffix}"
    await env.aws.create(key, "shared-remote")
    name = f"irsa-{secrets.token_hex(3)}"
    namespaces = [await env.cluster.create_namespace() for _ in range(2)]
    for ns in namespaces:
        meta = {"name": name, "annotations": {ROLE_ANNOTATION: f"{ROLE}-{ns}"}}
        await env.raw.create("v1", "serviceaccounts", {"metadata": meta}, namespace=ns)
    store = await jwt_cluster_store(env, {"name": name})
    cond = await env.wait_ready("clustersecretstores", store)
    assert cond["reason"] == c.REASON_STORE_VALID  # ESO: referent stores validate as Ready

    for ns in namespaces:
        await sync_one(env, ns, store=store, key=key)
    for ns in namespaces:
        await env.wait_secret("app", ns)
    assumed = {role for role, _ in await assumed_with_web_identity(env)}
    assert {f"{ROLE}-{ns}" for ns in namespaces} <= assumed


async def test_referent_secret_ref_never_shares_values_between_namespaces(env: Env) -> None:
    """Namespace A has working keys, B wrong ones: B must fail, never get A's cached value."""
    key = f"referent/{env.suffix}"
    await env.aws.create(key, "only-for-a")
    user = await env.aws.create_user("referent", allow=["secretsmanager:*"])
    env.moto.enable_iam_auth()
    ns_a, ns_b = [await env.cluster.create_namespace() for _ in range(2)]
    await env.credentials(ns_a, access_key=user.access_key_id, secret_key=user.secret_access_key)
    await env.credentials(ns_b, access_key=user.access_key_id, secret_key="wrong-key-000000")
    store = await env.cluster_store("referent", cred_namespace=None)
    cond = await env.wait_ready("clustersecretstores", store)
    assert cond["reason"] == c.REASON_STORE_VALID

    await sync_one(env, ns_a, store=store, key=key)
    await env.wait_secret("app", ns_a)
    await sync_one(env, ns_b, store=store, key=key)
    cond = await env.wait_ready("externalsecrets", "app", ns_b, status="False")
    assert "wrong-key" not in cond["message"]
    assert await env.get("secrets", "app", ns_b) is None
