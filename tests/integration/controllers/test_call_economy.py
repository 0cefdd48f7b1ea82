"""Issue 7 end to end: real ExternalSecrets through the Manager make few AWS calls.

The provider tests (tests/integration/providers/test_aws_call_economy.py) prove single flight,
batching and the cache on their own; these prove the controller feeds them: a cold start (a
Manager finding every ExternalSecret in its first list, as after a restart or an upgrade)
costs AWS calls per *distinct* secret, divided by 20, with every Secret right. AWS calls are
counted from the Manager's own metrics (``externalsecret_provider_api_calls_count``), with the
default provider settings (5 ms batch window) and the default number of workers. Each test's
Manager watches only the test's namespace, so on a shared cluster nothing else (another test's
ExternalSecrets in a namespace still being deleted) is reconciled or counted.
"""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from controller_env import Env
from structlog.testing import capture_logs

from eso.api import conditions as c
from eso.providers.aws.reader import PROVIDER_LABEL
from eso.providers.base import REASON_BATCH_DENIED
from eso.settings import AWSSettings, ControllerSettings
from localkube.pytest_cluster import Cluster, wait_for

BATCH = "BatchGetSecretValue"
GET = "GetSecretValue"
CREATE_CONCURRENCY = 20  # parallel object creates while arranging a test


@pytest.fixture
async def ns(cluster: Cluster) -> str:
    """The test's namespace, created before its Manager starts: the Manager watches only it."""
    return await cluster.create_namespace()


@pytest.fixture
def workers() -> int:
    """Production worker count (what decides how many reads a batch window can gather)."""
    return ControllerSettings().concurrent


@pytest.fixture
def controller_settings(ns: str, workers: int) -> ControllerSettings:
    return ControllerSettings(
        concurrent=workers, refresh_jitter=0.0, store_requeue_interval=300.0, namespace=ns
    )


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


async def _store_namespace(env: Env, ns: str, **keys: str) -> str:
    """``ns`` with credentials and a Ready SecretStore ``aws-store``."""
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
    ns: str,
) -> None:
    await _store_namespace(env, ns)
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


@pytest.mark.parametrize("workers", [100])  # every read in flight at once
@pytest.mark.parametrize("aws_settings", [AWSSettings(batch_window=0.5)], ids=["window-0.5s"])
async def test_100_external_secrets_of_100_distinct_secrets_take_about_five_batches(
    env: Env,
    ns: str,
) -> None:
    """The contract: reads in flight together cost ceil(N/20) batch calls. A worker per
    ExternalSecret and a window longer than the spread of their arrival make "together" true
    on any cluster; arrival speed (how fast a cluster delivers the first list) is not tested."""
    await _store_namespace(env, ns)
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
    assert calls(env, BATCH) <= math.ceil(len(readers) / 20)
    assert calls(env, GET) == 0


async def test_a_missing_secret_in_a_batch_fails_only_its_external_secret(
    env: Env, ns: str
) -> None:
    await _store_namespace(env, ns)
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
    ns: str,
) -> None:
    await env.aws.create_many({f"s-{i}": f"v{i}" for i in range(30)})
    user = await env.aws.create_user(
        f"no-batch-{env.suffix}",
        allow=["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"],
        deny=["secretsmanager:BatchGetSecretValue"],
    )
    env.moto.enable_iam_auth()
    await _store_namespace(
        env, ns, access_key=user.access_key_id, secret_key=user.secret_access_key
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


async def test_stores_with_different_credentials_never_share_a_cached_value(
    env: Env, ns: str
) -> None:
    """Team B may validate its store but not read the secret that team A just cached."""
    await env.aws.create("shared-name", "team-a-value")
    a = await env.aws.create_user(f"team-a-{env.suffix}", allow=["secretsmanager:*"])
    b = await env.aws.create_user(f"team-b-{env.suffix}", allow=["secretsmanager:ListSecrets"])
    env.moto.enable_iam_auth()
    for team, user in (("a", a), ("b", b)):
        keys = {"access_key": user.access_key_id, "secret_key": user.secret_access_key}
        await env.credentials(ns, f"team-{team}", **keys)
        store = {
            "apiVersion": "external-secrets.io/v1",
            "kind": "SecretStore",
            "metadata": {"name": f"store-{team}", "namespace": ns},
            "spec": env.store_spec(f"team-{team}", None),
        }
        await env.raw.create("external-secrets.io/v1", "secretstores", store, namespace=ns)
        await env.wait_ready("secretstores", f"store-{team}", ns)

    await env.external_secret(ns, "app-a", store="store-a", data=_ref("value", "shared-name"))
    secret = await env.wait_secret("app-a", ns)
    assert _data(secret) == {"value": b"team-a-value"}

    await env.external_secret(ns, "app-b", store="store-b", data=_ref("value", "shared-name"))
    cond = await env.wait_ready("externalsecrets", "app-b", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert "spec.data[0] (key: shared-name)" in cond["message"]
    assert await env.get("secrets", "app-b", ns) is None
    hits = env.metrics.registry.get_sample_value(
        "eso_provider_cache_hits_total", {"provider": PROVIDER_LABEL}
    )
    assert not hits


async def test_a_value_changed_in_aws_reaches_every_reader_on_its_next_refresh(
    env: Env, ns: str
) -> None:
    await _store_namespace(env, ns)
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
    ns: str,
) -> None:
    """The documented trade-off: a new ExternalSecret may get a value up to cache_ttl old that
    another reader fetched (one call per distinct secret on a cold sync); an edited or
    force-synced one always reads AWS again."""
    await _store_namespace(env, ns)
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


async def test_a_failed_sync_is_logged_once_not_again_by_the_worker(env: Env, ns: str) -> None:
    """A failure retried with backoff (a missing store may appear any moment; a missing AWS
    secret is retried on the refresh schedule instead, without a worker error)."""
    await _store_namespace(env, ns)

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


async def test_100_external_secrets_with_the_same_find_share_one_listing(env: Env, ns: str) -> None:
    """Issue 10: a find is listed once per refresh window for every ExternalSecret using it.

    The restarted Manager also revalidates the store once (ListSecrets, MaxResults=1), so the
    cold start may show one ListSecrets call more than the single listing.
    """
    await _store_namespace(env, ns)
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
    assert listings <= 2
    assert calls(env, BATCH) <= 6
    assert calls(env, GET) == 0
