"""The ClusterExternalSecret controller's series, with ESO's names and labels (``cesmetrics``).

``clusterexternalsecret_reconcile_duration{name,namespace}`` is ESO's gauge in nanoseconds
(``namespace`` is empty: the kind is cluster-scoped) and
``clusterexternalsecret_status_condition{name,namespace,condition,status}`` its condition
gauge: 1 for the current Ready status, 0 for the opposite one. ESO only ever writes the series
when Ready is True (its ``UpdateClusterExternalSecretCondition`` returns early otherwise), so
a failing CES keeps showing its last good state there; eso also writes False, which is what an
alert needs. ``eso_clusterexternalsecret_reconcile_duration_seconds`` is eso's histogram beside
ESO's gauge. One CES is a handful of series, so plain labelled children are fine here.
"""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Gauge, Histogram

from eso.metrics import _buckets

_OPPOSITE = {"True": "False", "False": "True"}
_STATUSES = ("True", "False", "Unknown")
_READY = "Ready"


class ClusterExternalSecretMetrics:
    """ESO's two per-CES gauges and a latency histogram."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Gauge(
            "clusterexternalsecret_reconcile_duration",
            "The duration time to reconcile the Cluster External Secret",
            ["name", "namespace"],
            registry=registry,
        )
        self.condition = Gauge(
            "clusterexternalsecret_status_condition",
            "The status condition of a specific Cluster External Secret",
            ["name", "namespace", "condition", "status"],
            registry=registry,
        )
        self.reconcile_seconds = Histogram(
            "eso_clusterexternalsecret_reconcile_duration_seconds",
            "Time to reconcile one ClusterExternalSecret, in seconds",
            ["result"],
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        for result in ("success", "error"):
            self.reconcile_seconds.labels(result)

    def reconciled(self, *, name: str, seconds: float, ok: bool) -> None:
        """One reconcile of ``name`` ended after ``seconds``."""
        self.duration.labels(name, "").set(seconds * 1e9)
        self.reconcile_seconds.labels("success" if ok else "error").observe(seconds)

    def ready(self, *, name: str, status: str) -> None:
        """The CES's Ready condition is now ``status``."""
        for other in _STATUSES:
            if other != status and other != _OPPOSITE.get(status):
                with contextlib.suppress(KeyError):
                    self.condition.remove(name, "", _READY, other)
        if status in _OPPOSITE:
            self.condition.labels(name, "", _READY, _OPPOSITE[status]).set(0)
        self.condition.labels(name, "", _READY, status).set(1)

    def forget(self, *, name: str) -> None:
        """Remove every series of a deleted CES (ESO's ``RemoveMetrics``)."""
        with contextlib.suppress(KeyError):
            self.duration.remove(name, "")
        for status in _STATUSES:
            with contextlib.suppress(KeyError):
                self.condition.remove(name, "", _READY, status)
