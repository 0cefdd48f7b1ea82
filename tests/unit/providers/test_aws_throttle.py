"""The adaptive per-identity rate: no limit until AWS throttles, then AIMD around the limit."""

from __future__ import annotations

import asyncio

import pytest

from eso.clock import FakeClock
from eso.providers.aws.throttle import AdaptiveRate, RateTuning

TUNING = RateTuning(decrease=0.5, increase=2.0, recovery=0.0, min_rate=1.0, reset_after=300.0)


def rate_at(clock: FakeClock, **tuning: float) -> AdaptiveRate:
    return AdaptiveRate(tuning=RateTuning(**{**vars(TUNING), **tuning}), clock=clock)


def test_a_healthy_identity_is_never_held_back() -> None:
    rate = rate_at(FakeClock())
    assert all(rate.reserve() == 0.0 for _ in range(10_000))
    assert rate.rate is None


async def test_a_throttled_answer_cuts_the_rate_to_a_fraction_of_what_was_sent() -> None:
    clock = FakeClock()
    rate = rate_at(clock)
    for _ in range(80):  # 80 calls in one second, unlimited
        rate.reserve()
        await clock.advance(1 / 80)
    rate.on_throttle(clock.now())
    assert rate.rate == pytest.approx(40.0)  # 0.5 x the measured 80/s
    assert rate.throttled == 1


async def test_after_a_cut_calls_are_spaced_at_the_new_rate() -> None:
    clock = FakeClock()
    rate = rate_at(clock)
    rate.reserve()
    rate.on_throttle(clock.now())
    rate.rate = 10.0  # pin it: 10 calls/s, a bucket of one token
    delays = [rate.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])


async def test_answers_to_calls_sent_before_a_cut_do_not_cut_again() -> None:
    clock = FakeClock()
    rate = rate_at(clock)
    for _ in range(100):
        rate.reserve()
    sent_together = clock.now()
    await clock.advance(0.05)
    for _ in range(20):  # twenty calls of the same round come back throttled
        rate.on_throttle(sent_together)
    assert rate.rate == pytest.approx(50.0)
    assert rate.throttled == 20
    await clock.advance(0.05)
    rate.on_throttle(clock.now())  # a call sent after the cut: a new round, a new cut
    assert rate.rate == pytest.approx(25.0)


async def test_the_rate_never_falls_below_the_floor() -> None:
    clock = FakeClock()
    rate = rate_at(clock, min_rate=3.0)
    rate.reserve()
    for _ in range(20):
        await clock.advance(1.0)
        rate.on_throttle(clock.now())
    assert rate.rate == pytest.approx(3.0)


async def test_successes_grow_the_rate_by_about_increase_per_second_at_full_pace() -> None:
    clock = FakeClock()
    rate = rate_at(clock, increase=2.0)
    rate.reserve()
    rate.on_throttle(clock.now())
    rate.rate = 20.0
    for _ in range(20):  # one second of successful calls at 20/s
        rate.on_success()
    assert rate.rate == pytest.approx(22.0, abs=0.1)


async def test_after_a_cut_the_rate_climbs_fast_towards_the_last_limit_then_slowly() -> None:
    clock = FakeClock()
    rate = rate_at(clock, decrease=0.7, increase=2.0, recovery=0.5)
    for _ in range(50):
        rate.reserve()
    rate.on_throttle(clock.now())  # throttled at 50/s: cut to 35
    assert rate.rate == pytest.approx(35.0)
    for _ in range(35):  # ~a second of successes: dr/dt = 2 + (50 - r) / 2, r(1) = 54 - 19/e^0.5
        rate.on_success()
    assert rate.rate == pytest.approx(42.5, abs=1.0)
    for _ in range(10 * 50):  # ten more seconds: past 50, but only by ~2/s per second
        rate.on_success()
    assert 50.0 < rate.rate < 50.0 + 2.0 * 10


async def test_a_call_reserved_before_a_cut_does_not_cut_again_when_it_is_throttled() -> None:
    clock = FakeClock()
    rate = rate_at(clock)
    for _ in range(40):
        rate.reserve()
    rate.on_throttle(clock.now())
    rate.rate = 10.0
    waiter = asyncio.ensure_future(rate.acquire())  # reserved now, sent 0.1 s later
    await asyncio.sleep(0)
    await clock.advance(0.01)
    rate.on_throttle(clock.now())  # the cut that happens while it waits
    assert rate.rate == pytest.approx(5.0)
    await clock.advance(1.0)
    reserved_at = await waiter
    rate.on_throttle(reserved_at)  # its own throttled answer: scheduled before the cut
    assert rate.rate == pytest.approx(5.0)


async def test_the_limit_is_lifted_after_a_quiet_period() -> None:
    clock = FakeClock()
    rate = rate_at(clock, reset_after=60.0)
    rate.reserve()
    rate.on_throttle(clock.now())
    assert rate.limited
    await clock.advance(59.0)
    rate.reserve()
    assert rate.limited
    await clock.advance(1.0)
    assert rate.reserve() == 0.0
    assert not rate.limited


async def test_a_cancelled_waiter_gives_its_token_back() -> None:
    clock = FakeClock()
    rate = rate_at(clock)
    rate.reserve()
    rate.on_throttle(clock.now())
    rate.rate = 1.0
    waiter = asyncio.ensure_future(rate.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert rate.reserve() == pytest.approx(1.0)  # not 2.0: the cancelled token came back
