"""The call guard: every AWS operation under the identity's rate and the store's retrySettings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError

from eso.api.secretstore import SecretStore
from eso.clock import FakeClock
from eso.providers.aws.calls import Guard, GuardedClient, is_throttle
from eso.providers.aws.retries import DEFAULT_POLICY, RetryPolicy, retry_policy
from eso.providers.aws.throttle import AdaptiveRate, RateTuning
from eso.providers.base import ConfigError


def client_error(code: str, status: int = 400) -> ClientError:
    body = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(body, "GetSecretValue")


class Flaky:
    """An operation that fails with ``errors`` in turn, then answers."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.attempts = 0

    async def __call__(self, **params: Any) -> dict[str, Any]:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True, **params}


def guard(clock: FakeClock, policy: RetryPolicy = DEFAULT_POLICY, rate: Any = None) -> Guard:
    rate = rate or AdaptiveRate(tuning=RateTuning(), clock=clock)
    return Guard(rate=rate, policy=policy, clock=clock)


async def run(clock: FakeClock, coro: Any) -> Any:
    """Drive a coroutine that sleeps on ``clock`` to completion."""
    task = asyncio.ensure_future(coro)
    while not task.done():
        await clock.advance(0.5)
    return task.result()


@pytest.mark.parametrize(
    ("error", "throttle"),
    [
        pytest.param(client_error("ThrottlingException"), True, id="throttling"),
        pytest.param(client_error("TooManyRequestsException"), True, id="too-many"),
        pytest.param(client_error("Whatever", status=429), True, id="http-429"),
        pytest.param(client_error("InternalServiceError", status=500), False, id="5xx"),
        pytest.param(client_error("ResourceNotFoundException"), False, id="not-found"),
    ],
)
def test_throttling_is_recognised_by_code_and_status(error: ClientError, throttle: bool) -> None:
    assert is_throttle(error) is throttle


async def test_a_throttled_call_is_retried_and_slows_the_identity() -> None:
    clock = FakeClock()
    g = guard(clock, RetryPolicy(attempts=3, interval=1.0))
    op = Flaky(client_error("ThrottlingException"))
    assert await run(clock, g.call(op, SecretId="a")) == {"ok": True, "SecretId": "a"}
    assert op.attempts == 2
    assert g.rate.limited and g.rate.throttled == 1


async def test_attempts_stop_at_the_policy_and_the_botocore_error_comes_out() -> None:
    clock = FakeClock()
    g = guard(clock, RetryPolicy(attempts=4, interval=2.0))
    op = Flaky(*(client_error("ThrottlingException") for _ in range(10)))
    started = clock.now()
    with pytest.raises(ClientError, match="ThrottlingException"):
        await run(clock, g.call(op))
    assert op.attempts == 4
    assert clock.now() - started >= 3 * 2.0  # retryInterval between attempts, constant


async def test_errors_that_cannot_heal_are_not_retried() -> None:
    clock = FakeClock()
    op = Flaky(client_error("ResourceNotFoundException"))
    with pytest.raises(ClientError):
        await run(clock, guard(clock).call(op))
    assert op.attempts == 1


async def test_server_errors_are_retried_without_slowing_the_identity() -> None:
    clock = FakeClock()
    g = guard(clock)
    op = Flaky(client_error("InternalServiceError", status=500))
    await run(clock, g.call(op))
    assert op.attempts == 2 and not g.rate.limited


async def test_workers_of_one_identity_share_its_rate() -> None:
    clock = FakeClock()
    shared = AdaptiveRate(tuning=RateTuning(), clock=clock)
    first, second = guard(clock, rate=shared), guard(clock, rate=shared)
    await run(clock, first.call(Flaky(client_error("ThrottlingException"))))
    assert shared.limited
    started = clock.now()
    await asyncio.gather(*(run(clock, second.call(Flaky())) for _ in range(3)))
    assert clock.now() - started >= 1.0  # the other worker's calls are paced by the same rate


class FakeBotoClient:
    class meta:  # noqa: N801 - botocore's attribute name
        method_to_api_mapping = {"get_secret_value": "GetSecretValue"}

    def __init__(self) -> None:
        self.op = Flaky(client_error("ThrottlingException"))
        self.region = "eu-west-1"

    async def get_secret_value(self, **params: Any) -> dict[str, Any]:
        return await self.op(**params)


async def test_every_api_operation_of_a_client_is_guarded_and_the_rest_passes_through() -> None:
    clock = FakeClock()
    raw = FakeBotoClient()
    client = GuardedClient(raw, guard=guard(clock, RetryPolicy(attempts=2, interval=0.1)))
    assert await run(clock, client.get_secret_value(SecretId="x")) == {"ok": True, "SecretId": "x"}
    assert raw.op.attempts == 2
    assert client.region == "eu-west-1" and client.unguarded is raw


def _store(retry: dict[str, Any] | None) -> SecretStore:
    spec: dict[str, Any] = {"provider": {"aws": {"service": "SecretsManager", "region": "x"}}}
    if retry is not None:
        spec["retrySettings"] = retry
    return SecretStore.model_validate({"metadata": {"name": "s", "namespace": "n"}, "spec": spec})


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        pytest.param(None, RetryPolicy(attempts=3, interval=None), id="unset-sdk-defaults"),
        pytest.param({}, RetryPolicy(attempts=3, interval=None), id="empty"),
        pytest.param({"maxRetries": 5}, RetryPolicy(attempts=5, interval=None), id="max"),
        pytest.param({"maxRetries": 0}, RetryPolicy(attempts=1, interval=None), id="zero"),
        pytest.param(
            {"maxRetries": 2, "retryInterval": "1m30s"},
            RetryPolicy(attempts=2, interval=90.0),
            id="interval",
        ),
        pytest.param({"retryInterval": "0s"}, RetryPolicy(attempts=3), id="zero-interval"),
    ],
)
def test_retry_settings_follow_esos_semantics(
    retry: dict[str, Any] | None, expected: RetryPolicy
) -> None:
    assert retry_policy(_store(retry)) == expected


def test_a_bad_retry_interval_is_esos_init_error() -> None:
    with pytest.raises(ConfigError, match="unable to initialize aws provider: invalid duration"):
        retry_policy(_store({"retryInterval": "soon"}))


def test_default_backoff_is_full_jitter_capped_at_twenty_seconds() -> None:
    import random

    rng = random.Random(7)
    delays = [DEFAULT_POLICY.delay(n, rng=rng) for n in (1, 2, 3, 10) for _ in range(200)]
    assert all(0 <= d <= 20.0 for d in delays)
    assert max(DEFAULT_POLICY.delay(1, rng=rng) for _ in range(200)) <= 2.0
    assert len({round(d, 6) for d in delays}) > 100  # jittered, not constant
