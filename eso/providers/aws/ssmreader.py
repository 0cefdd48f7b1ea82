"""Parameter Store reads of one credential identity: value cache → single flight → GetParameters.

The same call economy as Secrets Manager's ``reader.py``, restated for SSM's API:

1. The value cache answers a read younger than ``min(cache_ttl, max_age)``; keys start with
   the identity, so stores with different credentials never share a value.
2. Concurrent reads of one (identity, name, version) share one call (single flight).
3. Distinct reads are gathered into ``GetParameters`` calls of up to 10 names (the API's
   maximum), always ``WithDecryption``. A version is sent the way ESO sends it, as the selector
   ``name:N`` (a label works the same way), so versioned reads batch too.

``GetParameters`` answers with parameter *names* (plus ``Selector`` on AWS, ``Version`` on
moto), so answers are matched back to what was asked; an id that matches nothing or matches
twice (``p`` and ``p:3`` in one batch without selectors) is read alone with ``GetParameter``.
Names in ``InvalidParameters`` are missing; one with a selector is read alone, because only
``GetParameter`` tells a missing parameter (``ParameterNotFound``) from a missing version
(``ParameterVersionNotFound``). A denied batch (IAM without ``ssm:GetParameters``, or one
SecureString whose KMS key the caller may not use) is re-read one parameter at a time, so a
KMS denial fails only its own reader; when the denial names ``ssm:GetParameters`` itself,
batching is off for the identity for ``batch_denied_ttl`` seconds and every store hears it
once (``take_notice``), as with BatchGetSecretValue.

Listings (``dataFrom.find``) are shared the same way: one single-flight, cached listing per
identity and query (``GetParametersByPath`` pages with values, or ``DescribeParameters``
pages of names), and values a by-path listing brings are put in the value cache.

Calls are counted in ``externalsecret_provider_api_calls_count`` with ESO's labels (provider
``AWS/ParameterStore``; call ``GetParameter``, ``GetParametersByPath``, ``DescribeParameter``
- ESO's spelling - and ``ListTagsForResource``) plus ``GetParameters``, which ESO never makes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from eso.clock import Clock
from eso.metrics import ProviderMetrics
from eso.metrics.provider import OUTCOME_DENIED, OUTCOME_ERROR, OUTCOME_FOUND, OUTCOME_NOT_FOUND
from eso.providers.aws.batching import Batcher
from eso.providers.aws.cache import CacheKey, ValueCache
from eso.providers.aws.errors import classify, is_access_denied
from eso.providers.aws.reader import tags_json
from eso.providers.aws.singleflight import SingleFlight
from eso.providers.aws.ssmerrors import classify_ssm, denied_action, from_ssm_code
from eso.providers.base import AuthError, Notice, SecretNotFoundError
from eso.settings import AWSSettings

log = structlog.get_logger(__name__)

PROVIDER_LABEL = "AWS/ParameterStore"
CALL_GET = "GetParameter"
CALL_BATCH = "GetParameters"
CALL_BY_PATH = "GetParametersByPath"
CALL_DESCRIBE = "DescribeParameter"  # ESO's label; the API operation is DescribeParameters
CALL_TAGS = "ListTagsForResource"
CALLS = (CALL_GET, CALL_BATCH, CALL_BY_PATH, CALL_DESCRIBE, CALL_TAGS)
MAX_BATCH = 10  # GetParameters accepts at most 10 names
BY_PATH_PAGE = 10  # GetParametersByPath MaxResults maximum
DESCRIBE_PAGE = 50  # DescribeParameters MaxResults maximum
MAX_PAGES = 10_000  # bounds a misbehaving server's NextToken loop
TAGS_VERSION = "#tags"
LIST_VERSION = "#list"

REASON_GET_PARAMETERS_DENIED = "GetParametersDenied"  # a notice reason: part of our API
MSG_BATCH_DENIED = (
    "the store's AWS credentials may not call ssm:GetParameters; reading parameters one "
    "GetParameter call at a time for {ttl:.0f}s (grant it to read up to 10 per call)"
)


@dataclass(frozen=True)
class Parameter:
    """A fetched parameter version; ``repr`` never shows the value."""

    name: str
    type: str
    version: int | None = None
    value: str | None = field(default=None, repr=False)

    @property
    def payload(self) -> bytes | None:
        return None if self.value is None else self.value.encode("utf-8", "surrogateescape")

    @classmethod
    def from_response(cls, p: Mapping[str, Any]) -> Parameter:
        version = p.get("Version")
        return cls(
            name=str(p.get("Name", "")),
            type=str(p.get("Type", "")),
            version=int(version) if version is not None else None,
            value=p.get("Value"),
        )


@dataclass(frozen=True)
class Listing:
    """What a find listed: parameter names in order, and values when the call returned them."""

    names: tuple[str, ...]
    values: Mapping[str, Parameter] = field(default_factory=dict, repr=False)


def selector_id(name: str, version: str) -> str:
    """The id GetParameter(s) take: ``name`` or ``name:version`` (ESO's form)."""
    return f"{name}:{version}" if version else name


class SSMIdentityReader:
    """All Parameter Store reads made with one credential identity."""

    def __init__(
        self,
        client: Any,
        *,
        identity: str,
        cache: ValueCache[Parameter],
        listings: ValueCache[Listing],
        settings: AWSSettings,
        metrics: ProviderMetrics,
        clock: Clock,
    ) -> None:
        self.identity = identity
        self._client = client
        self._cache = cache
        self._listings = listings
        self._settings = settings
        self._metrics = metrics
        self._clock = clock
        metrics.provider_started(PROVIDER_LABEL, calls=CALLS)
        coalesced = metrics.coalesced.labels(PROVIDER_LABEL).inc
        self._flight: SingleFlight[CacheKey, Parameter] = SingleFlight(on_coalesced=coalesced)
        self._list_flight: SingleFlight[CacheKey, Listing] = SingleFlight(on_coalesced=coalesced)
        self._batcher: Batcher[Parameter] = Batcher(
            self._fetch_batch,
            window=settings.batch_window,
            size=min(settings.batch_size, MAX_BATCH),
            max_inflight=settings.batch_max_inflight,
            clock=clock,
            name=f"ssm-batch:{identity[:8]}",
        )
        self._denied_until = float("-inf")
        self._denial_epoch = 0
        self._notified: set[Hashable] = set()

    # --- single parameters ----------------------------------------------------------------

    async def read(
        self, name: str, *, version: str = "", max_age: float | None = None
    ) -> Parameter:
        """Parameter ``name`` (at ``version``: a number or a label), decrypted."""
        key = CacheKey(self.identity, name, version)
        hit = self._cached(key, max_age)
        if hit is not None:
            return hit
        return await self._flight.do(key, lambda: self._fetch(key))

    async def read_tags(self, name: str, *, max_age: float | None = None) -> Parameter:
        """metadataPolicy Fetch: the parameter's tags as a JSON object (ESO's format)."""
        return await self.read(name, version=TAGS_VERSION, max_age=max_age)

    def _cached(self, key: CacheKey, max_age: float | None) -> Parameter | None:
        if not self._cache.enabled:
            return None
        hit = self._cache.get(key, max_age=max_age) if max_age != 0 else None
        counter = self._metrics.cache_hits if hit is not None else self._metrics.cache_misses
        counter.labels(PROVIDER_LABEL).inc()
        return hit

    async def _fetch(self, key: CacheKey) -> Parameter:
        started = self._clock.now()
        if key.version == TAGS_VERSION:
            value = await self._list_tags(key.secret_id)
        elif self.batching:
            value = await self._batcher.get(selector_id(key.secret_id, key.version))
        else:
            value = await self._get_parameter(selector_id(key.secret_id, key.version))
        self._cache.put(key, value, fetched_at=started)
        return value

    @property
    def batching(self) -> bool:
        """Whether reads are batched now (enabled and GetParameters not denied)."""
        return self._settings.batch_enabled and self._clock.now() >= self._denied_until

    async def _get_parameter(self, ident: str) -> Parameter:
        resp = await self._call(CALL_GET, _what(ident), Name=ident, WithDecryption=True)
        return Parameter.from_response(resp.get("Parameter") or {})

    async def _list_tags(self, name: str) -> Parameter:
        what = f"parameter {name!r}: tags"
        resp = await self._call(CALL_TAGS, what, ResourceType="Parameter", ResourceId=name)
        tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in resp.get("TagList", [])}
        return Parameter(name=name, type="String", value=tags_json(tags))

    async def _call(self, call: str, what: str, **params: Any) -> Any:
        """One AWS call, counted; errors come out classified and sanitised."""
        method = getattr(self._client, _snake(call))
        try:
            resp = await method(**params)
        except Exception as e:
            self._metrics.api_calls.labels(PROVIDER_LABEL, call, "error").inc()
            raise classify_ssm(e, what=what) from e
        self._metrics.api_calls.labels(PROVIDER_LABEL, call, "success").inc()
        return resp

    # --- batches --------------------------------------------------------------------------

    async def _fetch_batch(self, ids: list[str]) -> dict[str, Parameter | BaseException]:
        self._metrics.batch_size.labels(PROVIDER_LABEL).observe(len(ids))
        results = await self._batch_results(ids)
        for result in results.values():
            self._metrics.batch_secrets.labels(PROVIDER_LABEL, _outcome(result)).inc()
        return results

    async def _batch_results(self, ids: list[str]) -> dict[str, Parameter | BaseException]:
        try:
            resp = await self._call(CALL_BATCH, CALL_BATCH, Names=ids, WithDecryption=True)
        except Exception as e:
            cause = e.__cause__ or e
            if not is_access_denied(cause):
                return {i: classify(cause, what=_what(i)) for i in ids}
            if "ssm:GetParameters" in denied_action(cause):
                self._deny()
            return await self._one_by_one(ids)  # a KMS denial fails only its own parameter
        results, again = match_batch(ids, resp)
        if again:
            results.update(await self._one_by_one(again))
        return results

    async def _one_by_one(self, ids: list[str]) -> dict[str, Parameter | BaseException]:
        got = await asyncio.gather(*(self._get_parameter(i) for i in ids), return_exceptions=True)
        return dict(zip(ids, got, strict=True))

    def _deny(self) -> None:
        now = self._clock.now()
        if now < self._denied_until:
            return
        ttl = self._settings.batch_denied_ttl
        self._denied_until = now + ttl
        self._denial_epoch += 1
        self._notified.clear()
        log.warning("get_parameters_denied", identity=self.identity, fallback_seconds=ttl)

    def take_notice(self, slot: Hashable) -> Notice | None:
        """A notice for the store in ``slot`` it has not had yet for the current denial."""
        if self._denial_epoch == 0 or slot in self._notified:
            return None
        self._notified.add(slot)
        ttl = self._settings.batch_denied_ttl
        return Notice(reason=REASON_GET_PARAMETERS_DENIED, message=MSG_BATCH_DENIED.format(ttl=ttl))

    # --- listings (dataFrom.find) ---------------------------------------------------------

    async def list_by_path(self, path: str, *, max_age: float | None = None) -> Listing:
        """Every parameter under ``path`` (recursive, decrypted), shared per identity+path."""
        key = CacheKey(self.identity, f"path:{path}", LIST_VERSION)
        return await self._listing(key, lambda: self._by_path(path), max_age)

    async def describe(
        self, filters: tuple[tuple[str, str, str], ...], *, max_age: float | None = None
    ) -> Listing:
        """Names DescribeParameters lists for ``filters`` (key, option, value), shared."""
        key = CacheKey(self.identity, f"describe:{filters!r}", LIST_VERSION)
        return await self._listing(key, lambda: self._describe(filters), max_age)

    async def _listing(
        self, key: CacheKey, fetch: Callable[[], Awaitable[Listing]], max_age: float | None
    ) -> Listing:
        if max_age != 0:
            hit = self._listings.get(key, max_age=max_age)
            if hit is not None:
                return hit

        async def fetch_and_keep() -> Listing:
            started = self._clock.now()
            listing = await fetch()
            self._listings.put(key, listing, fetched_at=started)
            for name, value in listing.values.items():
                self._cache.put(CacheKey(self.identity, name, ""), value, fetched_at=started)
            return listing

        return await self._list_flight.do(key, fetch_and_keep)

    async def _by_path(self, path: str) -> Listing:
        values: dict[str, Parameter] = {}
        params: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True}
        async for page in self._pages(CALL_BY_PATH, f"path {path!r}", BY_PATH_PAGE, **params):
            for p in page.get("Parameters", []):
                value = Parameter.from_response(p)
                values[value.name] = value
        return Listing(names=tuple(values), values=values)

    async def _describe(self, filters: tuple[tuple[str, str, str], ...]) -> Listing:
        wire = [{"Key": k, "Option": o, "Values": [v]} for k, o, v in filters]
        names: list[str] = []
        async for page in self._pages(
            CALL_DESCRIBE, CALL_DESCRIBE, DESCRIBE_PAGE, ParameterFilters=wire
        ):
            names.extend(str(p["Name"]) for p in page.get("Parameters", []) if p.get("Name"))
        return Listing(names=tuple(dict.fromkeys(names)))

    async def _pages(
        self, call: str, what: str, size: int, **params: Any
    ) -> AsyncIterator[Mapping[str, Any]]:
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._call(
                call, what, **params, MaxResults=size, **({"NextToken": token} if token else {})
            )
            yield page
            token = page.get("NextToken")
            if not token:
                return

    # --- validation and lifecycle ---------------------------------------------------------

    async def check_credentials(self) -> None:
        """DescribeParameters(MaxResults=1); AccessDenied still proves the keys authenticate."""
        try:
            await self._call(CALL_DESCRIBE, CALL_DESCRIBE, MaxResults=1)
        except Exception as e:
            if not is_access_denied(e.__cause__ or e):
                raise

    async def close(self) -> None:
        """Cancel pending batches and in-flight calls; safe to call twice."""
        await self._batcher.close()
        await self._flight.close()
        await self._list_flight.close()


