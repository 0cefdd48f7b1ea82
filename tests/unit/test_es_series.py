"""ESO's per-ExternalSecret series render exactly as ESO names them, and vanish on forget."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from eso.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body = generate_latest(metrics.registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("externalsecret_") and not s.name.startswith("externalsecret_provider")
    }


def test_an_external_secret_shows_esos_four_series_with_esos_names() -> None:
    m = Metrics()
    m.es.series.sync_call(namespace="ns", name="db")
    m.es.series.sync_call(namespace="ns", name="db")
    m.es.series.sync_error(namespace="ns", name="db")
    m.es.series.reconcile_duration(namespace="ns", name="db", seconds=0.25)
    m.es.series.ready(namespace="ns", name="db", status="False")
    got = samples(m)
    obj = (("name", "db"), ("namespace", "ns"))
    assert got[("externalsecret_sync_calls_total", obj)] == 2
    assert got[("externalsecret_sync_calls_error", obj)] == 1
    assert got[("externalsecret_reconcile_duration", obj)] == 0.25e9
    ready = (("condition", "Ready"), ("name", "db"), ("namespace", "ns"))
    assert got[("externalsecret_status_condition", (*ready, ("status", "False")))] == 1
    assert got[("externalsecret_status_condition", (*ready, ("status", "True")))] == 0


def test_a_forgotten_external_secret_has_no_series_left() -> None:
    m = Metrics()
    m.es.series.sync_call(namespace="ns", name="gone")
    m.es.series.ready(namespace="ns", name="gone", status="True")
    m.es.series.sync_call(namespace="ns", name="kept")
    m.es.series.forget(namespace="ns", name="gone")
    names = {dict(labels)["name"] for _, labels in samples(m)}
    assert names == {"kept"}
    assert len(m.es.series) == 1
