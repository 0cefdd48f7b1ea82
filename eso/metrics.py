"""Every Prometheus series eso exports, defined once.

Names and labels of the ESO-compatible series are part of our API: dashboards and alerts
written for ESO keep working. Where ESO's choice is poor we keep its series and add a better
one beside it (``externalsecret_reconcile_duration`` is a gauge in nanoseconds; we add
``eso_externalsecret_reconcile_duration_seconds``, a histogram).

A ``Metrics`` instance owns its own ``CollectorRegistry`` instead of the global default, so two
controllers (or two tests) in one process never share counters.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

# Reconciles and AWS round trips: milliseconds to a few seconds.
_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
# Time spent queued can be minutes during a refresh storm.
_QUEUE_BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class Metrics:
    """The process's metrics, registered in ``self.registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # No ``*_created`` series (prometheus_client's default, not ESO's or client-go's):
        # they would double the per-ExternalSecret series. A library-wide switch; we own
        # the process.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        r = self.registry = registry if registry is not None else CollectorRegistry()

        # --- ESO-compatible ExternalSecret series (per-object labels, removed on delete) ---
        # Four series per ExternalSecret, kept as plain numbers: prometheus_client's labelled
        # children cost ~2.8 KiB per ExternalSecret (28 MB at 10k), these ~0.3 KiB.
        self.es = ExternalSecretSeries()
        r.register(self.es)
        self.es_reconcile_seconds = Histogram(
            "eso_externalsecret_reconcile_duration_seconds",
            "Time to reconcile one ExternalSecret, in seconds",
            ["result"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        # ESO (Go) exposes this counter without the ``_total`` suffix that prometheus_client
        # always appends; ``EsoCounterNames`` serves it under ESO's exact name.
        self.provider_api_calls = Counter(
            "externalsecret_provider_api_calls_count",
            "Number of API calls towards the secret provider",
            ["provider", "call", "status"],
            registry=None,
        )
        r.register(EsoCounterNames([self.provider_api_calls]))
        self.ss_status_condition = Gauge(
            "secretstore_status_condition",
            "The status condition of a specific Secret Store",
            ["name", "namespace", "condition", "status"],
            registry=r,
        )
        self.css_status_condition = Gauge(
            "clustersecretstore_status_condition",
            "The status condition of a specific Cluster Secret Store",
            ["name", "condition", "status"],
            registry=r,
        )

        # --- provider call economy ---
        self.provider_batch_size = Histogram(
            "eso_provider_batch_size",
            "Secrets per batched provider call",
            ["provider"],
            buckets=(1, 2, 4, 8, 12, 16, 20),
            registry=r,
        )
        self.provider_coalesced = Counter(
            "eso_provider_coalesced_reads",
            "Reads served by joining an identical in-flight call",
            ["provider"],
            registry=r,
        )
        self.provider_cache_hits = Counter(
            "eso_provider_cache_hits",
            "Reads served from the short-lived value cache",
            ["provider"],
            registry=r,
        )
        self.provider_cache_misses = Counter(
            "eso_provider_cache_misses",
            "Reads not found in the value cache",
            ["provider"],
            registry=r,
        )

        # --- controller-runtime style ---
        self.reconcile_total = Counter(
            "controller_runtime_reconcile",
            "Total number of reconciliations per controller",
            ["controller", "result"],
            registry=r,
        )
        self.reconcile_errors = Counter(
            "controller_runtime_reconcile_errors",
            "Total number of reconciliation errors per controller",
            ["controller"],
            registry=r,
        )
        self.reconcile_time = Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            ["controller"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.max_concurrent_reconciles = Gauge(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            ["controller"],
            registry=r,
        )
        self.active_workers = Gauge(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller",
            ["controller"],
            registry=r,
        )

        # --- workqueue (controller-runtime names; labels controller and name) ---
        wq = ["controller", "name"]
        self.wq_depth = Gauge("workqueue_depth", "Current depth of workqueue", wq, registry=r)
        self.wq_adds = Counter(
            "workqueue_adds", "Total number of adds handled by workqueue", wq, registry=r
        )
        self.wq_queue_duration = Histogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            wq,
            buckets=_QUEUE_BUCKETS,
            registry=r,
        )
        self.wq_work_duration = Histogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes",
            wq,
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.wq_retries = Counter(
            "workqueue_retries", "Total number of retries handled by workqueue", wq, registry=r
        )
        self.wq_unfinished = Gauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been "
            "observed by work_duration",
            wq,
            registry=r,
        )
        self.wq_longest_running = Gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running",
            wq,
            registry=r,
        )

        # --- leader election ---
        self.leader_status = Gauge(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
            "backup, 1 indicates master",
            ["name"],
            registry=r,
        )

        # --- Kubernetes client (client-go's rest_client_* names) ---
        self.rest_requests = Counter(
            "rest_client_requests",
            "Number of HTTP requests, partitioned by verb, resource and status code",
            ["verb", "resource", "code"],
            registry=r,
        )
        self.rest_latency = Histogram(
            "rest_client_request_duration_seconds",
            "Request latency in seconds",
            ["verb", "resource"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

        # --- informers ---
        self.informer_events = Counter(
            "eso_informer_events", "Watch events received", ["resource", "type"], registry=r
        )
        self.informer_relists = Counter(
            "eso_informer_relists",
            "Full relists (start, 410 Gone, errors)",
            ["resource", "reason"],
            registry=r,
        )
        self.informer_objects = Gauge(
            "eso_informer_cached_objects", "Objects in the informer cache", ["resource"], registry=r
        )


class EsoCounterNames(Collector):
    """Exposes counters under their base name, without ``_total``, as ESO's Go client does.

    ``externalsecret_sync_calls_error`` and ``externalsecret_provider_api_calls_count`` are
    ESO's names; Prometheus' Go client writes counter samples exactly as named, while
    prometheus_client always adds ``_total``. PromQL's ``rate()`` and ``increase()`` work on
    untyped series alike.
    """

    def __init__(self, counters: list[Counter]) -> None:
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        for counter in self._counters:
            for family in counter.collect():
                # "unknown" (untyped) keeps the TYPE line's name equal to the sample name;
                # as "counter" prometheus_client would announce a ``_total`` name instead.
                out = Metric(family.name, family.documentation, "unknown")
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        out.add_sample(family.name, sample.labels, sample.value)
                yield out


class _EsState:
    """One ExternalSecret's numbers; ``__slots__`` keeps it at a few dozen bytes."""

    __slots__ = ("calls", "duration_ns", "errors", "ready")

    def __init__(self) -> None:
        self.calls = 0.0
        self.errors = 0.0
        self.duration_ns = 0.0
        self.ready: str | None = None


class ExternalSecretSeries(Collector):
    """ESO's per-ExternalSecret series, rendered at scrape time from compact state.

    ``externalsecret_sync_calls_total`` (counter), ``externalsecret_sync_calls_error`` (ESO's
    name, no ``_total``: untyped), ``externalsecret_reconcile_duration`` (gauge, nanoseconds)
    and ``externalsecret_status_condition{condition="Ready"}`` (gauge: 1 for the current status,
    0 for the opposite one, as ESO sets them). ``forget`` removes every series of an object.
    """

    _OPPOSITE = {"True": "False", "False": "True"}

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], _EsState] = {}

    def _state(self, namespace: str, name: str) -> _EsState:
        key = (namespace, name)
        state = self._objects.get(key)
        if state is None:
            state = self._objects[key] = _EsState()
        return state

    def sync_call(self, *, namespace: str, name: str) -> None:
        self._state(namespace, name).calls += 1

    def sync_error(self, *, namespace: str, name: str) -> None:
        self._state(namespace, name).errors += 1

    def reconcile_duration(self, *, namespace: str, name: str, seconds: float) -> None:
        self._state(namespace, name).duration_ns = seconds * 1e9

    def ready(self, *, namespace: str, name: str, status: str) -> None:
        self._state(namespace, name).ready = status

    def forget(self, *, namespace: str, name: str) -> None:
        self._objects.pop((namespace, name), None)

    def __len__(self) -> int:
        return len(self._objects)

    def collect(self) -> Iterator[Metric]:
        calls = Metric(
            "externalsecret_sync_calls", "Total number of the External Secret sync calls", "counter"
        )
        errors = Metric(
            "externalsecret_sync_calls_error",
            "Total number of the External Secret sync errors",
            "unknown",
        )
        duration = Metric(
            "externalsecret_reconcile_duration",
            "The duration time to reconcile the External Secret (nanoseconds; ESO-compatible)",
            "gauge",
        )
        condition = Metric(
            "externalsecret_status_condition",
            "The status condition of a specific External Secret",
            "gauge",
        )
        for (namespace, name), st in list(self._objects.items()):
            labels = {"name": name, "namespace": namespace}
            calls.add_sample("externalsecret_sync_calls_total", labels, st.calls)
            errors.add_sample("externalsecret_sync_calls_error", labels, st.errors)
            duration.add_sample("externalsecret_reconcile_duration", labels, st.duration_ns)
            if st.ready is None:
                continue
            cond = {**labels, "condition": "Ready"}
            opposite = self._OPPOSITE.get(st.ready)
            if opposite is not None:
                condition.add_sample(
                    "externalsecret_status_condition", {**cond, "status": opposite}, 0.0
                )
            condition.add_sample(
                "externalsecret_status_condition", {**cond, "status": st.ready}, 1.0
            )
        yield from (calls, errors, duration, condition)
