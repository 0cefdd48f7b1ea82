"""Series of the provider layer: ESO's API-call counter and eso's call-economy series.

A ``BatchGetSecretValue`` call succeeds when some of its secrets are missing or denied (each
comes back in the answer's ``Errors``), so ESO's call counter shows ``status="success"`` for a
batch that failed half its readers. ``batch_secrets`` counts what each secret asked for in a
batch read came to (``BATCH_OUTCOMES``), so missing keys show up beside the call counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from eso.metrics.eso_series import EsoCounterNames

# What one secret of a batch read came to: its value, not there, not allowed, anything else.
OUTCOME_FOUND = "found"
OUTCOME_NOT_FOUND = "not_found"
OUTCOME_DENIED = "denied"
OUTCOME_ERROR = "error"
BATCH_OUTCOMES = (OUTCOME_FOUND, OUTCOME_NOT_FOUND, OUTCOME_DENIED, OUTCOME_ERROR)
_CALL_STATUSES = ("success", "error")


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

    def provider_started(self, provider: str, *, calls: tuple[str, ...]) -> None:
        """Create ``provider``'s counters at 0 for every call and outcome it can count.

        Prometheus' instrumentation guideline: a series born at 1 hides its first increase
        from ``rate()``; the first error of a call would otherwise be invisible. Idempotent.
        """
        for call in calls:
            for status in _CALL_STATUSES:
                self.api_calls.labels(provider, call, status)
        for outcome in BATCH_OUTCOMES:
            self.batch_secrets.labels(provider, outcome)
        for counter in (self.coalesced, self.cache_hits, self.cache_misses, self.prefetched):
            counter.labels(provider)
