"""Store behaviour over time: periodic revalidation, refreshInterval, controller classes."""

from __future__ import annotations

from typing import Any

from controller_env import ES_API, Env

from eso.api import conditions as c
from localkube.pytest_cluster import wait_for


async def _store(env: Env, ns: str, **spec: Any) -> None:
    body = {
        "apiVersion": ES_API,
        "kind": "SecretStore",
        "metadata": {"name": "aws-store", "namespace": ns},
        "spec": {**env.store_spec("awssm-secret", None), **spec},
    }
    await env.raw.create(ES_API, "secretstores", body, namespace=ns)


async def test_a_store_is_revalidated_without_any_change_to_it(env: Env) -> None:
    """Credentials revoked in AWS are noticed by the next revalidation (store_requeue_interval,
    2 s in these tests): nothing in the cluster changes to trigger it."""
    key = await env.aws.create_user("eso", allow=["secretsmanager:*"])
    env.moto.enable_iam_auth()
    ns = await env.cluster.create_namespace()
    await env.credentials(ns, access_key=key.access_key_id, secret_key=key.secret_access_key)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)

    env.moto.disable_iam_auth()  # for the test's own admin call
    async with env.aws.client("iam") as iam:
        await iam.delete_access_key(UserName="eso", AccessKeyId=key.access_key_id)
    env.moto.enable_iam_auth()
    cond = await env.wait_ready("secretstores", "aws-store", ns, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert cond["message"].startswith(c.MSG_UNABLE_VALIDATE_STORE + ": ")


async def test_a_store_refresh_interval_that_is_not_a_duration_is_reported(env: Env) -> None:
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await _store(env, ns, refreshInterval="every-hour")

    cond = await env.wait_ready("secretstores", "aws-store", ns, status="False")
    assert cond["reason"] == c.REASON_INVALID_PROVIDER_CONFIG
    assert cond["message"].startswith(c.MSG_UNABLE_VALIDATE_STORE + ": ")
    assert 'spec.refreshInterval "every-hour"' in cond["message"]

    # the recorder sends events from its own task, after the status write: poll for it
    async def warned() -> bool:
        events = (await env.raw.list("v1", "events", namespace=ns)).get("items", [])
        return any(
            e.get("type") == "Warning"
            and e.get("reason") == c.REASON_INVALID_PROVIDER_CONFIG
            and "every-hour" in e.get("message", "")
            and e["involvedObject"].get("namespace") == ns
            for e in events
        )

    await wait_for(warned, timeout=10.0)


async def test_a_store_claiming_the_default_controller_class_is_served(env: Env) -> None:
    """ESO's --controller-class defaults to "default"; eso's does too."""
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await _store(env, ns, controller="default")
    cond = await env.wait_ready("secretstores", "aws-store", ns)
    assert cond["reason"] == c.REASON_STORE_VALID
