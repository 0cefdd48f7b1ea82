"""ESO's store series: duration gauges in nanoseconds, Ready both ways, per kind, forgotten."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from eso.metrics import StoreMetrics


def sample(registry: CollectorRegistry, series: str, /, **labels: str) -> float | None:
    return registry.get_sample_value(series, labels)


@pytest.mark.parametrize(
    ("namespace", "prefix", "ns_label"),
    [
        pytest.param("team", "secretstore", "team", id="SecretStore"),
        pytest.param(None, "clustersecretstore", "", id="ClusterSecretStore"),
    ],
)
def test_reconcile_duration_is_esos_nanosecond_gauge_plus_a_histogram(
    namespace: str | None, prefix: str, ns_label: str
) -> None:
    registry = CollectorRegistry()
    metrics = StoreMetrics(registry)
    metrics.reconciled(namespace=namespace, name="aws", seconds=0.25, ok=True)
    metrics.reconciled(namespace=namespace, name="aws", seconds=0.5, ok=False)
    gauge = sample(registry, f"{prefix}_reconcile_duration", name="aws", namespace=ns_label)
    assert gauge == 0.5e9  # the last reconcile, as ESO's gauge
    count = f"eso_{prefix}_reconcile_duration_seconds_count"
    assert sample(registry, count, result="success") == 1
    assert sample(registry, count, result="error") == 1


def test_a_cluster_store_is_labelled_with_an_empty_namespace_as_in_eso() -> None:
    registry = CollectorRegistry()
    metrics = StoreMetrics(registry)
    metrics.ready(namespace=None, name="global", status="False")
    labels = {"name": "global", "namespace": "", "condition": "Ready"}
    assert sample(registry, "clustersecretstore_status_condition", **labels, status="False") == 1
    assert sample(registry, "clustersecretstore_status_condition", **labels, status="True") == 0
    assert sample(registry, "secretstore_status_condition", **labels, status="False") is None


def test_forget_removes_every_series_of_the_store_and_only_those() -> None:
    registry = CollectorRegistry()
    metrics = StoreMetrics(registry)
    for name in ("gone", "kept"):
        metrics.ready(namespace="team", name=name, status="True")
        metrics.reconciled(namespace="team", name=name, seconds=0.1, ok=True)
    metrics.forget(namespace="team", name="gone")
    names = {
        s.labels.get("name") for m in registry.collect() for s in m.samples if "name" in s.labels
    }
    assert names == {"kept"}
