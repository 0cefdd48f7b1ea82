"""ESO's own series, with ESO's exact names and labels: dashboards and alerts written for ESO
keep working.

The store series live in ``secretstore.py``. Per-object series (one per ExternalSecret or
store) would grow without bound if deleted objects kept them, so each group has ``forget``.
The ExternalSecret series are rendered at scrape time from compact per-object state
(``ExternalSecretSeries``) rather than held as prometheus_client labelled children (~2.8 KiB
each, 28 MB at 10k objects). Where ESO's choice is poor we keep its series and add a better one
beside it (``externalsecret_reconcile_duration`` is a gauge in nanoseconds; we add
``eso_externalsecret_reconcile_duration_seconds``, a histogram).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from eso.metrics import _buckets
from eso.metrics.exposition import BareCounter

# ESO's ``*_status_condition`` gauges: the current status is 1 and the opposite status of the
# Ready condition 0, so a dashboard can ``sum(... == 1)`` either way.
OPPOSITE_STATUS = {"True": "False", "False": "True"}


class ExternalSecretMetrics:
    """The ExternalSecret controller's series: ESO's per-object ones and a latency histogram."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.series = ExternalSecretSeries()
        registry.register(self.series)
        self.reconcile_seconds = Histogram(
            "eso_externalsecret_reconcile_duration_seconds",
            "Time to reconcile one ExternalSecret, in seconds",
            ["result"],
            buckets=_buckets.LATENCY,
            registry=registry,
        )
        for result in ("success", "error"):
            self.reconcile_seconds.labels(result)  # both exported from the start, at 0

    def seen(self, *, namespace: str, name: str) -> None:
        """An ExternalSecret was seen: its counters exist, at 0, before anything is counted.

        Prometheus' instrumentation guideline: a series created at 1 hides its first increase
        from ``rate()`` and ``increase()``. The manager calls this when the informer first
        hands the object over, before its reconcile is queued: a warm standby exports every
        object at 0 and a cold start's backlog is at 0 until reached, so a later first failure
        is an increase. A new object failing in its very first reconcile (milliseconds after
        first sight) is still usually first scraped at 1, which is one reason the alerts
        watch the Ready condition, not the error rate. Idempotent.
        """
        self.series.seen(namespace=namespace, name=name)

    def reconciled(self, *, namespace: str, name: str, seconds: float, ok: bool) -> None:
        """One sync attempt ended after ``seconds``."""
        self.series.sync_call(namespace=namespace, name=name)
        self.series.reconcile_duration(namespace=namespace, name=name, seconds=seconds)
        self.reconcile_seconds.labels("success" if ok else "error").observe(seconds)

    def sync_error(self, *, namespace: str, name: str) -> None:
        self.series.sync_error(namespace=namespace, name=name)

    def ready(self, *, namespace: str, name: str, status: str) -> None:
        """ESO's ``UpdateExternalSecretCondition`` for the Ready condition."""
        self.series.ready(namespace=namespace, name=name, status=status)

    def forget(self, *, namespace: str, name: str) -> None:
        """Remove every per-object series of a deleted ExternalSecret."""
        self.series.forget(namespace=namespace, name=name)


class EsoCounterNames(Collector):
    """Exposes counters under their base name, without ``_total``, as ESO's Go client does.

    ``externalsecret_sync_calls_error`` and ``externalsecret_provider_api_calls_count`` are
    ESO's names; client_golang writes counter samples exactly as named, while prometheus_client
    always adds ``_total``. Each family comes out as a ``BareCounter``, which the exposition
    (``exposition.py``) types ``counter`` in the text format, as ESO does.
    """

    def __init__(self, counters: list[Counter]) -> None:
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        for counter in self._counters:
            for family in counter.collect():
                out = BareCounter(family.name, family.documentation)
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        out.add_sample(family.name, sample.labels, sample.value)
                yield out


class _EsState:
    """One ExternalSecret's numbers; ``__slots__`` keeps it at a few dozen bytes."""

    __slots__ = ("calls", "duration_ns", "errors", "ready")

    def __init__(self) -> None:
        self.calls = 0.0
        self.errors = 0.0
        self.duration_ns = 0.0
        self.ready: str | None = None


