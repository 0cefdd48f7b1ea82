"""Series of rollout on change (``eso.io/rollout-on-change``), an eso-only feature.

One counter by outcome, no per-object labels: which workload rolled is in the ExternalSecret's
events; the counter is what an alert on failing or deferred rollouts needs.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter

RolloutResult = Literal["rolled", "deferred", "failed"]
_RESULTS: tuple[RolloutResult, ...] = ("rolled", "deferred", "failed")


class RolloutMetrics:
    """``eso_rollout_total{result}``: workload rollouts attempted, by outcome."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.total = Counter(
            "eso_rollout",
            "Workload rollouts after a Secret's data changed, by result (rolled, deferred by "
            "the minimum interval, failed)",
            ["result"],
            registry=registry,
        )
        for result in _RESULTS:
            self.total.labels(result)  # exported at 0 from the start

    def counted(self, result: RolloutResult) -> None:
        self.total.labels(result).inc()
