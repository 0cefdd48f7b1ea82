"""SecretStore and ClusterSecretStore validation, credential rules, and fail-fast on not Ready."""

from __future__ import annotations

from typing import Any

from controller_env import Env

from eso.api import conditions as c
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError

WRONG_SECRET_KEY = "wrong-secret-key-value-0000"


async def _with_iam(env: Env) -> tuple[str, str]:
    """An IAM user allowed to read secrets, then moto checking every signature."""
    key = await env.aws.create_user("eso", allow=["secretsmanager:*"])
    env.moto.enable_iam_auth()
    return key.access_key_id, key.secret_access_key


async def test_wrong_keys_make_the_store_not_ready_with_a_clear_message(env: Env) -> None:
    access_key, _ = await _with_iam(env)
    ns = await env.cluster.create_namespace()
    await env.credentials(ns, access_key=access_key, secret_key=WRONG_SECRET_KEY)
    await env.secret_store(ns)

    cond = await env.wait_ready("secretstores", "aws-store", ns, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert cond["message"].startswith(c.MSG_UNABLE_VALIDATE_STORE + ": ")
    assert WRONG_SECRET_KEY not in cond["message"]


async def test_store_becomes_ready_when_its_credentials_are_fixed(env: Env) -> None:
    access_key, secret_key = await _with_iam(env)
    ns = await env.cluster.create_namespace()
    await env.credentials(ns, access_key=access_key, secret_key=WRONG_SECRET_KEY)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns, status="False")

    patch = {"stringData": {"secret-access-key": secret_key}}
    await env.raw.patch("v1", "secrets", "awssm-secret", patch, namespace=ns)
    cond = await env.wait_ready("secretstores", "aws-store", ns)
    assert cond["reason"] == c.REASON_STORE_VALID
    registry = env.metrics.registry
    labels = {"name": "aws-store", "namespace": ns}

    async def timed() -> bool:  # recorded as the reconcile returns, just after the status write
        count = "eso_secretstore_reconcile_duration_seconds_count"
        return (registry.get_sample_value(count, {"result": "success"}) or 0) >= 1

    await wait_for(timed, timeout=10.0)
    duration = registry.get_sample_value("secretstore_reconcile_duration", labels)
    assert duration is not None and duration > 0  # ESO's gauge, in nanoseconds


async def test_namespaced_store_reading_another_namespaces_credentials_is_refused(
    env: Env,
) -> None:
    creds_ns = await env.cluster.create_namespace("eso-creds-")
    ns = await env.cluster.create_namespace()
    await env.credentials(creds_ns)
    try:
        await env.secret_store(ns, cred_namespace=creds_ns)
    except ApiStatusError as e:  # a CRD validation rule may already refuse it
        assert e.status == 422
        return
    cond = await env.wait_ready("secretstores", "aws-store", ns, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert creds_ns in cond["message"] or "namespace" in cond["message"]


async def test_external_secret_fails_fast_when_its_store_is_not_ready(env: Env) -> None:
    access_key, _ = await _with_iam(env)
    ns = await env.cluster.create_namespace()
    await env.credentials(ns, access_key=access_key, secret_key=WRONG_SECRET_KEY)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns, status="False")

    await env.external_secret(ns, "app", data=[{"secretKey": "k", "remoteRef": {"key": "x"}}])
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert 'SecretStore "aws-store" is not ready' in cond["message"]
    assert await env.get("secrets", "app", ns) is None


async def test_cluster_store_conditions_refuse_other_namespaces(env: Env) -> None:
    creds_ns = await env.cluster.create_namespace("eso-creds-")
    ns = await env.cluster.create_namespace()
    await env.credentials(creds_ns)
    store = await env.cluster_store("limited", cred_namespace=creds_ns)
    await env.raw.patch(
        "external-secrets.io/v1",
        "clustersecretstores",
        store,
        {"spec": {"conditions": [{"namespaces": [creds_ns]}]}},
    )
    await env.wait_ready("clustersecretstores", store)
    await env.aws.create("x", "v")
    await env.external_secret(
        ns,
        "app",
        store=store,
        store_kind="ClusterSecretStore",
        data=[{"secretKey": "k", "remoteRef": {"key": "x"}}],
    )
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert "denied by spec.condition" in cond["message"]


async def test_cold_start_waits_for_a_new_store_instead_of_reporting_it_not_ready(
    env: Env,
) -> None:
    """ExternalSecrets created with their store, then a cold start: none reports the store
    "not ready" while it awaits its first validation; all sync once it is validated."""
    ns = await env.cluster.create_namespace()
    names = [f"app-{i}" for i in range(20)]
    await env.stop_manager()
    await env.aws.create("x", "v")
    await env.credentials(ns)
    await env.secret_store(ns)
    for name in names:
        await env.external_secret(ns, name, data=[{"secretKey": "k", "remoteRef": {"key": "x"}}])
    await env.start_manager()
    registry = env.metrics.registry

    async def all_synced() -> bool:
        listed = await env.raw.list("external-secrets.io/v1", "externalsecrets", namespace=ns)
        for item in listed.get("items") or []:
            conds = (item.get("status") or {}).get("conditions") or []
            assert all("is not ready" not in cond.get("message", "") for cond in conds)
        ready = [item for item in listed.get("items") or [] if _ready(item)]
        return len(ready) == len(names)

    await wait_for(all_synced, timeout=30.0)
    for name in names:  # counted as the failure is marked, before its status write
        errors = registry.get_sample_value(
            "externalsecret_sync_calls_error", {"name": name, "namespace": ns}
        )
        assert not errors, f"{name} failed {errors} times"
    events = await env.raw.list("v1", "events", namespace=ns)
    assert all("is not ready" not in e.get("message", "") for e in events.get("items") or [])


def _ready(obj: dict[str, Any]) -> bool:
    conds = (obj.get("status") or {}).get("conditions") or []
    return any(c_.get("type") == "Ready" and c_.get("status") == "True" for c_ in conds)
