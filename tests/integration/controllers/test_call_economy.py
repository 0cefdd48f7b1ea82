"""Issue 7 end to end: real ExternalSecrets through the Manager make few AWS calls.

The provider tests (tests/integration/providers/test_aws_call_economy.py) prove single flight,
batching and the cache on their own; these prove the controller feeds them: a cold start (a
Manager finding every ExternalSecret in its first list, as after a restart or an upgrade)
costs AWS calls per *distinct* secret, divided by 20, with every Secret right. AWS calls are
counted from the Manager's own metrics (``externalsecret_provider_api_calls_count``), with the
default provider settings (5 ms batch window) and the default number of workers.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from controller_env import Env
from localkube.pytest_cluster import wait_for
from structlog.testing import capture_logs

from eso.api import conditions as c
from eso.providers.aws.reader import PROVIDER_LABEL
from eso.providers.base import REASON_BATCH_DENIED
from eso.settings import ControllerSettings

BATCH = "BatchGetSecretValue"
GET = "GetSecretValue"
CREATE_CONCURRENCY = 20  # parallel object creates while arranging a test


@pytest.fixture
def controller_settings() -> ControllerSettings:
    """Production worker count (what decides how many reads a batch window can gather)."""
    return ControllerSettings(refresh_jitter=0.0, store_requeue_interval=300.0)


def calls(env: Env, call: str, status: str = "success") -> int:
    labels = {"provider": PROVIDER_LABEL, "call": call, "status": status}
    value = env.metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    return int(value or 0)


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _ref(secret_key: str, key: str) -> list[dict[str, Any]]:
    return [{"secretKey": secret_key, "remoteRef": {"key": key}}]


async def _bounded(jobs: list[Callable[[], Awaitable[Any]]]) -> None:
    gate = asyncio.Semaphore(CREATE_CONCURRENCY)

    async def one(job: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(j) for j in jobs))


async def _store_namespace(env: Env, **keys: str) -> str:
    """A namespace with credentials and a Ready SecretStore ``aws-store``."""
    ns = await env.cluster.create_namespace()
    await env.credentials(ns, **keys)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    return ns


async def _cold_start(env: Env, ns: str, readers: dict[str, str], **es: Any) -> None:
    """Stop the Manager, create one ExternalSecret per ``readers`` item (ES name → AWS key),
    then start a new Manager, which finds them all at once."""
    await env.stop_manager()
    await _bounded(
        [
            lambda name=name, key=key: env.external_secret(ns, name, data=_ref("value", key), **es)
            for name, key in readers.items()
        ]
    )
    await env.start_manager()


async def _wait_all_ready(env: Env, ns: str, names: set[str], *, within: float = 30.0) -> None:
    """Poll (one list per poll) until every named ExternalSecret has a Ready condition that is
    final: True, or False with SecretSyncedError."""

    async def probe() -> bool:
        listed = await env.raw.list("external-secrets.io/v1", "externalsecrets", namespace=ns)
        done = set()
        for item in listed.get("items") or []:
            for cond in (item.get("status") or {}).get("conditions") or []:
                if cond.get("type") == "Ready" and cond.get("status") in ("True", "False"):
                    done.add(item["metadata"]["name"])
        return names <= done

    await wait_for(probe, timeout=within, interval=0.1)


async def _secrets(env: Env, ns: str) -> dict[str, dict[str, bytes]]:
    listed = await env.raw.list("v1", "secrets", namespace=ns)
    return {s["metadata"]["name"]: _data(s) for s in listed.get("items") or []}


async def _ready_reasons(env: Env, ns: str) -> dict[str, tuple[str, str]]:
    listed = await env.raw.list("external-secrets.io/v1", "externalsecrets", namespace=ns)
    out = {}
    for item in listed.get("items") or []:
        for cond in (item.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                out[item["metadata"]["name"]] = (cond["reason"], cond.get("message", ""))
    return out


async def test_200_external_secrets_of_10_secrets_cold_sync_with_a_handful_of_calls(
    env: Env,
) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({f"app-{i}": f"value-{i}" for i in range(10)})
    readers = {f"es-{n:03d}": f"app-{n % 10}" for n in range(200)}
    await _cold_start(env, ns, readers)
    await _wait_all_ready(env, ns, set(readers))

    secrets = await _secrets(env, ns)
    assert {n: secrets.get(n) for n in readers} == {
        n: {"value": f"value-{int(n[3:]) % 10}".encode()} for n in readers
    }
    total = calls(env, BATCH) + calls(env, GET)
    print(f"200 ES / 10 secrets: {calls(env, BATCH)} batch + {calls(env, GET)} get calls")
    assert total <= 15


async def test_100_external_secrets_of_100_distinct_secrets_take_about_five_batches(
    env: Env,
) -> None:
    ns = await _store_namespace(env)
    keys = [f"svc-{i:03d}" for i in range(100)]
    await env.aws.create_many({k: f"pw-{k}" for k in keys})
    readers = {f"es-{k}": k for k in keys}
    await _cold_start(env, ns, readers)
    await _wait_all_ready(env, ns, set(readers))

    secrets = await _secrets(env, ns)
    assert {n: secrets.get(n) for n in readers} == {
        n: {"value": f"pw-{k}".encode()} for n, k in readers.items()
    }
    print(f"100 ES / 100 secrets: {calls(env, BATCH)} batch + {calls(env, GET)} get calls")
    assert calls(env, BATCH) <= 10
    assert calls(env, GET) == 0


async def test_a_missing_secret_in_a_batch_fails_only_its_external_secret(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({f"ok-{i}": f"v{i}" for i in range(5)})
    readers = {f"es-{i}": f"ok-{i}" for i in range(5)} | {"es-missing": "missing"}
    await _cold_start(env, ns, readers)
    await _wait_all_ready(env, ns, set(readers))

    reasons = await _ready_reasons(env, ns)
    reason, message = reasons.pop("es-missing")
    assert reason == c.REASON_SECRET_SYNCED_ERROR
    assert "spec.data[0] (key: missing)" in message
    assert "secret not found" in message
    assert set(reasons.values()) == {(c.REASON_SECRET_SYNCED, c.MSG_SYNCED)}
    secrets = await _secrets(env, ns)
    assert "es-missing" not in secrets
    assert all(secrets[f"es-{i}"] == {"value": f"v{i}".encode()} for i in range(5))
    assert calls(env, GET) == 0  # the missing one did not make its neighbours fall back


async def test_denied_batches_fall_back_to_get_secret_value_with_one_store_event(
    env: Env,
) -> None:
    await env.aws.create_many({f"s-{i}": f"v{i}" for i in range(30)})
    user = await env.aws.create_user(
        f"no-batch-{env.suffix}",
        allow=["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"],
        deny=["secretsmanager:BatchGetSecretValue"],
    )
    env.moto.enable_iam_auth()
    ns = await _store_namespace(
        env, access_key=user.access_key_id, secret_key=user.secret_access_key
    )
    readers = {f"es-{i}": f"s-{i}" for i in range(30)}
    await _cold_start(env, ns, readers)
    await _wait_all_ready(env, ns, set(readers))

    secrets = await _secrets(env, ns)
    assert all(secrets.get(f"es-{i}") == {"value": f"v{i}".encode()} for i in range(30))
    assert calls(env, BATCH, "success") == 0
    assert calls(env, GET) == 30

    async def denied_events() -> list[dict[str, Any]]:
        listed = await env.raw.list("v1", "events", namespace=ns)
        return [
            e
            for e in listed.get("items") or []
            if e.get("reason") == REASON_BATCH_DENIED
            and (e.get("involvedObject") or {}).get("kind") == "SecretStore"
        ]

    events = await wait_for(denied_events, timeout=10.0, interval=0.1)
    assert len(events) == 1
    assert events[0].get("count", 1) == 1
    assert events[0]["involvedObject"]["name"] == "aws-store"


async def test_stores_with_different_credentials_never_share_a_cached_value(env: Env) -> None:
    """Team B may validate its store but not read the secret that team A just cached."""
    await env.aws.create("shared-name", "team-a-value")
    a = await env.aws.create_user(f"team-a-{env.suffix}", allow=["secretsmanager:*"])
    b = await env.aws.create_user(f"team-b-{env.suffix}", allow=["secretsmanager:ListSecrets"])
    env.moto.enable_iam_auth()
    ns_a = await _store_namespace(env, access_key=a.access_key_id, secret_key=a.secret_access_key)
    ns_b = await _store_namespace(env, access_key=b.access_key_id, secret_key=b.secret_access_key)

    await env.external_secret(ns_a, "app", data=_ref("value", "shared-name"))
    secret = await env.wait_secret("app", ns_a)
    assert _data(secret) == {"value": b"team-a-value"}

    await env.external_secret(ns_b, "app", data=_ref("value", "shared-name"))
    cond = await env.wait_ready("externalsecrets", "app", ns_b, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert "spec.data[0] (key: shared-name)" in cond["message"]
    assert await env.get("secrets", "app", ns_b) is None
    hits = env.metrics.registry.get_sample_value(
        "eso_provider_cache_hits_total", {"provider": PROVIDER_LABEL}
    )
    assert not hits


async def test_a_value_changed_in_aws_reaches_every_reader_on_its_next_refresh(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create("rotated", "v1")
    names = [f"es-{i}" for i in range(5)]
    for name in names:
        await env.external_secret(ns, name, refresh="2s", data=_ref("value", "rotated"))
    for name in names:
        await env.wait_secret(name, ns, where=lambda s: _data(s) == {"value": b"v1"})

    await env.aws.put("rotated", "v2")
    for name in names:
        await env.wait_secret(name, ns, where=lambda s: _data(s) == {"value": b"v2"}, within=15.0)


async def test_a_new_external_secret_shares_the_cache_but_a_changed_one_reads_fresh(
    env: Env,
) -> None:
    """The documented trade-off: a new ExternalSecret may get a value up to cache_ttl old that
    another reader fetched (one call per distinct secret on a cold sync); an edited or
    force-synced one always reads AWS again."""
    ns = await _store_namespace(env)
    await env.aws.create("db", "v1")
    await env.external_secret(ns, "first", data=_ref("value", "db"))
    await env.wait_secret("first", ns, where=lambda s: _data(s) == {"value": b"v1"})
    await env.aws.put("db", "v2")
    before = calls(env, BATCH) + calls(env, GET)

    await env.external_secret(ns, "second", data=_ref("value", "db"))
    await env.wait_secret("second", ns, where=lambda s: _data(s) == {"value": b"v1"})
    assert calls(env, BATCH) + calls(env, GET) == before  # served from the shared cache

    force = {"metadata": {"annotations": {"force-sync": "1"}}}
    await env.raw.patch("external-secrets.io/v1", "externalsecrets", "second", force, namespace=ns)
    await env.wait_secret("second", ns, where=lambda s: _data(s) == {"value": b"v2"})


async def test_a_failed_sync_is_logged_once_not_again_by_the_worker(env: Env) -> None:
    """A failure retried with backoff (a missing store may appear any moment; a missing AWS
    secret is retried on the refresh schedule instead, without a worker error)."""
    ns = await _store_namespace(env)

    async def worker_saw_the_failure() -> bool:
        errors = env.metrics.registry.get_sample_value(
            "controller_runtime_reconcile_errors_total", {"controller": "externalsecret"}
        )
        return bool(errors)

    with capture_logs() as logs:
        await env.external_secret(ns, "app", store="no-such-store", data=_ref("value", "x"))
        await env.wait_ready("externalsecrets", "app", ns, status="False")
        await wait_for(worker_saw_the_failure, timeout=10.0)
    failed = [e for e in logs if e["event"] == "sync_failed"]
    assert failed and all(e["log_level"] == "warning" for e in failed)
    assert not [e for e in logs if e["event"] == "reconcile_failed"]


LIST = "ListSecrets"


async def test_100_external_secrets_with_the_same_find_share_one_listing(env: Env) -> None:
    """Issue 10: a find is listed once per refresh window for every ExternalSecret using it.

    The restarted Manager also revalidates the store once (ListSecrets, MaxResults=1), so the
    cold start may show one ListSecrets call more than the single listing.
    """
    ns = await _store_namespace(env)
    await env.aws.create_many({f"shared/{i:02d}": f"v{i}" for i in range(30)})
    await env.aws.create_many({f"unrelated-{i}": "x" for i in range(5)})
    names = {f"find-{n:03d}" for n in range(100)}
    find = [{"find": {"name": {"regexp": "^shared/"}}}]
    await env.stop_manager()
    await _bounded(
        [lambda name=name: env.external_secret(ns, name, data_from=find) for name in names]
    )
    before = calls(env, LIST)
    await env.start_manager()
    await _wait_all_ready(env, ns, names, within=60.0)

    secrets = await _secrets(env, ns)
    want = {f"shared_{i:02d}": f"v{i}".encode() for i in range(30)}
    assert all(secrets.get(n) == want for n in names)
    listings = calls(env, LIST) - before
    print(f"100 ES / same find: {listings} ListSecrets + {calls(env, BATCH)} batch calls")
    assert listings <= 2
    assert calls(env, BATCH) <= 6
    assert calls(env, GET) == 0
