"""Small statistics for the report: percentiles and per-second counts.

Percentiles use the nearest-rank method (the value below which p% of samples fall, taken from
the samples themselves), which is what "p99 latency" means to most readers and never
interpolates a latency nobody saw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``samples`` (0 < p <= 100); NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max, rounded to the millisecond."""
    return {
        "p50": round(percentile(samples, 50), 3),
        "p95": round(percentile(samples, 95), 3),
        "p99": round(percentile(samples, 99), 3),
        "max": round(max(samples), 3) if samples else math.nan,
        "count": len(samples),
    }


def per_second(times: Sequence[float], *, origin: float) -> list[int]:
    """How many of ``times`` fall in each whole second after ``origin``."""
    if not times:
        return []
    buckets = [0] * (int(max(times) - origin) + 1)
    for t in times:
        if t >= origin:
            buckets[int(t - origin)] += 1
    return buckets


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` rounded to 3 decimals; NaN when the denominator is 0."""
    return round(numerator / denominator, 3) if denominator else math.nan
