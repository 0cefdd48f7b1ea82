"""The store controllers' series, with ESO's names and labels (``ssmetrics``, ``cssmetrics``).

Per store kind, as ESO splits them: ``secretstore_reconcile_duration{name,namespace}`` and
``clustersecretstore_reconcile_duration{name,namespace}`` are ESO's gauges of the last
reconcile in nanoseconds (``namespace`` is empty for the cluster-scoped kind, as ESO labels it);
``*_status_condition{name,namespace,condition,status}`` is 1 for the current Ready status and 0
for the opposite one. A gauge of the last duration hides every other reconcile, so eso adds
``eso_secretstore_reconcile_duration_seconds`` and
``eso_clustersecretstore_reconcile_duration_seconds``, histograms in seconds by ``result``,
as it does for ExternalSecrets and ClusterExternalSecrets. ``forget`` removes a deleted
store's series (ESO's ``RemoveMetrics``). Stores are few, so labelled children are fine.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge, Histogram

from eso.metrics import _buckets

_OPPOSITE = {"True": "False", "False": "True"}
_STATUSES = ("True", "False", "Unknown")
_READY = "Ready"


@dataclass(frozen=True)
class _KindSeries:
    """One store kind's gauges and histogram."""

    duration: Gauge
    condition: Gauge
    seconds: Histogram


def _kind_series(registry: CollectorRegistry, *, prefix: str, title: str) -> _KindSeries:
    seconds = Histogram(
        f"eso_{prefix}_reconcile_duration_seconds",
        f"Time to reconcile one {title}, in seconds",
        ["result"],
        buckets=_buckets.LATENCY,
        registry=registry,
    )
    for result in ("success", "error"):
        seconds.labels(result)  # both exported from the start, at 0
    return _KindSeries(
        duration=Gauge(
            f"{prefix}_reconcile_duration",
            f"The duration time to reconcile the {title}",
            ["name", "namespace"],
            registry=registry,
        ),
        condition=Gauge(
            f"{prefix}_status_condition",
            f"The status condition of a specific {title}",
            ["name", "namespace", "condition", "status"],
            registry=registry,
        ),
        seconds=seconds,
    )


class StoreMetrics:
    """SecretStore and ClusterSecretStore series; ``namespace`` None means the cluster kind."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.secret_store = _kind_series(registry, prefix="secretstore", title="Secret Store")
        self.cluster_secret_store = _kind_series(
            registry, prefix="clustersecretstore", title="Cluster Secret Store"
        )

    def _kind(self, namespace: str | None) -> tuple[_KindSeries, str]:
        if namespace is None:
            return self.cluster_secret_store, ""
        return self.secret_store, namespace

    def reconciled(self, *, namespace: str | None, name: str, seconds: float, ok: bool) -> None:
        """One reconcile of the store ended after ``seconds``."""
        series, ns = self._kind(namespace)
        series.duration.labels(name, ns).set(seconds * 1e9)
        series.seconds.labels("success" if ok else "error").observe(seconds)

    def ready(self, *, namespace: str | None, name: str, status: str) -> None:
        """ESO's store ``UpdateStatusCondition`` for Ready."""
        series, ns = self._kind(namespace)
        if status in _OPPOSITE:
            series.condition.labels(name, ns, _READY, _OPPOSITE[status]).set(0)
        series.condition.labels(name, ns, _READY, status).set(1)

    def forget(self, *, namespace: str | None, name: str) -> None:
        """Remove every per-object series of a deleted store."""
        series, ns = self._kind(namespace)
        with contextlib.suppress(KeyError):
            series.duration.remove(name, ns)
        for status in _STATUSES:
            with contextlib.suppress(KeyError):
                series.condition.remove(name, ns, _READY, status)