class ExternalSecretSeries(Collector):
    """ESO's per-ExternalSecret series, rendered at scrape time from compact state.

    ``externalsecret_sync_calls_total`` (counter), ``externalsecret_sync_calls_error`` (ESO's
    name, no ``_total``: a ``BareCounter``), ``externalsecret_reconcile_duration`` (gauge,
    nanoseconds) and ``externalsecret_status_condition{condition="Ready"}`` (gauge: 1 for the
    current status, 0 for the opposite one, as ESO sets them). ``seen`` creates an object's
    counters at 0, so its first sync or failure is an increase ``rate()`` can see; ``forget``
    removes every series of an object.
    """

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], _EsState] = {}

    def _state(self, namespace: str, name: str) -> _EsState:
        key = (namespace, name)
        state = self._objects.get(key)
        if state is None:
            state = self._objects[key] = _EsState()
        return state

    def seen(self, *, namespace: str, name: str) -> None:
        """The object exists: its counters are exported from now on, at 0 until counted."""
        self._state(namespace, name)

    def sync_call(self, *, namespace: str, name: str) -> None:
        self._state(namespace, name).calls += 1

    def sync_error(self, *, namespace: str, name: str) -> None:
        self._state(namespace, name).errors += 1

    def reconcile_duration(self, *, namespace: str, name: str, seconds: float) -> None:
        self._state(namespace, name).duration_ns = seconds * 1e9

    def ready(self, *, namespace: str, name: str, status: str) -> None:
        self._state(namespace, name).ready = status

    def forget(self, *, namespace: str, name: str) -> None:
        self._objects.pop((namespace, name), None)

    def __len__(self) -> int:
        return len(self._objects)

    def collect(self) -> Iterator[Metric]:
        """The four families, each in parts of ``_PART`` objects, built as they are consumed.

        At 10k objects a family is 10-20k samples (~3 MB of tuples and label dicts). The
        exposition encodes a part and drops it before asking for the next, and writes
        consecutive parts of one family under one header (``exposition.text``), so a scrape's
        transient is one part instead of four whole families (19 -> 9 MiB peak at 10k).
        """
        objects = list(self._objects.items())
        for family in (_calls_family, _errors_family, _duration_family, _condition_family):
            for start in range(0, max(1, len(objects)), _PART):
                yield family(objects[start : start + _PART])


# Objects per part of a family: small enough that a part's samples are noise next to the
# body, large enough that the per-part overhead (one encoder call) is too.
_PART = 1000
_Objects = list[tuple[tuple[str, str], _EsState]]


def _calls_family(objects: _Objects) -> Metric:
    calls = Metric(
        "externalsecret_sync_calls", "Total number of the External Secret sync calls", "counter"
    )
    for (namespace, name), st in objects:
        labels = {"name": name, "namespace": namespace}
        calls.add_sample("externalsecret_sync_calls_total", labels, st.calls)
    return calls


def _errors_family(objects: _Objects) -> Metric:
    errors = BareCounter(
        "externalsecret_sync_calls_error", "Total number of the External Secret sync errors"
    )
    for (namespace, name), st in objects:
        labels = {"name": name, "namespace": namespace}
        errors.add_sample("externalsecret_sync_calls_error", labels, st.errors)
    return errors


def _duration_family(objects: _Objects) -> Metric:
    duration = Metric(
        "externalsecret_reconcile_duration",
        "The duration time to reconcile the External Secret (nanoseconds; ESO-compatible)",
        "gauge",
    )
    for (namespace, name), st in objects:
        labels = {"name": name, "namespace": namespace}
        duration.add_sample("externalsecret_reconcile_duration", labels, st.duration_ns)
    return duration


def _condition_family(objects: _Objects) -> Metric:
    condition = Metric(
        "externalsecret_status_condition",
        "The status condition of a specific External Secret",
        "gauge",
    )
    for (namespace, name), st in objects:
        if st.ready is None:
            continue
        cond = {"name": name, "namespace": namespace, "condition": "Ready"}
        opposite = OPPOSITE_STATUS.get(st.ready)
        if opposite is not None:
            condition.add_sample(
                "externalsecret_status_condition", {**cond, "status": opposite}, 0.0
            )
        condition.add_sample("externalsecret_status_condition", {**cond, "status": st.ready}, 1.0)
    return condition
