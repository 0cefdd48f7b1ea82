"""The minimum interval between two rollouts of one workload.

A remote value that flaps (rotated, rolled back, rotated again) must not restart a workload
more often than the operator allows (``--rollout-min-interval``, default 1 min). The limiter
only answers "how long until this workload may roll again"; the caller defers, never drops:
the change waits for the end of the interval and then rolls with the latest data.

Times are the injected clock's monotonic seconds. The record is in memory: after a restart
(or a leadership change) the first change rolls at once, which can be one rollout inside an
interval; persisting it would cost a write per rollout to some object.
"""

from __future__ import annotations

from collections.abc import Hashable

from eso.clock import Clock


class MinIntervalLimiter:
    """Per-key "not more often than every ``min_interval`` seconds"."""

    def __init__(self, *, min_interval: float, clock: Clock) -> None:
        self._min_interval = max(0.0, min_interval)
        self._clock = clock
        self._last: dict[Hashable, float] = {}
        self._prior: dict[Hashable, float | None] = {}

    def wait(self, key: Hashable) -> float:
        """Seconds until ``key`` may roll again (0: now)."""
        last = self._last.get(key)
        if last is None:
            return 0.0
        return max(0.0, last + self._min_interval - self._clock.now())

    def acquire(self, key: Hashable) -> float:
        """0 and ``key`` counts as rolled now; else the seconds to wait (nothing recorded).

        Checks and records in one step (no await between), so two ExternalSecrets naming
        one workload cannot both roll it inside the interval.
        """
        wait = self.wait(key)
        if wait > 0:
            return wait
        self._prior[key] = self._last.get(key)
        self._last[key] = self._clock.now()
        return 0.0

    def release(self, key: Hashable) -> None:
        """The rollout ``acquire`` allowed did not happen: restore the previous record."""
        prior = self._prior.pop(key, None)
        if prior is None:
            self._last.pop(key, None)
        else:
            self._last[key] = prior

    def prune(self) -> None:
        """Drop records older than the interval: they no longer limit anything."""
        horizon = self._clock.now() - self._min_interval
        for key in [k for k, t in self._last.items() if t <= horizon]:
            del self._last[key]
        self._prior.clear()
