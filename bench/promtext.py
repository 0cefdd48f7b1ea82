"""Reading the controller's ``/metrics``: a few counters, summed over chosen labels.

With thousands of ExternalSecrets the exposition has per-object series (ESO-compatible
``externalsecret_sync_calls_total{name,namespace}``), so the body is megabytes. The harness only
needs totals, so this parser keeps the lines of the wanted metric names and sums their values,
grouped by a projection of the labels, instead of building every family with
``prometheus_client.parser``. It is scraped at phase boundaries only, never in a loop during a
measurement, so scraping does not perturb what it measures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

AWS_CALLS = "externalsecret_provider_api_calls_count"
REST_REQUESTS = "rest_client_requests_total"
SYNC_CALLS = "externalsecret_sync_calls_total"
SYNC_ERRORS = "externalsecret_sync_calls_error"
CACHE_HITS = "eso_provider_cache_hits_total"
PREFETCHED = "eso_provider_prefetched_reads_total"
COALESCED = "eso_provider_coalesced_reads_total"
BATCH_SIZE_SUM = "eso_provider_batch_size_sum"
BATCH_SIZE_COUNT = "eso_provider_batch_size_count"
THROTTLED_CALLS = "eso_provider_throttled_calls_total"
ALLOWED_RATE = "eso_provider_allowed_rate"
BATCH_SIZE_BUCKET = "eso_provider_batch_size_bucket"
BATCH_SIZE_BOUNDS = (1, 2, 4, 8, 12, 16, 20)  # eso_provider_batch_size's buckets
# histograms whose _sum/_count give the storm's mean time per step (where a new object waits)
REST_SECONDS = "rest_client_request_duration_seconds"
QUEUE_SECONDS = "workqueue_queue_duration_seconds"
WORK_SECONDS = "workqueue_work_duration_seconds"
DURATIONS = (REST_SECONDS, QUEUE_SECONDS, WORK_SECONDS)
WANTED = (
    AWS_CALLS,
    REST_REQUESTS,
    SYNC_CALLS,
    SYNC_ERRORS,
    CACHE_HITS,
    PREFETCHED,
    COALESCED,
    BATCH_SIZE_SUM,
    BATCH_SIZE_COUNT,
    THROTTLED_CALLS,
    ALLOWED_RATE,
    BATCH_SIZE_BUCKET,
    *(f"{name}_{part}" for name in DURATIONS for part in ("sum", "count")),
)
# How each metric is grouped: the labels kept (everything else is summed away).
GROUP_BY: dict[str, tuple[str, ...]] = {
    AWS_CALLS: ("call", "status"),
    REST_REQUESTS: ("verb", "resource"),
    # cumulative counts per upper bound: the batch-size histogram
    BATCH_SIZE_BUCKET: ("le",),
    **{f"{REST_SECONDS}_{part}": ("verb", "resource") for part in ("sum", "count")},
    **{f"{name}_{part}": ("name",) for name in DURATIONS[1:] for part in ("sum", "count")},
}


@dataclass
class Snapshot:
    """Totals per metric name, and per label group for the metrics in ``GROUP_BY``."""

    totals: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    groups: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )

    def total(self, name: str) -> float:
        return self.totals.get(name, 0.0)

    def minus(self, before: Snapshot) -> Snapshot:
        """The increase since ``before`` (counters only)."""
        out = Snapshot()
        for name, value in self.totals.items():
            out.totals[name] = value - before.total(name)
        for name, groups in self.groups.items():
            for group, value in groups.items():
                out.groups[name][group] = value - before.groups.get(name, {}).get(group, 0.0)
        return out

    def means(self, name: str) -> dict[str, float]:
        """Mean of histogram ``name`` per label group: its ``_sum`` over its ``_count``."""
        sums, counts = self.groups.get(f"{name}_sum", {}), self.groups.get(f"{name}_count", {})
        return {g: round(sums.get(g, 0.0) / c, 4) for g, c in counts.items() if c > 0}

    def as_dict(self) -> dict[str, object]:
        return {
            "totals": dict(self.totals),
            "groups": {
                name: {g: v for g, v in groups.items() if v} for name, groups in self.groups.items()
            },
        }


def parse(text: str) -> Snapshot:
    """Sum the wanted metrics of a Prometheus text exposition."""
    snap = Snapshot()
    for line in text.splitlines():
        if not line.startswith(WANTED):
            continue
        m = _LINE.match(line)
        if m is None or m.group(1) not in WANTED:
            continue
        name, labels, value = m.group(1), m.group(3) or "", float(m.group(4))
        snap.totals[name] += value
        keep = GROUP_BY.get(name)
        if keep:
            found = dict(_LABEL.findall(labels))
            snap.groups[name][",".join(found.get(k, "") for k in keep)] += value
    return snap


async def scrape(url: str, *, within: float = 180.0) -> Snapshot:
    """GET ``url`` (a ``/metrics`` endpoint) and parse it."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session,
        session.get(url) as resp,
    ):
        resp.raise_for_status()
        return parse(await resp.text())
