"""ESO's ClusterExternalSecret series: names, labels, Ready both ways, forgotten on delete."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eso.metrics import ClusterExternalSecretMetrics


def sample(registry: CollectorRegistry, series: str, /, **labels: str) -> float | None:
    return registry.get_sample_value(series, labels)


def test_condition_series_follow_ready_both_ways() -> None:
    registry = CollectorRegistry()
    metrics = ClusterExternalSecretMetrics(registry)
    labels = {"name": "fleet", "namespace": "", "condition": "Ready"}
    metrics.ready(name="fleet", status="True")
    assert sample(registry, "clusterexternalsecret_status_condition", **labels, status="True") == 1
    assert sample(registry, "clusterexternalsecret_status_condition", **labels, status="False") == 0
    metrics.ready(name="fleet", status="False")
    assert sample(registry, "clusterexternalsecret_status_condition", **labels, status="True") == 0
    assert sample(registry, "clusterexternalsecret_status_condition", **labels, status="False") == 1


def test_reconcile_duration_is_esos_nanosecond_gauge_plus_a_histogram() -> None:
    registry = CollectorRegistry()
    metrics = ClusterExternalSecretMetrics(registry)
    metrics.reconciled(name="fleet", seconds=0.25, ok=True)
    gauge = sample(registry, "clusterexternalsecret_reconcile_duration", name="fleet", namespace="")
    assert gauge == 0.25e9
    count = "eso_clusterexternalsecret_reconcile_duration_seconds_count"
    assert sample(registry, count, result="success") == 1
    assert sample(registry, count, result="error") == 0


def test_forget_removes_every_series_of_the_ces() -> None:
    registry = CollectorRegistry()
    metrics = ClusterExternalSecretMetrics(registry)
    metrics.ready(name="fleet", status="True")
    metrics.reconciled(name="fleet", seconds=0.1, ok=True)
    metrics.forget(name="fleet")
    names = {
        s.labels.get("name") for m in registry.collect() for s in m.samples if "name" in s.labels
    }
    assert "fleet" not in names
