"""The /metrics body: ESO's un-suffixed counters typed as ESO types them, and format choice."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)

from eso.metrics import Metrics
from eso.metrics.exposition import (
    CONTENT_TYPE_OPENMETRICS,
    CONTENT_TYPE_TEXT,
    open_metrics,
    render,
    text,
    wants_openmetrics,
)

BARE = ("externalsecret_sync_calls_error", "externalsecret_provider_api_calls_count")
# Prometheus 2.42's scrape Accept header, verbatim: it ranks OpenMetrics first.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)


def busy_metrics() -> Metrics:
    m = Metrics()
    m.es.seen(namespace="ns", name="es")
    m.es.reconciled(namespace="ns", name="es", seconds=0.1, ok=False)
    m.es.sync_error(namespace="ns", name="es")
    m.es.ready(namespace="ns", name="es", status="False")
    m.provider.provider_started("AWS/SecretsManager", calls=("GetSecretValue",))
    m.provider.api_calls.labels("AWS/SecretsManager", "GetSecretValue", "error").inc()
    return m


def test_text_format_types_esos_counters_counter_under_their_own_names() -> None:
    """Issue 14, item 5: ``# TYPE name counter`` and samples named exactly so, as client_golang."""
    body = text(busy_metrics().registry).decode()
    assert (
        "# TYPE externalsecret_sync_calls_error counter\n"
        'externalsecret_sync_calls_error{name="es",namespace="ns"} 1.0\n'
    ) in body
    assert "# TYPE externalsecret_provider_api_calls_count counter\n" in body
    assert 'externalsecret_provider_api_calls_count{call="GetSecretValue",' in body
    for name in BARE:
        assert f"{name}_total" not in body
    assert "untyped" not in body
    assert "# TYPE externalsecret_sync_calls_total counter\n" in body  # the others unchanged


def test_promtool_finds_nothing_in_our_names_beyond_esos_own() -> None:
    """promtool lints ESO's names exactly as it lints ESO's /metrics; nothing else."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (make promtool)")
    out = subprocess.run(
        [promtool, "check", "metrics"],
        input=text(busy_metrics().registry),
        capture_output=True,
        check=False,
    )
    findings = {line.strip() for line in (out.stdout + out.stderr).decode().splitlines()} - {""}
    assert out.returncode in (0, 3)
    assert {f.split(" ", 1)[0] for f in findings} <= set(BARE), findings


def test_openmetrics_is_valid_and_keeps_esos_sample_names_as_unknown() -> None:
    """OpenMetrics counters must end in _total: ESO's two are ``unknown``, as client_golang
    renders them, so the series keep their names whatever the format."""
    body = open_metrics(busy_metrics().registry).decode()
    assert body.endswith("# EOF\n")
    families = {f.name: f for f in openmetrics_families(body)}
    for name in BARE:
        assert families[name].type == "unknown"
        assert {s.name for s in families[name].samples} == {name}
    assert families["externalsecret_sync_calls"].type == "counter"
    assert {s.name for s in families["externalsecret_sync_calls"].samples} == {
        "externalsecret_sync_calls_total"
    }


@pytest.mark.parametrize(
    ("accept", "openmetrics"),
    [
        pytest.param(None, False, id="no-header"),
        pytest.param("", False, id="empty"),
        pytest.param("*/*", False, id="curl"),
        pytest.param("text/plain;version=0.0.4", False, id="text-only"),
        pytest.param(PROMETHEUS_ACCEPT, False, id="prometheus-ranks-both"),
        pytest.param("application/openmetrics-text", True, id="openmetrics-only"),
        pytest.param("application/openmetrics-text; version=1.0.0", True, id="openmetrics-1.0"),
        pytest.param("application/openmetrics-text, text/plain;q=0", True, id="text-refused"),
        pytest.param("application/openmetrics-text;q=0, text/plain", False, id="om-refused"),
    ],
)
def test_openmetrics_only_when_asked_for_and_text_is_not(
    accept: str | None, openmetrics: bool
) -> None:
    assert wants_openmetrics(accept) is openmetrics
    _, content_type = render(Metrics().registry, accept=accept)
    assert content_type == (CONTENT_TYPE_OPENMETRICS if openmetrics else CONTENT_TYPE_TEXT)


def test_per_object_series_over_many_objects_are_one_family_each() -> None:
    """The collector yields parts of ~1000 objects (scrape memory); scrapers see one family."""
    m = Metrics()
    for i in range(2500):
        m.es.series.sync_call(namespace="ns", name=f"es-{i}")
        m.es.series.ready(namespace="ns", name=f"es-{i}", status="True")
    body = text(m.registry).decode()
    assert body.count("# TYPE externalsecret_sync_calls_total counter\n") == 1
    assert body.count("# HELP externalsecret_status_condition ") == 1
    assert body.count("externalsecret_sync_calls_total{") == 2500
    assert body.count('externalsecret_status_condition{condition="Ready"') == 5000
    families = {f.name: f for f in openmetrics_families(open_metrics(m.registry).decode())}
    assert len(families["externalsecret_sync_calls"].samples) == 2500
    assert len(families["externalsecret_status_condition"].samples) == 5000
