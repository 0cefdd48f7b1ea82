"""The ESO-compatible per-object series: set as ESO sets them, removed with their object.

ESO's ``*_status_condition`` gauges carry one series per (object, condition, status): the
current status is 1 and the opposite status of the Ready condition is 0, so a dashboard can
``sum(... == 1)`` either way. Per-object series would grow without bound if deleted objects
kept them, so reconcilers call ``forget_*`` when they see an object gone.
"""

from __future__ import annotations

import contextlib

from prometheus_client import Counter, Gauge

from eso.api import conditions as c
from eso.metrics import Metrics

_OPPOSITE = {c.STATUS_TRUE: c.STATUS_FALSE, c.STATUS_FALSE: c.STATUS_TRUE}
_STATUSES = (c.STATUS_TRUE, c.STATUS_FALSE, c.STATUS_UNKNOWN)


def _remove(gauge: Gauge | Counter, *labels: str) -> None:
    with contextlib.suppress(KeyError):
        gauge.remove(*labels)


def set_es_ready(metrics: Metrics, *, namespace: str, name: str, status: str) -> None:
    """ESO's ``UpdateExternalSecretCondition`` for the Ready condition."""
    metrics.es.ready(namespace=namespace, name=name, status=status)


def forget_es(metrics: Metrics, *, namespace: str, name: str) -> None:
    """Remove every per-object series of a deleted ExternalSecret."""
    metrics.es.forget(namespace=namespace, name=name)


def set_store_ready(
    metrics: Metrics, *, kind: str, namespace: str | None, name: str, status: str
) -> None:
    """ESO's store ``UpdateStatusCondition`` for Ready."""
    labels = _store_labels(kind, namespace, name)
    gauge = _store_gauge(metrics, kind)
    if status in _OPPOSITE:
        gauge.labels(*labels, c.CONDITION_READY, _OPPOSITE[status]).set(0)
    gauge.labels(*labels, c.CONDITION_READY, status).set(1)


def forget_store(metrics: Metrics, *, kind: str, namespace: str | None, name: str) -> None:
    """Remove the per-object series of a deleted store."""
    gauge = _store_gauge(metrics, kind)
    for st in _STATUSES:
        _remove(gauge, *_store_labels(kind, namespace, name), c.CONDITION_READY, st)


def _store_gauge(metrics: Metrics, kind: str) -> Gauge:
    if kind == c.KIND_CLUSTER_SECRET_STORE:
        return metrics.css_status_condition
    return metrics.ss_status_condition


def _store_labels(kind: str, namespace: str | None, name: str) -> tuple[str, ...]:
    if kind == c.KIND_CLUSTER_SECRET_STORE:
        return (name,)
    return (name, namespace or "")
