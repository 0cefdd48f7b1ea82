"""The call-economy building blocks on their own: batcher, single flight, value cache.

Time is a ``FakeClock``: a batch window only ends when the test advances the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from eso.clock import FakeClock
from eso.providers.aws.batching import Batcher
from eso.providers.aws.cache import CacheKey, ValueCache
from eso.providers.aws.singleflight import SingleFlight
from eso.providers.base import ProviderUnavailableError, SecretNotFoundError
from eso.settings import AWSSettings


class FakeBatchAPI:
    """Records batches; ``missing`` ids come back as per-id errors."""

    def __init__(self, *, missing: frozenset[str] = frozenset()) -> None:
        self.batches: list[list[str]] = []
        self.missing = missing
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, ids: list[str]) -> Mapping[str, str | BaseException]:
        self.batches.append(ids)
        await self.release.wait()
        return {i: SecretNotFoundError(i) if i in self.missing else f"value-{i}" for i in ids}


async def settle() -> None:
    await FakeClock().advance(0)


async def test_batch_is_sent_at_once_when_full() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    batcher = Batcher(api, window=10.0, size=3, clock=clock)
    results = await asyncio.gather(*(batcher.get(f"s{i}") for i in range(3)))
    assert results == ["value-s0", "value-s1", "value-s2"]
    assert api.batches == [["s0", "s1", "s2"]]
    await batcher.close()


async def test_partial_batch_waits_for_the_window() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    batcher = Batcher(api, window=0.005, size=20, clock=clock)
    reads = asyncio.gather(batcher.get("a"), batcher.get("b"))
    await settle()
    assert api.batches == []
    await clock.advance(0.005)
    assert await reads == ["value-a", "value-b"]
    assert api.batches == [["a", "b"]]
    await batcher.close()


async def test_per_id_errors_reach_only_their_caller() -> None:
    api = FakeBatchAPI(missing=frozenset({"gone"}))
    batcher = Batcher(api, window=1.0, size=3, clock=FakeClock())
    results = await asyncio.gather(
        batcher.get("a"), batcher.get("gone"), batcher.get("b"), return_exceptions=True
    )
    assert results[0] == "value-a" and results[2] == "value-b"
    assert isinstance(results[1], SecretNotFoundError)
    await batcher.close()


async def test_a_failed_batch_fails_every_caller() -> None:
    async def broken(ids: list[str]) -> Mapping[str, str | BaseException]:
        raise ProviderUnavailableError("throttled")

    batcher: Batcher[str] = Batcher(broken, window=1.0, size=2, clock=FakeClock())
    results = await asyncio.gather(batcher.get("a"), batcher.get("b"), return_exceptions=True)
    assert all(isinstance(r, ProviderUnavailableError) for r in results)
    await batcher.close()


async def test_cancelled_caller_does_not_cancel_the_batch_for_others() -> None:
    api = FakeBatchAPI()
    api.release.clear()
    batcher = Batcher(api, window=1.0, size=2, clock=FakeClock())
    quitter = asyncio.ensure_future(batcher.get("a"))
    stayer = asyncio.ensure_future(batcher.get("b"))
    await settle()
    quitter.cancel()
    api.release.set()
    assert await stayer == "value-b"
    assert quitter.cancelled()
    await batcher.close()


async def test_reads_during_an_inflight_call_gather_into_one_batch() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=20, max_inflight=1, clock=clock)
    first = asyncio.ensure_future(batcher.get("a"))
    await settle()
    await clock.advance(0.005)
    assert api.batches == [["a"]]
    later = [asyncio.ensure_future(batcher.get(f"b{i}")) for i in range(3)]
    await settle()
    await clock.advance(0.005)
    for i in range(3, 5):  # windows end while the first call is out: still one batch
        later.append(asyncio.ensure_future(batcher.get(f"b{i}")))
        await settle()
        await clock.advance(0.005)
    assert api.batches == [["a"]]
    api.release.set()
    assert await first == "value-a"
    assert await asyncio.gather(*later) == [f"value-b{i}" for i in range(5)]
    assert api.batches == [["a"], [f"b{i}" for i in range(5)]]
    await batcher.close()


async def test_a_full_batch_goes_at_once_even_while_a_call_is_in_flight() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=2, max_inflight=1, clock=clock)
    first = asyncio.ensure_future(batcher.get("a"))
    await settle()
    await clock.advance(0.005)
    full = asyncio.gather(batcher.get("b"), batcher.get("c"))
    await settle()
    assert api.batches == [["a"], ["b", "c"]]
    api.release.set()
    assert await first == "value-a"
    assert await full == ["value-b", "value-c"]
    await batcher.close()


async def test_without_a_limit_every_window_sends_its_own_batch() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=20, clock=clock)
    reads = [asyncio.ensure_future(batcher.get("a"))]
    await settle()
    await clock.advance(0.005)
    reads.append(asyncio.ensure_future(batcher.get("b")))
    await settle()
    await clock.advance(0.005)
    assert api.batches == [["a"], ["b"]]
    api.release.set()
    assert await asyncio.gather(*reads) == ["value-a", "value-b"]
    await batcher.close()


async def test_close_fails_reads_waiting_behind_an_inflight_call() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=20, max_inflight=1, clock=clock)
    reads = [asyncio.ensure_future(batcher.get("a"))]
    await settle()
    await clock.advance(0.005)
    reads.append(asyncio.ensure_future(batcher.get("b")))
    await settle()
    await clock.advance(0.005)
    await batcher.close()
    results = await asyncio.gather(*reads, return_exceptions=True)
    assert all(isinstance(r, ProviderUnavailableError) for r in results)
    assert api.batches == [["a"]]


async def test_close_fails_waiting_reads_and_refuses_new_ones() -> None:
    clock = FakeClock()
    batcher = Batcher(FakeBatchAPI(), window=10.0, size=20, clock=clock)
    waiting = asyncio.ensure_future(batcher.get("a"))
    await settle()
    await batcher.close()
    with pytest.raises(ProviderUnavailableError):
        await waiting
    with pytest.raises(ProviderUnavailableError):
        await batcher.get("b")


async def test_single_flight_shares_one_call_and_counts_joiners() -> None:
    joined: list[int] = []
    started = 0
    gate = asyncio.Event()

    async def fetch() -> str:
        nonlocal started
        started += 1
        await gate.wait()
        return "v"

    flight: SingleFlight[str, str] = SingleFlight(on_coalesced=lambda: joined.append(1))
    calls = [asyncio.ensure_future(flight.do("k", fetch)) for _ in range(5)]
    await settle()
    gate.set()
    assert await asyncio.gather(*calls) == ["v"] * 5
    assert (started, len(joined), len(flight)) == (1, 4, 0)


async def test_single_flight_shares_errors_and_forgets_the_call() -> None:
    attempts = 0

    async def fail() -> str:
        nonlocal attempts
        attempts += 1
        raise SecretNotFoundError("nope")

    flight: SingleFlight[str, str] = SingleFlight()
    results = await asyncio.gather(
        flight.do("k", fail), flight.do("k", fail), return_exceptions=True
    )
    assert all(isinstance(r, SecretNotFoundError) for r in results)
    with pytest.raises(SecretNotFoundError):
        await flight.do("k", fail)
    assert attempts == 2


def key(identity: str = "id-a", secret: str = "s") -> CacheKey:
    return CacheKey(identity, secret, "AWSCURRENT")


async def test_cache_entry_expires_at_the_smaller_of_ttl_and_max_age() -> None:
    clock = FakeClock()
    cache: ValueCache[str] = ValueCache(ttl=30.0, max_entries=10, clock=clock)
    cache.put(key(), "v")
    await clock.advance(9.0)
    assert cache.get(key(), max_age=10.0) == "v"
    assert cache.get(key()) == "v"
    await clock.advance(1.0)
    assert cache.get(key(), max_age=10.0) is None  # a reader refreshing every 10 s reads again
    assert cache.get(key(), max_age=60.0) == "v"
    await clock.advance(20.0)
    assert cache.get(key(), max_age=60.0) is None  # ttl bounds everyone


async def test_expired_values_leave_memory_when_new_ones_arrive() -> None:
    clock = FakeClock()
    cache: ValueCache[str] = ValueCache(ttl=30.0, max_entries=100, clock=clock)
    for name in ("a", "b", "c"):
        cache.put(key(secret=name), name)
    await clock.advance(31.0)
    cache.put(key(secret="fresh"), "fresh")
    assert len(cache) == 1
    assert cache.get(key(secret="fresh")) == "fresh"


async def test_default_cap_keeps_a_value_per_external_secret_at_100k_until_its_ttl() -> None:
    """A cold sync of 100k ExternalSecrets reading one secret each within one TTL: every
    value is still there for its reuse (a prefetched refresh, another reader)."""
    clock, defaults = FakeClock(), AWSSettings()
    cache: ValueCache[str] = ValueCache(
        ttl=defaults.cache_ttl, max_entries=defaults.cache_max_entries, clock=clock
    )
    for i in range(100_000):
        cache.put(key(secret=f"app-{i}"), "v")
    await clock.advance(defaults.cache_ttl - 1.0)
    assert cache.get(key(secret="app-0")) == "v"  # the first one fetched, the oldest
    assert len(cache) == 100_000


def test_cache_is_keyed_by_identity_and_flushed_per_identity() -> None:
    cache: ValueCache[str] = ValueCache(ttl=30.0, max_entries=10, clock=FakeClock())
    cache.put(key("id-a"), "a")
    assert cache.get(key("id-b")) is None
    cache.put(key("id-b"), "b")
    assert cache.flush_identity("id-a") == 1
    assert (cache.get(key("id-a")), cache.get(key("id-b"))) == (None, "b")


def test_cache_is_bounded_least_recently_used_first() -> None:
    cache: ValueCache[str] = ValueCache(ttl=30.0, max_entries=2, clock=FakeClock())
    cache.put(key(secret="a"), "a")
    cache.put(key(secret="b"), "b")
    assert cache.get(key(secret="a")) == "a"
    cache.put(key(secret="c"), "c")
    assert len(cache) == 2
    assert cache.get(key(secret="b")) is None
    assert cache.get(key(secret="a")) == "a"


@pytest.mark.parametrize(("enabled", "ttl"), [(False, 30.0), (True, 0.0)])
def test_cache_can_be_turned_off(enabled: bool, ttl: float) -> None:
    cache: ValueCache[str] = ValueCache(ttl=ttl, max_entries=10, enabled=enabled)
    cache.put(key(), "v")
    assert cache.get(key()) is None
    assert len(cache) == 0


async def test_an_urgent_read_does_not_wait_for_the_inflight_call() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=20, max_inflight=1, clock=clock)
    reads = [asyncio.ensure_future(batcher.get("a"))]
    await settle()
    await clock.advance(0.005)
    reads.append(asyncio.ensure_future(batcher.get("refresh")))
    await settle()
    await clock.advance(0.005)
    assert api.batches == [["a"]]  # the refresh waits for the call in flight
    reads.append(asyncio.ensure_future(batcher.get("new", urgent=True)))
    await settle()
    assert api.batches == [["a"], ["refresh", "new"]]  # the urgent read takes it along
    api.release.set()
    assert await asyncio.gather(*reads) == ["value-a", "value-refresh", "value-new"]
    await batcher.close()


async def test_an_urgent_read_in_an_open_window_goes_when_the_window_ends() -> None:
    api, clock = FakeBatchAPI(), FakeClock()
    api.release.clear()
    batcher = Batcher(api, window=0.005, size=20, max_inflight=1, clock=clock)
    reads = [asyncio.ensure_future(batcher.get("a"))]
    await settle()
    await clock.advance(0.005)
    reads.append(asyncio.ensure_future(batcher.get("new", urgent=True)))
    await settle()
    assert api.batches == [["a"]]  # gathering for the window first
    await clock.advance(0.005)
    assert api.batches == [["a"], ["new"]]
    api.release.set()
    await asyncio.gather(*reads)
    await batcher.close()
