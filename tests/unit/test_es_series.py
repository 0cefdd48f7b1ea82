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


def test_an_external_secret_seen_exports_its_counters_at_zero() -> None:
    """Issue 14, item 4: the first failure is an increase from 0 that rate() can see."""
    m = Metrics()
    m.es.seen(namespace="ns", name="new")
    got = samples(m)
    obj = (("name", "new"), ("namespace", "ns"))
    assert got[("externalsecret_sync_calls_total", obj)] == 0
    assert got[("externalsecret_sync_calls_error", obj)] == 0
    assert not [k for k in got if k[0] == "externalsecret_status_condition"]  # no status yet
    m.es.sync_error(namespace="ns", name="new")
    assert samples(m)[("externalsecret_sync_calls_error", obj)] == 1


def test_seeing_an_external_secret_again_keeps_its_counts() -> None:
    m = Metrics()
    m.es.sync_error(namespace="ns", name="es")
    m.es.seen(namespace="ns", name="es")
    assert (
        samples(m)[("externalsecret_sync_calls_error", (("name", "es"), ("namespace", "ns")))] == 1
    )


def test_our_own_counters_exist_at_zero_before_anything_is_counted() -> None:
    """Issue 14, item 4 for eso's series: the reconcile histogram and the provider's counters."""
    m = Metrics()
    m.provider.provider_started("AWS/SecretsManager", calls=("GetSecretValue",))
    reg = m.registry
    for result in ("success", "error"):
        labels = {"result": result}
        assert (
            reg.get_sample_value("eso_externalsecret_reconcile_duration_seconds_count", labels) == 0
        )
    provider = {"provider": "AWS/SecretsManager"}
    for status in ("success", "error"):
        labels = {**provider, "call": "GetSecretValue", "status": status}
        assert reg.get_sample_value("externalsecret_provider_api_calls_count", labels) == 0
    for outcome in ("found", "not_found", "denied", "error"):
        labels = {**provider, "outcome": outcome}
        assert reg.get_sample_value("eso_provider_batch_secrets_total", labels) == 0
    assert reg.get_sample_value("eso_provider_cache_hits_total", provider) == 0


def test_a_single_replica_without_election_reports_itself_leader() -> None:
    """Issue 14, item 7: the "leader" panel reads 1 for the default one-replica install."""
    m = Metrics()
    m.leader.without_election("external-secrets-controller")
    labels = {"name": "external-secrets-controller"}
    assert m.registry.get_sample_value("leader_election_master_status", labels) == 1
