"""ESO's PushSecret and ClusterPushSecret series: names, labels, Ready both ways, forgotten."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from eso.metrics import ClusterPushSecretMetrics, PushSecretMetrics

KINDS = [
    pytest.param(PushSecretMetrics, "pushsecret", "team-a", id="pushsecret"),
    pytest.param(ClusterPushSecretMetrics, "clusterpushsecret", "", id="clusterpushsecret"),
]


def sample(registry: CollectorRegistry, series: str, /, **labels: str) -> float | None:
    return registry.get_sample_value(series, labels)


@pytest.mark.parametrize(("kind", "prefix", "ns"), KINDS)
def test_condition_series_follow_ready_both_ways(kind: type, prefix: str, ns: str) -> None:
    registry = CollectorRegistry()
    metrics = kind(registry)
    series = f"{prefix}_status_condition"
    labels = {"name": "p", "namespace": ns, "condition": "Ready"}
    metrics.ready(namespace=ns, name="p", status="True")
    assert sample(registry, series, **labels, status="True") == 1
    assert sample(registry, series, **labels, status="False") == 0
    metrics.ready(namespace=ns, name="p", status="False")
    assert sample(registry, series, **labels, status="True") == 0
    assert sample(registry, series, **labels, status="False") == 1


@pytest.mark.parametrize(("kind", "prefix", "ns"), KINDS)
def test_reconcile_duration_is_esos_nanosecond_gauge_plus_a_histogram(
    kind: type, prefix: str, ns: str
) -> None:
    registry = CollectorRegistry()
    metrics = kind(registry)
    metrics.reconciled(namespace=ns, name="p", seconds=0.5, ok=False)
    assert sample(registry, f"{prefix}_reconcile_duration", name="p", namespace=ns) == 0.5e9
    count = f"eso_{prefix}_reconcile_duration_seconds_count"
    assert sample(registry, count, result="error") == 1
    assert sample(registry, count, result="success") == 0


@pytest.mark.parametrize(("kind", "prefix", "ns"), KINDS)
def test_forget_removes_every_series_of_the_object(kind: type, prefix: str, ns: str) -> None:
    registry = CollectorRegistry()
    metrics = kind(registry)
    metrics.ready(namespace=ns, name="p", status="True")
    metrics.reconciled(namespace=ns, name="p", seconds=0.1, ok=True)
    metrics.forget(namespace=ns, name="p")
    assert sample(registry, f"{prefix}_reconcile_duration", name="p", namespace=ns) is None
    labels = {"name": "p", "namespace": ns, "condition": "Ready"}
    for status in ("True", "False"):
        assert sample(registry, f"{prefix}_status_condition", **labels, status=status) is None
