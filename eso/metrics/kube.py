"""Series of the Kubernetes client and informers (client-go's ``rest_client_*`` names)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from eso.metrics import _buckets


class ClientMetrics:
    """Requests to the API server by verb, resource and status code, and their latency."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "rest_client_requests",
            "Number of HTTP requests, partitioned by verb, resource and status code",
            ["verb", "resource", "code"],
            registry=registry,
        )
        self.latency = Histogram(
            "rest_client_request_duration_seconds",
            "Request latency in seconds",
            ["verb", "resource"],
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        self.events_dropped = Counter(
            "eso_events_dropped",
            "Kubernetes Events not sent because the recorder's queue was full",
            ["component"],
            registry=registry,
        )


class InformerMetrics:
    """Watch events, relists and cached objects per informer."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "eso_informer_events", "Watch events received", ["resource", "type"], registry=registry
        )
        self.relists = Counter(
            "eso_informer_relists",
            "Full relists (start, 410 Gone, errors)",
            ["resource", "reason"],
            registry=registry,
        )
        self.objects = Gauge(
            "eso_informer_cached_objects",
            "Objects in the informer cache",
            ["resource"],
            registry=registry,
        )
