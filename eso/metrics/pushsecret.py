"""The PushSecret and ClusterPushSecret controllers' series, with ESO's names and labels.

``pushsecret_reconcile_duration{name,namespace}`` is ESO's gauge in nanoseconds and
``pushsecret_status_condition{name,namespace,condition,status}`` its condition gauge: 1 for
the current Ready status, 0 for the opposite one (ESO's ``UpdatePushSecretCondition`` writes
both for True and for False). ``clusterpushsecret_reconcile_duration`` and
``clusterpushsecret_status_condition`` are the same for ClusterPushSecrets (``namespace``
empty: cluster-scoped). eso adds a seconds histogram per kind beside ESO's gauges. A
PushSecret is a handful of series, so plain labelled children are fine.
"""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Gauge, Histogram

from eso.metrics import _buckets

_OPPOSITE = {"True": "False", "False": "True"}
_STATUSES = ("True", "False", "Unknown")
_READY = "Ready"


class _KindMetrics:
    """ESO's two gauges of one kind and eso's latency histogram."""

    def __init__(self, registry: CollectorRegistry, *, prefix: str, title: str) -> None:
        self.duration = Gauge(
            f"{prefix}_reconcile_duration",
            f"The duration time to reconcile the {title}",
            ["name", "namespace"],
            registry=registry,
        )
        self.condition = Gauge(
            f"{prefix}_status_condition",
            f"The status condition of a specific {title}",
            ["name", "namespace", "condition", "status"],
            registry=registry,
        )
        self.reconcile_seconds = Histogram(
            f"eso_{prefix}_reconcile_duration_seconds",
            f"Time to reconcile one {title}, in seconds",
            ["result"],
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        for result in ("success", "error"):
            self.reconcile_seconds.labels(result)

    def reconciled(self, *, namespace: str, name: str, seconds: float, ok: bool) -> None:
        """One reconcile of ``namespace/name`` ended after ``seconds``."""
        self.duration.labels(name, namespace).set(seconds * 1e9)
        self.reconcile_seconds.labels("success" if ok else "error").observe(seconds)

    def ready(self, *, namespace: str, name: str, status: str) -> None:
        """The object's Ready condition is now ``status``."""
        for other in _STATUSES:
            if other != status and other != _OPPOSITE.get(status):
                with contextlib.suppress(KeyError):
                    self.condition.remove(name, namespace, _READY, other)
        if status in _OPPOSITE:
            self.condition.labels(name, namespace, _READY, _OPPOSITE[status]).set(0)
        self.condition.labels(name, namespace, _READY, status).set(1)

    def forget(self, *, namespace: str, name: str) -> None:
        """Remove every series of a deleted object."""
        with contextlib.suppress(KeyError):
            self.duration.remove(name, namespace)
        for status in _STATUSES:
            with contextlib.suppress(KeyError):
                self.condition.remove(name, namespace, _READY, status)


class PushSecretMetrics(_KindMetrics):
    """``pushsecret_*`` (ESO's ``psmetrics``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry, prefix="pushsecret", title="Push Secret")


class ClusterPushSecretMetrics(_KindMetrics):
    """``clusterpushsecret_*`` (ESO's ``cpsmetrics``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry, prefix="clusterpushsecret", title="Cluster Push Secret")
