"""Client-side request rate limit: a token bucket with an async ``acquire``.

Like client-go's ``flowcontrol`` token bucket (qps, burst): a full bucket lets ``burst``
requests through at once, then requests are spaced at ``qps``. ``acquire`` reserves a token
immediately (the balance may go negative) and sleeps off the debt, so waiters are served in
arrival order without a lock; a cancelled waiter gives its token back.
"""

from __future__ import annotations

import asyncio

from eso.clock import Clock, SystemClock


class TokenBucket:
    """``qps`` tokens per second, at most ``burst`` stored; ``qps <= 0`` means unlimited."""

    def __init__(self, qps: float, *, burst: int, clock: Clock | None = None) -> None:
        self._qps = qps
        self._burst = max(1, burst)
        self._clock = clock or SystemClock()
        self._tokens = float(self._burst)
        self._last = self._clock.now()

    def reserve(self) -> float:
        """Take one token; returns the seconds the caller must wait before using it."""
        if self._qps <= 0:
            return 0.0
        now = self._clock.now()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._qps

    async def acquire(self) -> None:
        """Wait until a request may be sent; cancellation returns the reserved token."""
        delay = self.reserve()
        if delay <= 0:
            return
        try:
            await self._clock.sleep(delay)
        except asyncio.CancelledError:
            self._tokens += 1.0
            raise
