"""Credential identity and endpoint resolution of the shared AWS clients."""

from __future__ import annotations

import pytest

from eso.api.secretstore import SecretStore
from eso.metrics import Metrics
from eso.providers.aws.auth import StaticCredentials
from eso.providers.aws.retries import RetryPolicy
from eso.providers.aws.session import ClientSpec, SessionPool, resolve_endpoint
from eso.providers.registry import default_registry
from eso.settings import AWSSettings

CREDS = StaticCredentials("AKIAEXAMPLEEXAMPLE01", "secret-key", "token")
BASE = ClientSpec(region="eu-west-1", credentials=CREDS)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(ClientSpec(region="us-east-1", credentials=CREDS), id="region"),
        pytest.param(ClientSpec(region="eu-west-1", endpoint_url="http://x"), id="endpoint"),
        pytest.param(
            ClientSpec(region="eu-west-1", credentials=StaticCredentials(CREDS.access_key_id, "x")),
            id="secret-key",
        ),
        pytest.param(
            ClientSpec(region="eu-west-1", credentials=CREDS, roles=("arn:aws:iam::1:role/r",)),
            id="role",
        ),
        pytest.param(ClientSpec(region="eu-west-1"), id="default-chain"),
    ],
)
def test_anything_that_changes_the_principal_changes_the_identity(other: ClientSpec) -> None:
    assert other.identity != BASE.identity


def test_identity_is_stable_and_reveals_no_key_material() -> None:
    again = ClientSpec(region="eu-west-1", credentials=StaticCredentials(*vars(CREDS).values()))
    assert again.identity == BASE.identity
    assert all(part not in BASE.identity for part in ("AKIA", "secret-key", "token"))
    assert "secret-key" not in repr(BASE) and "token" not in repr(BASE)


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        (None, {}, None),
        (None, {"AWS_ENDPOINT_URL": "http://all"}, "http://all"),
        (
            None,
            {"AWS_SECRETSMANAGER_ENDPOINT": "http://eso", "AWS_ENDPOINT_URL": "http://all"},
            "http://eso",
        ),
        (
            None,
            {
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm",
                "AWS_SECRETSMANAGER_ENDPOINT": "http://eso",
            },
            "http://sm",
        ),
        ("http://flag", {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm"}, "http://flag"),
    ],
)
def test_endpoint_override_precedence(
    explicit: str | None, env: dict[str, str], expected: str | None
) -> None:
    assert resolve_endpoint(explicit, environ=env) == expected


# --- client slots ---------------------------------------------------------------------------


async def test_releasing_the_last_slot_of_an_identity_retires_its_client() -> None:
    retired: list[str] = []

    async def on_retire(identity: str) -> None:
        retired.append(identity)

    pool = SessionPool(settings=AWSSettings(), on_retire=on_retire)
    try:
        await pool.acquire("store-a", BASE)
        await pool.acquire("store-b", BASE)  # same credentials: one shared client
        assert len(pool) == 1

        await pool.release("store-a")
        assert len(pool) == 1 and retired == []  # store-b still uses it
        await pool.release("store-b")
        assert len(pool) == 0 and retired == [BASE.identity]
        await pool.release("store-b")  # idempotent
        assert retired == [BASE.identity]
    finally:
        await pool.close()


async def test_a_deleted_store_gives_back_its_aws_client() -> None:
    """The store controller's delete path reaches the provider through the registry."""
    registry = default_registry(settings=AWSSettings(), metrics=Metrics().provider)
    store = SecretStore.model_validate(
        {
            "kind": "SecretStore",
            "metadata": {"name": "s", "namespace": "ns"},
            "spec": {"provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}},
        }
    )
    provider = registry.for_store(store)

    async def no_secret(namespace: str, name: str) -> None:
        return None

    try:
        client = await provider.new_client(store, namespace="ns", get_secret=no_secret)
        await client.close()
        pool = provider.secrets_manager._pool  # type: ignore[attr-defined]
        assert len(pool) == 1

        await registry.forget_store(kind="SecretStore", namespace="ns", name="other")
        assert len(pool) == 1
        await registry.forget_store(kind="SecretStore", namespace="ns", name="s")
        assert len(pool) == 0
    finally:
        await registry.close()


# --- throttling: one rate per principal, seen per store ----------------------------------


def test_retry_settings_make_another_client_but_not_another_principal() -> None:
    patient = ClientSpec(region="eu-west-1", credentials=CREDS, retry=RetryPolicy(attempts=9))
    assert patient.identity != BASE.identity
    assert patient.principal == BASE.principal


async def test_stores_sharing_credentials_share_one_rate_and_each_shows_it() -> None:
    metrics = Metrics()
    pool = SessionPool(settings=AWSSettings())
    metrics.provider.throttling.add(lambda: pool.throttle_samples("AWS/SecretsManager"))
    patient = ClientSpec(region="eu-west-1", credentials=CREDS, retry=RetryPolicy(attempts=9))
    try:
        a = await pool.acquire(("SecretStore", "ns", "a", "ns"), BASE)
        b = await pool.acquire(("ClusterSecretStore", "", "b", "ns"), patient)
        rate = a.client._guard.rate
        assert b.client._guard.rate is rate  # different clients, one principal, one rate
        rate.reserve()
        rate.on_throttle(rate._clock.now())

        def sample(series: str, **labels: str) -> float | None:
            return metrics.registry.get_sample_value(
                series, {"provider": "AWS/SecretsManager", **labels}
            )

        for store in ({"kind": "SecretStore", "namespace": "ns", "name": "a"},
                      {"kind": "ClusterSecretStore", "namespace": "", "name": "b"}):  # fmt: skip
            assert sample("eso_provider_throttled_calls_total", **store) == 1.0
            assert sample("eso_provider_allowed_rate", **store) == rate.rate
    finally:
        await pool.close()


async def test_a_store_never_throttled_shows_no_limit() -> None:
    metrics = Metrics()
    pool = SessionPool(settings=AWSSettings())
    metrics.provider.throttling.add(lambda: pool.throttle_samples("AWS/SecretsManager"))
    try:
        await pool.acquire(("SecretStore", "ns", "a", "ns"), BASE)
        labels = {"provider": "AWS/SecretsManager", "kind": "SecretStore", "namespace": "ns"}
        get = metrics.registry.get_sample_value
        assert get("eso_provider_throttled_calls_total", {**labels, "name": "a"}) == 0.0
        assert get("eso_provider_allowed_rate", {**labels, "name": "a"}) == float("inf")
        await pool.release(("SecretStore", "ns", "a", "ns"))
        assert get("eso_provider_throttled_calls_total", {**labels, "name": "a"}) is None
    finally:
        await pool.close()
