"""Retry rate limiters for the workqueue, with client-go's contracts.

A failing key must not hot-loop, and a storm of failing keys must not hammer AWS or the API
server. client-go answers both with ``MaxOfRateLimiter(per-item exponential, overall token
bucket)``; we copy that shape and its interface exactly so the worker loop reads like every
controller-runtime controller:

- ``when(item)`` records one more failure of ``item`` and returns how many seconds to wait
  before retrying it. It is a *reservation*: calling it consumes budget.
- ``forget(item)`` stops tracking ``item`` (after a success); its next failure starts at the
  base delay again.
- ``num_requeues(item)`` is how many failures are currently counted for ``item``.

Limiters are synchronous and single-threaded (one event loop), so they need no locks. Time
comes from an injected ``Clock`` so tests drive the token bucket with ``FakeClock``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

from eso.clock import Clock, SystemClock
from eso.settings import QueueSettings

K = TypeVar("K", bound=Hashable)
_K_contra = TypeVar("_K_contra", bound=Hashable, contravariant=True)


class RateLimiter(Protocol[_K_contra]):
    """client-go's ``workqueue.RateLimiter``."""

    def when(self, item: _K_contra) -> float:
        """Seconds ``item`` should wait before its retry; counts one more requeue."""
        ...

    def forget(self, item: _K_contra) -> None:
        """Stop tracking ``item``; call after it succeeded (or was given up on)."""
        ...

    def num_requeues(self, item: _K_contra) -> int:
        """How many requeues are counted for ``item`` since it was last forgotten."""
        ...


class ItemExponentialFailureRateLimiter:
    """``base * 2**failures`` seconds, capped at ``max_delay``; per item."""

    def __init__(self, base_delay: float, max_delay: float) -> None:
        if base_delay < 0 or max_delay < 0:
            raise ValueError("delays must not be negative")
        self._base = base_delay
        self._max = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exp = self._failures.get(item, 0)
        self._failures[item] = exp + 1
        try:
            backoff = math.ldexp(self._base, exp)
        except OverflowError:  # 2**exp beyond a float: certainly past the cap
            return self._max
        return min(backoff, self._max)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """An overall token bucket with golang.org/x/time/rate's reservation model.

    The bucket holds at most ``burst`` tokens and refills at ``qps`` per second; it starts
    full. Every ``when`` takes one token *now*, letting the balance go negative: the returned
    delay is how long until the debt is repaid. So N simultaneous failures beyond the burst
    are spread out at exactly ``qps`` instead of all retrying at once. Items are not tracked:
    ``forget`` does nothing and ``num_requeues`` is always 0 (client-go).
    """

    def __init__(self, qps: float, burst: int, *, clock: Clock | None = None) -> None:
        if qps <= 0:
            raise ValueError("qps must be positive (use math.inf for no limit)")
        if burst < 1:
            raise ValueError("burst must be at least 1, or nothing could ever pass")
        self._qps = qps
        self._burst = float(burst)
        self._clock = clock or SystemClock()
        self._tokens = self._burst
        self._last = self._clock.now()

    def when(self, item: Hashable) -> float:
        if math.isinf(self._qps):
            return 0.0
        now = self._clock.now()
        elapsed = max(0.0, now - self._last)  # a clock that went backwards refills nothing
        tokens = min(self._burst, self._tokens + elapsed * self._qps) - 1.0
        self._tokens = tokens
        self._last = max(now, self._last)
        return -tokens / self._qps if tokens < 0 else 0.0

    def forget(self, item: Hashable) -> None:
        return None

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter(Generic[K]):
    """Asks every limiter (so each records the failure) and returns the longest delay."""

    def __init__(self, *limiters: RateLimiter[K]) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self._limiters = limiters

    def when(self, item: K) -> float:
        return max(limiter.when(item) for limiter in self._limiters)

    def forget(self, item: K) -> None:
        for limiter in self._limiters:
            limiter.forget(item)

    def num_requeues(self, item: K) -> int:
        return max(limiter.num_requeues(item) for limiter in self._limiters)


def default_controller_rate_limiter(
    settings: QueueSettings, *, clock: Clock | None = None
) -> MaxOfRateLimiter[Hashable]:
    """client-go's ``DefaultControllerRateLimiter`` shape with eso's tuned numbers.

    Per item ``settings.base_delay`` doubling to ``settings.max_delay`` (why those values:
    see ``QueueSettings``), and overall ``settings.overall_qps`` with
    ``settings.overall_burst``.
    """
    return MaxOfRateLimiter[Hashable](
        ItemExponentialFailureRateLimiter(settings.base_delay, settings.max_delay),
        BucketRateLimiter(settings.overall_qps, settings.overall_burst, clock=clock),
    )
