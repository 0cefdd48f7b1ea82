"""The /metrics body: the text format or OpenMetrics, with ESO's two un-suffixed counters.

ESO names two counters without ``_total``: ``externalsecret_sync_calls_error`` and
``externalsecret_provider_api_calls_count``. ESO serves them through client_golang in the
text format 0.0.4, which writes a counter's samples exactly as named: ``# TYPE
externalsecret_sync_calls_error counter`` and samples of the same name. prometheus_client
cannot say that (its text encoder announces every counter as ``<name>_total``), so those
families are ``BareCounter`` and rendered here.

OpenMetrics requires a counter's samples to end in ``_total``. client_golang's OpenMetrics
encoder (prometheus/common ``expfmt.MetricFamilyToOpenMetrics``) therefore types a counter whose
name lacks ``_total`` as ``unknown`` and keeps the sample name; we do the same, because renaming
the series by content type (``..._error_total`` for one scraper, ``..._error`` for another)
would break every ESO query. Since the text format is the only one in which those two are
counters, it is what we serve whenever the scraper accepts it (Prometheus always does, even
though it ranks OpenMetrics first); OpenMetrics is served to a scraper that asks for it and not
for the text format (``Accept: application/openmetrics-text``). ESO itself (controller-runtime,
``EnableOpenMetrics`` off) serves only the text format, so Prometheus sees from eso what it
sees from ESO.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as openmetrics

CONTENT_TYPE_TEXT = CONTENT_TYPE_PLAIN_0_0_4
CONTENT_TYPE_OPENMETRICS = openmetrics.CONTENT_TYPE_LATEST
_OPENMETRICS = "application/openmetrics-text"
_TEXT_TYPES = frozenset({"text/plain", "text/*", "*/*"})


class BareCounter(Metric):
    """A counter family whose samples carry the family's name, without ``_total`` (ESO's)."""

    def __init__(self, name: str, documentation: str) -> None:
        super().__init__(name, documentation, "unknown")

    def as_unknown(self) -> Metric:
        """The same samples in a plain ``unknown`` family (what OpenMetrics can say)."""
        out = Metric(self.name, self.documentation, "unknown")
        out.samples = list(self.samples)
        return out


class _Families:
    """A collector over already-collected families, for prometheus_client's encoders."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def _text_family(family: Metric) -> bytes:
    if not isinstance(family, BareCounter):
        return generate_latest(_Families([family]))
    body = generate_latest(_Families([family.as_unknown()]))
    untyped = f"# TYPE {family.name} untyped\n".encode()
    return body.replace(untyped, f"# TYPE {family.name} counter\n".encode(), 1)


def text_parts(registry: CollectorRegistry) -> Iterator[bytes]:
    """The text format 0.0.4 in pieces, one per family part, in order; ``text`` joins them.

    ESO's bare counters are typed ``counter`` as client_golang writes them. Consecutive
    families of one name are parts of one family (a collector of per-object series yields them
    so a scrape never holds all samples at once): one header, then every part's samples. A
    server that writes each piece as it comes never holds the whole body (4 MiB at 10k
    ExternalSecrets), nor the pieces and their join at once.
    """
    previous: str | None = None
    for family in registry.collect():
        body = _text_family(family)
        if family.name == previous:
            body = body.split(b"\n", 2)[2]  # the part's # HELP and # TYPE lines
        previous = family.name
        yield body


def text(registry: CollectorRegistry) -> bytes:
    """The text format 0.0.4 as one body (``text_parts`` joined)."""
    return b"".join(text_parts(registry))


def _openmetrics_families(registry: CollectorRegistry) -> Iterator[Metric]:
    """Every family, its parts merged (OpenMetrics allows one family per name)."""
    merged: Metric | None = None
    for family in registry.collect():
        family = family.as_unknown() if isinstance(family, BareCounter) else family
        if merged is not None and family.name == merged.name:
            merged.samples.extend(family.samples)
            continue
        if merged is not None:
            yield merged
        merged = family
    if merged is not None:
        yield merged


def open_metrics(registry: CollectorRegistry) -> bytes:
    """OpenMetrics 1.0.0; ESO's bare counters are ``unknown`` there, as in client_golang."""
    families = _Families(list(_openmetrics_families(registry)))
    body: bytes = openmetrics.generate_latest(families)  # type: ignore[no-untyped-call]
    return body


def _media_ranges(accept: str) -> Iterator[tuple[str, float]]:
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            yield media.lower(), q


def wants_openmetrics(accept: str | None) -> bool:
    """Whether to answer ``accept`` with OpenMetrics: asked for, and the text format is not.

    An absent or empty header, or one that accepts ``text/plain`` (or ``*/*``) at any
    quality, gets the text format; see the module docstring for why.
    """
    ranges = list(_media_ranges(accept or ""))
    om = any(m == _OPENMETRICS and q > 0 for m, q in ranges)
    plain = any(m in _TEXT_TYPES and q > 0 for m, q in ranges)
    return om and not plain


def render(registry: CollectorRegistry, *, accept: str | None) -> tuple[bytes, str]:
    """The body and Content-Type answering a scrape with this Accept header."""
    if wants_openmetrics(accept):
        return open_metrics(registry), CONTENT_TYPE_OPENMETRICS
    return text(registry), CONTENT_TYPE_TEXT
