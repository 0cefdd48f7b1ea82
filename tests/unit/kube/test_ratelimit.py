"""Retry rate limiters: client-go's contracts, driven by a fake clock."""

from __future__ import annotations

import math

import pytest

from eso.clock import FakeClock
from eso.kube.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    default_controller_rate_limiter,
)
from eso.settings import QueueSettings


def test_item_backoff_doubles_per_failure_up_to_the_cap() -> None:
    limiter = ItemExponentialFailureRateLimiter(1.0, 10.0)
    assert [limiter.when("a") for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert limiter.num_requeues("a") == 6


def test_item_backoff_is_per_item() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.5, 100.0)
    limiter.when("a")
    limiter.when("a")
    assert limiter.when("b") == 0.5
    assert limiter.num_requeues("a") == 2
    assert limiter.num_requeues("b") == 1


def test_forget_resets_item_backoff() -> None:
    limiter = ItemExponentialFailureRateLimiter(1.0, 100.0)
    for _ in range(4):
        limiter.when("a")
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 1.0


def test_item_backoff_survives_huge_failure_counts() -> None:
    limiter = ItemExponentialFailureRateLimiter(1.0, 300.0)
    for _ in range(2000):
        delay = limiter.when("a")
    assert delay == 300.0


def test_bucket_passes_a_burst_then_spreads_at_qps() -> None:
    clock = FakeClock()
    bucket = BucketRateLimiter(2.0, 3, clock=clock)
    delays = [bucket.when(i) for i in range(6)]
    assert delays == [0.0, 0.0, 0.0, 0.5, 1.0, 1.5]


async def test_bucket_refills_with_time_up_to_burst() -> None:
    clock = FakeClock()
    bucket = BucketRateLimiter(1.0, 2, clock=clock)
    assert [bucket.when("x") for _ in range(3)] == [0.0, 0.0, 1.0]
    await clock.advance(1.0)  # repays the debt only
    assert bucket.when("x") == 1.0
    await clock.advance(100.0)  # refills to burst, no further
    assert [bucket.when("x") for _ in range(3)] == [0.0, 0.0, 1.0]


def test_bucket_does_not_track_items() -> None:
    bucket = BucketRateLimiter(1.0, 1, clock=FakeClock())
    bucket.when("a")
    bucket.forget("a")
    assert bucket.num_requeues("a") == 0


def test_bucket_with_infinite_qps_never_delays() -> None:
    bucket = BucketRateLimiter(math.inf, 1, clock=FakeClock())
    assert all(bucket.when(i) == 0.0 for i in range(1000))


@pytest.mark.parametrize(
    ("qps", "burst"),
    [pytest.param(0.0, 1, id="zero-qps"), pytest.param(1.0, 0, id="zero-burst")],
)
def test_bucket_rejects_settings_that_block_forever(qps: float, burst: int) -> None:
    with pytest.raises(ValueError):
        BucketRateLimiter(qps, burst, clock=FakeClock())


def test_max_of_returns_the_longest_delay() -> None:
    clock = FakeClock()
    limiter = MaxOfRateLimiter[str](
        ItemExponentialFailureRateLimiter(1.0, 100.0), BucketRateLimiter(1.0, 2, clock=clock)
    )
    # item backoff 1, 2, 4 vs bucket 0, 0, 1 -> item wins
    assert [limiter.when("a") for _ in range(3)] == [1.0, 2.0, 4.0]
    # fresh item: backoff 1, bucket in debt by 2 s -> bucket wins
    assert limiter.when("b") == 2.0


def test_max_of_forwards_forget_and_reports_max_requeues() -> None:
    item = ItemExponentialFailureRateLimiter(1.0, 100.0)
    limiter = MaxOfRateLimiter[str](item, BucketRateLimiter(10.0, 10, clock=FakeClock()))
    limiter.when("a")
    limiter.when("a")
    assert limiter.num_requeues("a") == 2
    limiter.forget("a")
    assert item.num_requeues("a") == 0
    assert limiter.when("a") == 1.0


def test_default_limiter_follows_queue_settings() -> None:
    settings = QueueSettings(base_delay=0.5, max_delay=4.0, overall_qps=1.0, overall_burst=100)
    limiter = default_controller_rate_limiter(settings, clock=FakeClock())
    assert [limiter.when("a") for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_default_limiter_bucket_limits_a_retry_storm() -> None:
    settings = QueueSettings(base_delay=0.001, max_delay=1.0, overall_qps=10.0, overall_burst=5)
    limiter = default_controller_rate_limiter(settings, clock=FakeClock())
    delays = [limiter.when(f"k{i}") for i in range(25)]
    assert delays[:5] == [0.001] * 5
    assert delays[-1] == pytest.approx(2.0)  # 20 past the burst at 10/s
