"""Issue 7: AWS calls grow with distinct secrets / 20, not with ExternalSecrets.

Each "ExternalSecret" here is a reconcile's worth of work: a fresh ``new_client`` for the store
and one read, all started together as a cold sync would. Calls are counted from our metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest
from aws_helpers import CRED_SECRET, NAMESPACE, FakeSecrets, calls, counter, ref, store_doc
from structlog.testing import capture_logs

from eso.clock import FakeClock
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.providers.base import (
    REASON_BATCH_DENIED,
    AuthError,
    Notice,
    SecretNotFoundError,
    SecretsClient,
)
from eso.providers.readahead import READING, ReadContext
from eso.settings import AWSSettings
from localkube.moto import MotoSecrets, MotoServer

BATCH = "BatchGetSecretValue"
# A window long enough that a slow or loaded machine still gathers a cold sync's reads into
# full batches: the counts below must not depend on scheduling speed.
WIDE_WINDOW = AWSSettings(batch_window=0.5)
GET = "GetSecretValue"


async def read_all(
    provider: AWSProvider, getter: FakeSecrets, keys: list[str], **store: object
) -> list[bytes | BaseException]:
    """One new client and one read per key, all concurrently (a cold sync)."""

    async def one(key: str) -> bytes:
        client = await provider.new_client(
            store_doc(**store), namespace=NAMESPACE, get_secret=getter
        )
        return await client.get_secret(ref(key))

    return await asyncio.gather(*(one(k) for k in keys), return_exceptions=True)


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_200_readers_of_10_secrets_make_a_handful_of_calls(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create_many({f"app-{i}": f"value-{i}" for i in range(10)})
    keys = [f"app-{n % 10}" for n in range(200)]
    results = await read_all(provider, k8s_secrets, keys)
    assert results == [f"value-{n % 10}".encode() for n in range(200)]
    assert calls(metrics, BATCH) + calls(metrics, GET) <= 3
    shared = counter(metrics, "eso_provider_coalesced_reads")
    hits = counter(metrics, "eso_provider_cache_hits")
    assert shared + hits == 190  # every read but the first of each secret made no call
    again = await read_all(provider, k8s_secrets, keys)
    assert again == results
    assert calls(metrics, BATCH) + calls(metrics, GET) <= 3  # the refresh was served from cache
    assert counter(metrics, "eso_provider_cache_hits") == hits + 200


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_100_readers_of_100_distinct_secrets_take_five_batches(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    keys = [f"svc-{i:03d}" for i in range(100)]
    await moto_secrets.create_many({k: {"password": k} for k in keys})
    results = await read_all(provider, k8s_secrets, keys)
    assert results == [f'{{"password": "{k}"}}'.encode() for k in keys]
    assert calls(metrics, BATCH) <= 5 + 1
    assert calls(metrics, GET) == 0
    labels = {"provider": "AWS/SecretsManager"}
    assert metrics.registry.get_sample_value("eso_provider_batch_size_sum", labels) == 100


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_a_missing_secret_fails_only_its_own_reader(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create_many({f"ok-{i}": f"v{i}" for i in range(5)})
    keys = ["ok-0", "ok-1", "missing", "ok-2", "ok-3", "ok-4"]
    results = await read_all(provider, k8s_secrets, keys)
    assert calls(metrics, BATCH) == 1
    assert isinstance(results[2], SecretNotFoundError)
    assert "'missing'" in str(results[2])
    assert [r for i, r in enumerate(results) if i != 2] == [b"v0", b"v1", b"v2", b"v3", b"v4"]


def outcomes(metrics: Metrics) -> dict[str, float]:
    """``eso_provider_batch_secrets_total`` by outcome (every outcome exists from the start)."""
    return {
        outcome: metrics.registry.get_sample_value(
            "eso_provider_batch_secrets_total",
            {"provider": "AWS/SecretsManager", "outcome": outcome},
        )
        or 0.0
        for outcome in ("found", "not_found", "denied", "error")
    }


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_a_missing_secret_in_a_successful_batch_is_counted_as_not_found(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    """Issue 14, item 6: the call counter says success; the per-secret outcomes say why not."""
    await moto_secrets.create_many({f"ok-{i}": f"v{i}" for i in range(5)})
    await read_all(provider, k8s_secrets, ["ok-0", "ok-1", "missing", "ok-2", "ok-3", "ok-4"])
    assert (calls(metrics, BATCH), calls(metrics, BATCH, "error")) == (1, 0)
    assert outcomes(metrics) == {"found": 5, "not_found": 1, "denied": 0, "error": 0}


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_denied_batches_fall_back_to_get_secret_value_with_one_notice(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create_many({f"s-{i}": f"v{i}" for i in range(30)})
    key = await moto_secrets.create_user(
        "no-batch",
        allow=["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"],
        deny=["secretsmanager:BatchGetSecretValue"],
    )
    k8s_secrets.put(NAMESPACE, CRED_SECRET, key.access_key_id, key.secret_access_key)
    moto_server.enable_iam_auth()
    notices: list[Notice] = []
    store = store_doc()

    async def one(k: str) -> bytes:
        client = await provider.new_client(
            store, namespace=NAMESPACE, get_secret=k8s_secrets, on_notice=notices.append
        )
        return await client.get_secret(ref(k))

    with capture_logs() as logs:
        first = await asyncio.gather(*(one(f"s-{i}") for i in range(20)))
        later = await asyncio.gather(*(one(f"s-{i}") for i in range(20, 30)))
    assert first + later == [f"v{i}".encode() for i in range(30)]
    assert calls(metrics, BATCH, "error") == 1
    assert calls(metrics, BATCH, "success") == 0
    assert calls(metrics, GET) == 30
    assert [n.reason for n in notices] == [REASON_BATCH_DENIED]
    assert "BatchGetSecretValue" in notices[0].message
    denied = [e for e in logs if e["event"] == "batch_get_secret_value_denied"]
    assert len(denied) == 1


async def test_stores_with_different_credentials_never_share_cached_values(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    metrics: Metrics,
) -> None:
    """Team B may not read the secret: a value cached for team A must not leak to B."""
    await moto_secrets.create("shared-name", "team-a-value")
    a = await moto_secrets.create_user("team-a", allow=["secretsmanager:*"])
    b = await moto_secrets.create_user("team-b", allow=["secretsmanager:ListSecrets"])
    getter = FakeSecrets()
    getter.put("team-a", CRED_SECRET, a.access_key_id, a.secret_access_key)
    getter.put("team-b", CRED_SECRET, b.access_key_id, b.secret_access_key)
    moto_server.enable_iam_auth()
    store_a = store_doc(name="s", namespace="team-a")
    store_b = store_doc(name="s", namespace="team-b")
    client_a = await provider.new_client(store_a, namespace="team-a", get_secret=getter)
    client_b = await provider.new_client(store_b, namespace="team-b", get_secret=getter)
    assert await client_a.get_secret(ref("shared-name")) == b"team-a-value"
    with pytest.raises(AuthError):
        await client_b.get_secret(ref("shared-name"))
    assert counter(metrics, "eso_provider_cache_hits") == 0


async def test_same_secret_name_read_with_other_credentials_is_fetched_again(
    provider: AWSProvider, moto_secrets: MotoSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("shared-name", "v")
    getter = FakeSecrets()
    getter.put("team-a", CRED_SECRET, "AKIATEAMATEAMATEAM01", "a-secret")
    getter.put("team-b", CRED_SECRET, "AKIATEAMBTEAMBTEAM01", "b-secret")
    for ns in ("team-a", "team-b"):
        client = await provider.new_client(store_doc(namespace=ns), namespace=ns, get_secret=getter)
        assert await client.get_secret(ref("shared-name")) == b"v"
    assert calls(metrics, BATCH) == 2
    assert counter(metrics, "eso_provider_cache_hits") == 0


@pytest.mark.parametrize(("aws_settings", "clock"), [(AWSSettings(batch_window=0.0), FakeClock())])
async def test_a_value_changed_in_aws_is_read_on_the_next_refresh(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    clock: FakeClock,
    aws_settings: AWSSettings,
) -> None:
    refresh = 20.0  # the readers' refreshInterval, below the cache ttl (30 s)
    await moto_secrets.create("app", "v1")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("app"), max_age=refresh) == b"v1"
    await moto_secrets.put("app", "v2")
    await clock.advance(refresh / 2)
    assert await client.get_secret(ref("app"), max_age=refresh) == b"v1"  # same refresh window
    await clock.advance(refresh / 2)
    assert await client.get_secret(ref("app"), max_age=refresh) == b"v2"


@pytest.mark.parametrize("aws_settings", [AWSSettings(cache_enabled=False)])
async def test_with_the_cache_off_every_read_calls_aws(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create("app", "v")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    for _ in range(3):
        assert await client.get_secret(ref("app")) == b"v"
    assert calls(metrics, BATCH) == 3
    assert counter(metrics, "eso_provider_cache_hits") == 0


@pytest.mark.parametrize("aws_settings", [AWSSettings(batch_enabled=False)])
async def test_with_batching_off_reads_use_get_secret_value(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create_many({f"s-{i}": f"v{i}" for i in range(3)})
    results = await read_all(provider, k8s_secrets, ["s-0", "s-1", "s-2", "s-0"])
    assert results == [b"v0", b"v1", b"v2", b"v0"]
    assert (calls(metrics, BATCH), calls(metrics, GET)) == (0, 3)


async def test_other_versions_are_read_one_by_one_and_cached_apart(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("app", "old")
    await moto_secrets.put("app", "new")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    previous, current = await asyncio.gather(
        client.get_secret(ref("app", version="AWSPREVIOUS")), client.get_secret(ref("app"))
    )
    assert (previous, current) == (b"old", b"new")
    assert (calls(metrics, BATCH), calls(metrics, GET)) == (1, 1)


async def test_max_age_zero_forces_a_fresh_read(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("app", "v1")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("app")) == b"v1"
    await moto_secrets.put("app", "v2")
    assert await client.get_secret(ref("app"), max_age=0) == b"v2"
    assert calls(metrics, BATCH) == 2


@pytest.mark.parametrize("aws_settings", [WIDE_WINDOW])
async def test_batched_reads_by_arn_and_by_name_both_get_their_value(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    aws_settings: AWSSettings,
) -> None:
    """BatchGetSecretValue answers with names and ARNs; each caller's id is matched back."""
    arn = await moto_secrets.create("by-arn", "arn-value")
    await moto_secrets.create("by-name", "name-value")
    results = await read_all(provider, k8s_secrets, [arn, "by-name", "by-arn"])
    assert results == [b"arn-value", b"name-value", b"arn-value"]
    assert calls(metrics, BATCH) == 1