def match_batch(
    ids: list[str], resp: Mapping[str, Any]
) -> tuple[dict[str, Parameter | BaseException], list[str]]:
    """File a GetParameters answer under the ids asked for; also the ids to read alone.

    An answer entry stands for ``Name``/``ARN`` plus its ``Selector`` (AWS), or, without one
    (moto), for the bare name and ``name:Version``; an id claimed by two entries is ambiguous.
    """
    wanted = set(ids)
    claims: dict[str, list[Parameter]] = {}
    for entry in resp.get("Parameters", []):
        value = Parameter.from_response(entry)
        for candidate in _candidates(entry):
            if candidate in wanted:
                claims.setdefault(candidate, []).append(value)
    results: dict[str, Parameter | BaseException] = {
        i: found[0] for i, found in claims.items() if len({(v.name, v.version) for v in found}) == 1
    }
    again: list[str] = []
    invalid = {str(n) for n in resp.get("InvalidParameters", [])}
    for ident in ids:
        if ident in results:
            continue
        if ident in invalid and ":" not in ident:
            results[ident] = from_ssm_code("ParameterNotFound", "", what=_what(ident))
        else:
            again.append(ident)
    return results, again


def _candidates(entry: Mapping[str, Any]) -> set[str]:
    bases = {str(b) for b in (entry.get("Name"), entry.get("ARN")) if b}
    selector = entry.get("Selector")
    if selector:
        return {f"{b}{selector}" for b in bases}
    version = entry.get("Version")
    with_version = {f"{b}:{version}" for b in bases} if version is not None else set()
    return bases | with_version


def _outcome(result: Parameter | BaseException) -> str:
    if isinstance(result, Parameter):
        return OUTCOME_FOUND
    if isinstance(result, SecretNotFoundError):
        return OUTCOME_NOT_FOUND
    if isinstance(result, AuthError):
        return OUTCOME_DENIED
    return OUTCOME_ERROR


def _what(ident: str) -> str:
    return f"parameter {ident!r}"


def _snake(call: str) -> str:
    if call == CALL_DESCRIBE:
        return "describe_parameters"
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in call).lstrip("_")
