"""What the target Secret may become: immutable, size-limited, not written, written only on change;
and when an ExternalSecret syncs again (refreshInterval 0, permanent provider failures)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from controller_env import ES_API, Env

from eso.api import conditions as c
from eso.controllers.runtime.worker import Result
from eso.providers.aws.reader import PROVIDER_LABEL
from localkube.pytest_cluster import wait_for

DATA = [{"secretKey": "password", "remoteRef": {"key": "db"}}]
FORCE_SYNC = {"metadata": {"annotations": {c.ANNOTATION_FORCE_SYNC: "1"}}}


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _aws_calls(env: Env) -> float:
    sample = env.metrics.registry.get_sample_value
    return sum(
        sample(
            "externalsecret_provider_api_calls_count",
            {"provider": PROVIDER_LABEL, "call": call, "status": status},
        )
        or 0
        for call in ("GetSecretValue", "BatchGetSecretValue")
        for status in ("success", "error")
    )


async def _events(env: Env, ns: str, reason: str) -> list[dict[str, Any]]:
    events = await env.raw.list("v1", "events", namespace=ns)
    return [e for e in events.get("items", []) if e.get("reason") == reason]


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with a Ready SecretStore ``aws-store`` and the AWS secret ``db`` = ``v1``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.aws.create("db", "v1")
    await env.wait_ready("secretstores", "aws-store", name)
    return name


# --- immutable ------------------------------------------------------------------------------


async def test_immutable_target_is_created_immutable_and_never_rewritten(env: Env, ns: str) -> None:
    target = {"name": "app", "immutable": True}
    await env.external_secret(ns, "app", refresh="1s", target=target, data=DATA)
    before = await env.wait_secret("app", ns)
    assert before.get("immutable") is True
    assert _data(before) == {"password": b"v1"}

    await env.aws.put("db", "v2")
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert cond["message"] == c.MSG_ERROR_UPDATE_IMMUTABLE
    after = await env.get("secrets", "app", ns)
    assert after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert _data(after) == {"password": b"v1"}


# --- the 1 MiB limit ------------------------------------------------------------------------

CHUNK = 60 * 1024  # under AWS's 64 KiB per secret; 18 of them exceed a Secret's 1 MiB
BIG = [{"secretKey": f"part-{i:02d}", "remoteRef": {"key": f"part-{i:02d}"}} for i in range(18)]


async def test_values_over_one_mebibyte_fail_clearly_and_keep_the_old_secret(
    env: Env, ns: str
) -> None:
    await env.aws.create_many({f"part-{i:02d}": "small" for i in range(18)})
    await env.external_secret(ns, "big", data=BIG)
    before = await env.wait_secret("big", ns)

    async with env.aws.client() as sm:  # one connection for the 18 writes
        for i in range(18):
            await sm.put_secret_value(SecretId=f"part-{i:02d}", SecretString="V" * CHUNK)
    await env.raw.patch(ES_API, "externalsecrets", "big", FORCE_SYNC, namespace=ns)
    cond = await env.wait_ready("externalsecrets", "big", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert cond["message"].startswith(c.MSG_ERROR_UPDATE_SECRET + ": ")
    assert f"{18 * CHUNK} bytes" in cond["message"]
    assert "1048576" in cond["message"]
    assert "VVVV" not in cond["message"]
    after = await env.get("secrets", "big", ns)
    assert after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert _data(after) == _data(before)

    # The controller keeps serving everything else.
    await env.external_secret(ns, "small", data=DATA)
    await env.wait_secret("small", ns, where=lambda s: _data(s) == {"password": b"v1"})


# --- creationPolicy None --------------------------------------------------------------------


async def test_creation_policy_none_syncs_without_writing_a_secret(env: Env, ns: str) -> None:
    target = {"name": "app", "creationPolicy": "None"}
    await env.external_secret(ns, "app", target=target, data=DATA)
    cond = await env.wait_ready("externalsecrets", "app", ns)
    assert cond["reason"] == c.REASON_SECRET_SYNCED
    assert await env.get("secrets", "app", ns) is None


# --- refresh --------------------------------------------------------------------------------


async def test_refresh_interval_zero_syncs_once_and_again_only_on_a_spec_change(
    env: Env, ns: str
) -> None:
    await env.external_secret(ns, "app", refresh="0", data=DATA)
    first = await env.wait_secret("app", ns, where=lambda s: _data(s) == {"password": b"v1"})
    await env.wait_ready("externalsecrets", "app", ns, reason=c.REASON_SECRET_SYNCED)

    await env.aws.put("db", "v2")
    # Whatever wakes the ExternalSecret up (a resync, a restart) neither reads AWS nor
    # schedules a refresh: nothing is due.
    calls = _aws_calls(env)
    assert await env.manager.es_reconciler.reconcile(f"{ns}/app") == Result()
    assert _aws_calls(env) == calls
    unchanged = await env.get("secrets", "app", ns)
    assert unchanged is not None
    assert unchanged["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]

    await env.raw.patch(ES_API, "externalsecrets", "app", FORCE_SYNC, namespace=ns)
    await env.wait_secret("app", ns, where=lambda s: _data(s) == {"password": b"v2"})


async def test_refreshes_write_the_secret_only_when_its_data_changes(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", refresh="1s", data=DATA)
    first = await env.wait_secret("app", ns)
    synced = await env.get("externalsecrets", "app", ns)
    assert synced is not None
    calls_before = env.metrics.registry.get_sample_value(
        "externalsecret_sync_calls_total", {"name": "app", "namespace": ns}
    )

    async def refreshed_three_more_times() -> bool:
        now = env.metrics.registry.get_sample_value(
            "externalsecret_sync_calls_total", {"name": "app", "namespace": ns}
        )
        return (now or 0) >= (calls_before or 0) + 3

    await wait_for(refreshed_three_more_times, timeout=20.0)
    secret = await env.get("secrets", "app", ns)
    assert secret is not None
    assert secret["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert await _events(env, ns, c.EVENT_REASON_UPDATED) == []


# --- permanent provider failures ------------------------------------------------------------


async def test_a_missing_aws_secret_is_retried_at_the_refresh_schedule_not_with_backoff(
    env: Env, ns: str
) -> None:
    """Not found cannot heal in seconds: the next attempt is scheduled (here the test's 2 s
    store requeue interval, which caps the 1h refresh), not raised for backoff retries."""
    await env.external_secret(ns, "app", data=[{"secretKey": "k", "remoteRef": {"key": "gone"}}])
    await env.wait_ready("externalsecrets", "app", ns, status="False")

    result = await env.manager.es_reconciler.reconcile(f"{ns}/app")
    assert result == Result(requeue_after=2.0)

    await env.aws.create("gone", "back")
    await env.wait_secret("app", ns, where=lambda s: _data(s) == {"k": b"back"})
