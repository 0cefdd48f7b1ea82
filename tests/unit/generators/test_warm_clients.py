"""Warm AWS clients for generators: reused per identity, bounded in number and idle time."""

from __future__ import annotations

from collections.abc import Hashable

from eso.clock import FakeClock
from eso.generators.aws import WarmSlots


class FakePool:
    """Records which slots were released (the SessionPool contract ``WarmSlots`` uses)."""

    def __init__(self) -> None:
        self.released: list[Hashable] = []

    async def release(self, slot: Hashable) -> None:
        self.released.append(slot)


def _slots(pool: FakePool, clock: FakeClock, *, limit: int = 2, idle: float = 100.0) -> WarmSlots:
    return WarmSlots(pool, clock=clock, limit=limit, idle=idle)  # type: ignore[arg-type]


async def test_a_client_stays_warm_between_generations() -> None:
    pool, clock = FakePool(), FakeClock()
    warm = _slots(pool, clock)
    for _ in range(3):
        warm.begin("a")
        await warm.end("a")
        await clock.advance(50)
    assert pool.released == []


async def test_an_identity_idle_past_the_limit_is_retired() -> None:
    pool, clock = FakePool(), FakeClock()
    warm = _slots(pool, clock)
    warm.begin("a")
    await warm.end("a")
    await clock.advance(101)
    warm.begin("b")
    await warm.end("b")
    assert pool.released == ["a"]


async def test_the_least_recently_used_beyond_the_bound_is_retired() -> None:
    pool, clock = FakePool(), FakeClock()
    warm = _slots(pool, clock, limit=2)
    for identity in ("a", "b", "a", "c"):
        warm.begin(identity)
        await warm.end(identity)
    assert pool.released == ["b"]


async def test_an_identity_in_use_is_never_retired() -> None:
    pool, clock = FakePool(), FakeClock()
    warm = _slots(pool, clock, limit=1)
    warm.begin("a")  # a long call on "a", the least recently used
    await clock.advance(101)  # and idle too long, by its start
    warm.begin("b")
    await warm.end("b")
    assert pool.released == ["b"]  # over the bound, the one not in use goes
    await warm.end("a")
    assert pool.released == ["b"]  # "a" just ended: warm again
