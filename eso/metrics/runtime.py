"""Series of the controller runtime: workers, workqueues and leader election.

Names and labels are controller-runtime's and client-go's (``controller_runtime_*``,
``workqueue_*``, ``leader_election_master_status``), so their dashboards work for eso.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from eso.metrics import _buckets


class RuntimeMetrics:
    """Per-controller reconcile counts, errors, latency and worker usage."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reconcile_total = Counter(
            "controller_runtime_reconcile",
            "Total number of reconciliations per controller",
            ["controller", "result"],
            registry=registry,
        )
        self.reconcile_errors = Counter(
            "controller_runtime_reconcile_errors",
            "Total number of reconciliation errors per controller",
            ["controller"],
            registry=registry,
        )
        self.reconcile_time = Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            ["controller"],
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        self.max_concurrent_reconciles = Gauge(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            ["controller"],
            registry=registry,
        )
        self.active_workers = Gauge(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller",
            ["controller"],
            registry=registry,
        )


class WorkqueueMetrics:
    """client-go's workqueue series; labels ``controller`` and ``name`` (controller-runtime)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        wq = ["controller", "name"]
        self.depth = Gauge("workqueue_depth", "Current depth of workqueue", wq, registry=registry)
        self.adds = Counter(
            "workqueue_adds", "Total number of adds handled by workqueue", wq, registry=registry
        )
        self.queue_duration = Histogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            wq,
            buckets=_buckets.QUEUE,
            registry=registry,
        )
        self.work_duration = Histogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes",
            wq,
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        self.retries = Counter(
            "workqueue_retries",
            "Total number of retries handled by workqueue",
            wq,
            registry=registry,
        )
        self.unfinished = Gauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been "
            "observed by work_duration",
            wq,
            registry=registry,
        )
        self.longest_running = Gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running",
            wq,
            registry=registry,
        )


class LeaderMetrics:
    """``leader_election_master_status`` (client-go's name), one series per Lease."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.status = Gauge(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
            "backup, 1 indicates master",
            ["name"],
            registry=registry,
        )

    def without_election(self, name: str) -> None:
        """A single replica that needs no election writes as if it led: 1 for ``name``.

        client-go exports nothing without an elector; a dashboard's "leader" panel and an
        alert on ``max(leader_election_master_status) < 1`` then read "no leader" for the
        default single-replica install, so eso exports 1 under the lease name it would use.
        """
        self.status.labels(name).set(1)
