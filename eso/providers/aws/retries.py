"""``spec.retrySettings`` of an AWS store: how often, and how far apart, a call is attempted.

ESO hands the AWS SDK's standard retryer ``maxRetries`` as its *maximum attempts* (3 when
unset) and, with ``retryInterval``, a constant delay between attempts; without
``retrySettings`` the SDK's defaults apply: 3 attempts, a full-jitter exponential delay of up to
``2^attempt`` seconds (at most 20 s). The same numbers are restated here, with one deliberate
difference: ``maxRetries: 0`` (or less) is one attempt, where the Go SDK would read 0 as "no
limit" and retry until its retry quota runs dry.

eso does the retrying itself (``calls.py``) and configures botocore with one attempt, so a call
is attempted exactly as often as this policy says, each attempt takes a token of the identity's
adaptive rate (``throttle.py``), and nothing multiplies attempts underneath. A bad
``retryInterval`` is ESO's "unable to initialize aws provider: ..." store error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eso.api.duration import DurationError, parse_duration
from eso.providers.base import ConfigError

if TYPE_CHECKING:
    from eso.api.secretstore import AnyStore

DEFAULT_ATTEMPTS = 3  # the SDK's DefaultMaxAttempts, also ESO's when maxRetries is unset
MAX_BACKOFF = 20.0  # the SDK's DefaultMaxBackoff, seconds
MSG_INIT = "unable to initialize aws provider: {error}"  # ESO's errInitAWSProvider


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per call and the delay between them (``interval`` None: jittered backoff)."""

    attempts: int = DEFAULT_ATTEMPTS
    interval: float | None = None

    def delay(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if self.interval is not None:
            return self.interval
        draw = (rng or _RNG).random()
        return min(MAX_BACKOFF, draw * float(2 ** min(attempt, 16)))


DEFAULT_POLICY = RetryPolicy()
_RNG = random.Random()


def retry_policy(store: AnyStore) -> RetryPolicy:
    """The store's policy (ESO's semantics, see the module docstring); ``ConfigError`` if bad."""
    settings = store.spec.retry_settings
    if settings is None:
        return DEFAULT_POLICY
    attempts = DEFAULT_ATTEMPTS if settings.max_retries is None else max(1, settings.max_retries)
    interval: float | None = None
    if settings.retry_interval is not None:
        try:
            interval = parse_duration(settings.retry_interval)
        except DurationError as e:
            raise ConfigError(MSG_INIT.format(error=e)) from None
    return RetryPolicy(attempts=attempts, interval=interval if interval and interval > 0 else None)
