"""Per-store IRSA (``auth.jwt.serviceAccountRef``) and referent authentication, end to end.

The controller requests a token for the store's ServiceAccount (TokenRequest on the test
cluster), moto answers AssumeRoleWithWebIdentity (moto checks neither the token nor the role),
then Secrets Manager is read with the returned credentials. On a real cluster the token is real.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from controller_env import ES_API, REGION, Env
from oidc_sts import VerifyingSts

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


# --- against an STS that verifies tokens as AWS does -----------------------------------------


@pytest.fixture
async def sts(env: Env, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[VerifyingSts]:
    """A verifying STS trusting the test cluster's issuer; eso's STS calls go there."""
    oidc = await env.raw.request("GET", "/.well-known/openid-configuration")
    jwks = await env.raw.request("GET", "/openid/v1/jwks")
    front = VerifyingSts(jwks=jwks, issuer=oidc["issuer"], trust={})
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", await front.start())
    yield front
    await front.stop()


async def test_a_verified_token_makes_the_store_ready(env: Env, sts: VerifyingSts) -> None:
    ns = await env.cluster.create_namespace()
    sa = await service_account(env, ns)
    sts.trust[ROLE] = f"system:serviceaccount:{ns}:{sa}"
    store = await jwt_cluster_store(env, {"name": sa, "namespace": ns, "audiences": ["extra"]})
    await env.wait_ready("clustersecretstores", store)
    assert sts.accepted == [f"system:serviceaccount:{ns}:{sa}"]


@pytest.mark.parametrize(
    ("audience", "trusted", "expected"),
    [
        pytest.param("not-sts", True, "InvalidIdentityToken: Incorrect token audience", id="aud"),
        pytest.param(None, False, "AccessDenied: Not authorized", id="role-not-assumable"),
    ],
)
async def test_a_refused_web_identity_makes_the_store_not_ready(
    env: Env, sts: VerifyingSts, audience: str | None, trusted: bool, expected: str
) -> None:
    ns = await env.cluster.create_namespace()
    sa = await service_account(env, ns)
    if audience is not None:
        patch = {"metadata": {"annotations": {"eks.amazonaws.com/audience": audience}}}
        await env.raw.patch("v1", "serviceaccounts", sa, patch, namespace=ns)
    if trusted:
        sts.trust[ROLE] = f"system:serviceaccount:{ns}:{sa}"
    store = await jwt_cluster_store(env, {"name": sa, "namespace": ns})

    cond = await env.wait_ready("clustersecretstores", store, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert expected in cond["message"] and ROLE in cond["message"]
    assert "eyJ" not in cond["message"]  # no token, not even in part
    assert sts.accepted == []
