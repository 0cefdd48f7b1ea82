"""Series of the provider layer: ESO's API-call counter and eso's call-economy series.

A ``BatchGetSecretValue`` call succeeds when some of its secrets are missing or denied (each
comes back in the answer's ``Errors``), so ESO's call counter shows ``status="success"`` for a
batch that failed half its readers. ``batch_secrets`` counts what each secret asked for in a
batch read came to (``BATCH_OUTCOMES``), so missing keys show up beside the call counts.

Throttling (``providers/aws/throttle.py``) is per credential identity, shared by the stores that
use it, so its two series are read from the live rates at scrape time, one sample per store
(labels ``provider``, ``kind``, ``namespace`` - empty for a ClusterSecretStore - and ``name``:
bounded by the stores that exist; a deleted store's series disappear with it):
``eso_provider_throttled_calls_total`` counts throttled answers to calls made with the store's
credentials (stores sharing credentials show the same count; provider ``AWS/STS`` for the
AssumeRole calls behind them) and ``eso_provider_allowed_rate`` is the calls/s the identity may
send now: ``+Inf`` until AWS throttles it (no limit in force), so the series always exists and
``eso_provider_allowed_rate < +Inf`` selects the stores being slowed down.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from eso.metrics.eso_series import EsoCounterNames

# What one secret of a batch read came to: its value, not there, not allowed, anything else.
OUTCOME_FOUND = "found"
OUTCOME_NOT_FOUND = "not_found"
OUTCOME_DENIED = "denied"
OUTCOME_ERROR = "error"
BATCH_OUTCOMES = (OUTCOME_FOUND, OUTCOME_NOT_FOUND, OUTCOME_DENIED, OUTCOME_ERROR)
_CALL_STATUSES = ("success", "error")
_STORE_LABELS = ["provider", "kind", "namespace", "name"]


@dataclass(frozen=True)
class ThrottleSample:
    """One store's view of its identity's throttling: answers counted, rate in force."""

    provider: str
    kind: str
    namespace: str
    name: str
    throttled: int
    rate: float | None  # calls/s; None: no limit in force


ThrottleSource = Callable[[], Iterable[ThrottleSample]]


class ThrottleCollector(Collector):
    """``eso_provider_throttled_calls_total`` and ``eso_provider_allowed_rate`` at scrape time."""

    def __init__(self) -> None:
        self._sources: list[ThrottleSource] = []

    def add(self, source: ThrottleSource) -> None:
        self._sources.append(source)

    def collect(self) -> Iterator[Metric]:
        throttled = CounterMetricFamily(
            "eso_provider_throttled_calls",
            "Throttled answers to calls made with a store's credential identity",
            labels=_STORE_LABELS,
        )
        rate = GaugeMetricFamily(
            "eso_provider_allowed_rate",
            "Calls per second a store's credential identity may send (+Inf: not throttled)",
            labels=_STORE_LABELS,
        )
        for source in self._sources:
            for s in source():
                labels = [s.provider, s.kind, s.namespace, s.name]
                throttled.add_metric(labels, s.throttled)
                rate.add_metric(labels, math.inf if s.rate is None else s.rate)
        yield throttled
        yield rate


class ProviderMetrics:
    """Provider calls (ESO's name), batch sizes, coalesced reads and value-cache use."""

    def __init__(self, registry: CollectorRegistry) -> None:
        # ESO (Go) exposes this counter without the ``_total`` suffix that prometheus_client
        # always appends; ``EsoCounterNames`` serves it under ESO's exact name.
        self.api_calls = Counter(
            "externalsecret_provider_api_calls_count",
            "Number of API calls towards the secret provider",
            ["provider", "call", "status"],
            registry=None,
        )
        registry.register(EsoCounterNames([self.api_calls]))
        self.batch_size = Histogram(
            "eso_provider_batch_size",
            "Secrets per batched provider call",
            ["provider"],
            buckets=(1, 2, 4, 8, 12, 16, 20),
            registry=registry,
        )
        self.coalesced = Counter(
            "eso_provider_coalesced_reads",
            "Reads served by joining an identical in-flight call",
            ["provider"],
            registry=registry,
        )
        self.cache_hits = Counter(
            "eso_provider_cache_hits",
            "Reads served from the short-lived value cache",
            ["provider"],
            registry=registry,
        )
        self.cache_misses = Counter(
            "eso_provider_cache_misses",
            "Reads not found in the value cache",
            ["provider"],
            registry=registry,
        )
        self.batch_secrets = Counter(
            "eso_provider_batch_secrets",
            "Secrets asked for in batched reads, by what each came to",
            ["provider", "outcome"],
            registry=registry,
        )
        self.prefetched = Counter(
            "eso_provider_prefetched_reads",
            "Secrets read ahead of their periodic refresh in a batch's free seats",
            ["provider"],
            registry=registry,
        )

        self.throttling = ThrottleCollector()
        registry.register(self.throttling)
        # (provider, calls) already started: every ExternalSecret sync builds a client, and
        # creating ~20 series again each time was 1 % of a cold sync's CPU
        self._started: set[tuple[str, tuple[str, ...]]] = set()

    def provider_started(self, provider: str, *, calls: tuple[str, ...]) -> None:
        """Create ``provider``'s counters at 0 for every call and outcome it can count.

        Prometheus' instrumentation guideline: a series born at 1 hides its first increase
        from ``rate()``; the first error of a call would otherwise be invisible. Idempotent,
        and cheap when repeated.
        """
        if (provider, calls) in self._started:
            return
        self._started.add((provider, calls))
        for call in calls:
            for status in _CALL_STATUSES:
                self.api_calls.labels(provider, call, status)
        for outcome in BATCH_OUTCOMES:
            self.batch_secrets.labels(provider, outcome)
        for counter in (self.coalesced, self.cache_hits, self.cache_misses, self.prefetched):
            counter.labels(provider)
