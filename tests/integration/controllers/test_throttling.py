"""Issue 11: throttled by AWS, eso slows down on purpose, converges and never loses a Secret.

The Manager's Secrets Manager endpoint is a ``ThrottlingFront`` (``localkube.awsthrottle``)
before moto that answers ``ThrottlingException`` above ``LIMIT`` calls/s. Batching and the
value cache are off so that every ExternalSecret costs its own ``GetSecretValue`` and the
offered load is far over the limit. All ExternalSecrets must become Ready with their values,
the throttled answers must show in ``eso_provider_throttled_calls_total`` for the store, and
when every value changes and all are re-synced at once, no Secret may ever go missing.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import pytest
from controller_env import ES_API, Env

from eso.settings import AWSSettings, ControllerSettings
from localkube.awsthrottle import ThrottlingFront
from localkube.moto import MotoServer
from localkube.pytest_cluster import Cluster, wait_for

N = 50
LIMIT = 10.0  # calls/s the front lets through
CONCURRENCY = 20


@pytest.fixture
async def front(moto_server: MotoServer) -> AsyncIterator[ThrottlingFront]:
    f = ThrottlingFront(moto_server.url, rate=LIMIT, burst=2)
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


@pytest.fixture
async def ns(cluster: Cluster) -> str:
    """The test's namespace, created before its Manager starts: the Manager watches only it."""
    return await cluster.create_namespace()


@pytest.fixture
def controller_settings(ns: str) -> ControllerSettings:
    return ControllerSettings(
        concurrent=CONCURRENCY, refresh_jitter=0.0, store_requeue_interval=300.0, namespace=ns
    )


@pytest.fixture
def aws_settings(front: ThrottlingFront) -> AWSSettings:
    return AWSSettings(endpoint_url=front.url, batch_enabled=False, cache_enabled=False)


async def _values(env: Env, ns: str) -> dict[str, str]:
    """ExternalSecret name → the ``value`` its Secret holds now."""
    listed = await env.raw.list("v1", "secrets", namespace=ns)
    out = {}
    for s in listed.get("items") or []:
        raw = (s.get("data") or {}).get("value")
        if raw is not None:
            out[s["metadata"]["name"]] = base64.b64decode(raw).decode()
    return out


async def _all_hold(env: Env, ns: str, expected: dict[str, str], *, within: float) -> None:
    async def probe() -> bool:
        return await _values(env, ns) == expected

    await wait_for(probe, timeout=within, interval=0.25)


def _throttled(env: Env, ns: str) -> float:
    labels = {"provider": "AWS/SecretsManager", "kind": "SecretStore", "namespace": ns}
    value = env.metrics.registry.get_sample_value(
        "eso_provider_throttled_calls_total", {**labels, "name": "aws-store"}
    )
    return value or 0.0


async def _force_sync_all(env: Env, ns: str, names: list[str], stamp: str) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(name: str) -> None:
        async with gate:
            patch = {"metadata": {"annotations": {"force-sync": stamp}}}
            await env.raw.patch(ES_API, "externalsecrets", name, patch, namespace=ns)

    await asyncio.gather(*(one(n) for n in names))


async def test_throttled_external_secrets_converge_and_keep_their_secrets(
    env: Env, ns: str, front: ThrottlingFront
) -> None:
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    names = [f"es-{i:02d}" for i in range(N)]
    await env.aws.create_many({f"app-{i:02d}": f"v1-{i}" for i in range(N)})
    for i, name in enumerate(names):
        await env.external_secret(
            ns, name, data=[{"secretKey": "value", "remoteRef": {"key": f"app-{i:02d}"}}]
        )
    first = {name: f"v1-{i}" for i, name in enumerate(names)}
    await _all_hold(env, ns, first, within=90.0)
    assert front.throttled() > 0, "the front never throttled: the test proves nothing"
    assert _throttled(env, ns) > 0

    for i in range(N):
        await env.aws.put(f"app-{i:02d}", f"v2-{i}")
    await _force_sync_all(env, ns, names, "again")
    second = {name: f"v2-{i}" for i, name in enumerate(names)}

    async def converged_without_losses() -> bool:
        now = await _values(env, ns)
        assert set(now) == set(names), f"Secrets went missing: {set(names) - set(now)}"
        return now == second

    await wait_for(converged_without_losses, timeout=90.0, interval=0.1)


async def test_a_sync_throttled_past_its_retry_settings_fails_then_converges(
    env: Env, ns: str, front: ThrottlingFront
) -> None:
    """``retrySettings.maxRetries: 1`` is one attempt (ESO's semantics): a throttled read fails
    the sync with ESO's message naming the throttling, the worker requeues it with backoff,
    and it converges once the identity's rate has settled under the limit."""
    await env.credentials(ns)
    spec = env.store_spec("awssm-secret", None) | {"retrySettings": {"maxRetries": 1}}
    body = {"apiVersion": ES_API, "kind": "SecretStore", "metadata": {"name": "aws-store"}}
    await env.raw.create(ES_API, "secretstores", body | {"spec": spec}, namespace=ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    names = [f"es-{i:02d}" for i in range(N)]
    await env.aws.create_many({f"app-{i:02d}": f"v1-{i}" for i in range(N)})
    for i, name in enumerate(names):
        await env.external_secret(
            ns, name, data=[{"secretKey": "value", "remoteRef": {"key": f"app-{i:02d}"}}]
        )
    await _all_hold(env, ns, {name: f"v1-{i}" for i, name in enumerate(names)}, within=90.0)

    async def throttled_failures() -> list[str] | None:
        listed = await env.raw.list("v1", "events", namespace=ns)
        found = [
            e["involvedObject"]["name"]
            for e in listed.get("items") or []
            if e.get("reason") == "UpdateFailed" and "ThrottlingException" in e.get("message", "")
        ]
        return found or None

    failed = await wait_for(throttled_failures, timeout=20.0)
    assert set(failed) <= set(names)
    assert _throttled(env, ns) >= front.throttled() > 0
