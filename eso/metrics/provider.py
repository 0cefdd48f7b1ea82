"""Series of the provider layer: ESO's API-call counter and eso's call-economy series."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from eso.metrics.eso_series import EsoCounterNames


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