async def test_store_validation_delivers_the_batch_denied_notice_once(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
) -> None:
    """ExternalSecret reads need no hook: the store controller's validate() reports it."""
    await moto_secrets.create("s", "v")
    key = await moto_secrets.create_user(
        "no-batch",
        allow=["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"],
        deny=["secretsmanager:BatchGetSecretValue"],
    )
    k8s_secrets.put(NAMESPACE, CRED_SECRET, key.access_key_id, key.secret_access_key)
    moto_server.enable_iam_auth()
    assert await read_all(provider, k8s_secrets, ["s"]) == [b"v"]
    notices: list[Notice] = []
    for _ in range(2):
        client = await provider.new_client(
            store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets, on_notice=notices.append
        )
        await client.validate()
    assert [n.reason for n in notices] == [REASON_BATCH_DENIED]


REFRESH = 20.0  # the readers' refreshInterval, below the cache ttl (30 s)


class Queue:
    """The keys "in line" as a work queue would hand them out; reads run as each key's reconcile."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def upcoming(self, limit: int) -> list[tuple[Hashable, float]]:
        return [(k, 0.0) for k in self.keys[:limit]]

    async def reconcile(self, client: SecretsClient, key: str) -> bytes:
        """Read secret ``key`` as the reconcile of ``key``, the rest of the line behind it."""
        self.keys = [k for k in self.keys if k != key]
        token = READING.set(ReadContext(key, self.upcoming))
        try:
            return await client.get_secret(ref(key), max_age=REFRESH)
        finally:
            READING.reset(token)


@pytest.mark.parametrize(("aws_settings", "clock"), [(AWSSettings(batch_window=0.0), FakeClock())])
async def test_the_next_reconciles_in_line_ride_in_the_free_seats_of_a_batch(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    clock: FakeClock,
    aws_settings: AWSSettings,
) -> None:
    keys = [f"app-{i}" for i in range(20)]
    await moto_secrets.create_many({k: f"{k}-v1" for k in keys})
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    queue = Queue([])
    for k in keys:  # a cold sync one at a time: nothing known about the others yet
        assert await queue.reconcile(client, k) == f"{k}-v1".encode()
    assert calls(metrics, BATCH) == 20
    await clock.advance(REFRESH)  # every value is now too old: all 20 are due, in line
    queue.keys = list(keys)
    for k in keys:
        assert await queue.reconcile(client, k) == f"{k}-v1".encode()
    assert calls(metrics, BATCH) == 21  # the first refresh carried the 19 behind it
    assert counter(metrics, "eso_provider_prefetched_reads") == 19
    assert calls(metrics, GET) == 0


@pytest.mark.parametrize(("aws_settings", "clock"), [(AWSSettings(batch_window=0.0), FakeClock())])
async def test_a_prefetched_value_is_not_served_older_than_the_refresh_interval(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    clock: FakeClock,
    aws_settings: AWSSettings,
) -> None:
    await moto_secrets.create_many({"a": "a-v1", "b": "b-v1"})
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    queue = Queue([])
    for k in ("a", "b"):
        await queue.reconcile(client, k)
    await clock.advance(REFRESH)
    queue.keys = ["a", "b"]
    assert await queue.reconcile(client, "a") == b"a-v1"  # prefetches "b"
    await moto_secrets.put("b", "b-v2")
    await clock.advance(REFRESH / 2)
    assert await queue.reconcile(client, "b") == b"b-v1"  # 10 s old: allowed
    await clock.advance(REFRESH / 2)
    assert await queue.reconcile(client, "b") == b"b-v2"  # 20 s old: read again


@pytest.mark.parametrize(
    ("aws_settings", "clock"),
    [(AWSSettings(batch_window=0.0, batch_prefetch=False), FakeClock())],
)
async def test_without_prefetch_every_refresh_makes_its_own_call(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    clock: FakeClock,
    aws_settings: AWSSettings,
) -> None:
    keys = [f"app-{i}" for i in range(5)]
    await moto_secrets.create_many({k: k for k in keys})
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    queue = Queue([])
    for _ in range(2):
        queue.keys = list(keys)
        for k in keys:
            await queue.reconcile(client, k)
        await clock.advance(REFRESH)
    assert calls(metrics, BATCH) == 10
    assert counter(metrics, "eso_provider_prefetched_reads") == 0
