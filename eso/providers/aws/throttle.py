"""Adaptive client-side rate per credential identity: AIMD over a token bucket.

AWS throttles per account and API; when it answers ``ThrottlingException``, every worker that
retries on its own keeps the offered load where it was and the throttling never ends. So all
calls made with one credential identity (the key the session pool, value cache and batcher
already use) take a token from one ``AdaptiveRate`` first, and its rate follows AWS's answers:

- Until AWS first throttles, there is no limit: a healthy identity pays nothing.
- A throttled answer cuts the rate multiplicatively: to ``decrease`` (0.7, CUBIC's factor) times
  the rate in force, or times the measured send rate of the last second when no limit was in
  force yet. One cut per round of calls: an answer to a call whose token was *reserved* before
  the last cut says nothing new (it was scheduled at the old rate, even if it left after the
  cut) and does not cut again.
- Each successful call while limited adds ``step / rate`` calls/s, i.e. about ``step`` calls/s
  more per second at full pace. ``step`` is ``increase`` plus ``recovery`` (half) of the gap to
  the rate of the last cut: a fast climb back towards where AWS last said no, then slow
  additive probing past it (CUBIC's shape, in two straight lines), so the rate saws just under
  the limit instead of oscillating over it or idling at 70 % of it.
- ``reset_after`` seconds without a throttled answer lift the limit again (quotas are raised,
  load moves), so one bad minute does not cap an identity for the life of the process.

The bucket holds one token per 100 ms of rate (at least one): a short burst, then calls are
spaced at the rate. ``acquire`` reserves a token at once and sleeps off the debt, so waiters go
in arrival order without a lock, and a cancelled waiter hands its token back (as
``eso.kube.throttle.TokenBucket``). Everything is synchronous arithmetic on an injected clock,
so tests drive it with ``FakeClock``.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from eso.clock import Clock

# botocore's and the AWS SDKs' throttling codes (retryhandler / standard retry mode).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
HTTP_TOO_MANY_REQUESTS = 429
BURST_SECONDS = 0.1  # tokens a bucket holds, in seconds of its rate


@dataclass(frozen=True)
class RateTuning:
    """How an ``AdaptiveRate`` reacts; defaults documented in ``AWSSettings``."""

    decrease: float = 0.7
    increase: float = 2.0
    recovery: float = 0.5
    min_rate: float = 1.0
    reset_after: float = 300.0


class AdaptiveRate:
    """The shared send rate of one credential identity (see the module docstring)."""

    def __init__(self, *, tuning: RateTuning, clock: Clock) -> None:
        self._tuning = tuning
        self._clock = clock
        self.rate: float | None = None  # calls/s; None: no limit in force
        self.throttled = 0  # throttled answers seen, for metrics
        self._tokens = 0.0
        self._last = clock.now()
        self._cut_at = float("-inf")
        self._last_max = 0.0  # the rate in force when AWS last throttled
        self._window_start = clock.now()
        self._window_calls = 0
        self._previous_calls = 0

    # --- sending --------------------------------------------------------------------------

    def reserve(self) -> float:
        """Take a token: the seconds the caller must wait before sending (0: send now)."""
        now = self._clock.now()
        self._count_send(now)
        self._maybe_reset(now)
        if self.rate is None:
            return 0.0
        burst = max(1.0, self.rate * BURST_SECONDS)
        self._tokens = min(burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> float:
        """Wait until a call may be sent; returns when its token was reserved (for
        ``on_throttle``). Cancellation returns the reserved token."""
        reserved_at = self._clock.now()
        delay = self.reserve()
        if delay > 0:
            try:
                await self._clock.sleep(delay)
            except asyncio.CancelledError:
                self._tokens += 1.0
                raise
        return reserved_at

    def _count_send(self, now: float) -> None:
        elapsed = now - self._window_start
        if elapsed >= 1.0:
            self._previous_calls = self._window_calls if elapsed < 2.0 else 0
            self._window_calls = 0
            self._window_start = now - (elapsed % 1.0)
        self._window_calls += 1

    def measured_rate(self) -> float:
        """Calls sent in the last full second (the current one if it has more)."""
        return float(max(self._previous_calls, self._window_calls))

    def _maybe_reset(self, now: float) -> None:
        if self.rate is not None and now - self._cut_at >= self._tuning.reset_after:
            self.rate = None

    # --- answers --------------------------------------------------------------------------

    def on_throttle(self, reserved_at: float) -> None:
        """AWS throttled a call whose token was reserved at ``reserved_at``: cut the rate
        (once per round of calls)."""
        self.throttled += 1
        if reserved_at < self._cut_at:
            return
        now = self._clock.now()
        current = self.rate if self.rate is not None else self.measured_rate()
        self._last_max = current
        self.rate = max(self._tuning.min_rate, current * self._tuning.decrease)
        self._tokens = min(self._tokens, 0.0)
        self._last = now
        self._cut_at = now

    def on_success(self) -> None:
        """A call went through: probe for room (additive increase) while limited."""
        if self.rate is not None:
            gap = max(0.0, self._last_max - self.rate)
            step = self._tuning.increase + self._tuning.recovery * gap
            self.rate += step / max(self.rate, 1.0)

    @property
    def limited(self) -> bool:
        return self.rate is not None and math.isfinite(self.rate)
