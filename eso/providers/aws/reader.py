"""Reads of one credential identity: value cache → single flight → batch or GetSecretValue.

This is where issue 7's call economy lives, so that every store sharing credentials shares it:

1. The value cache (``cache.py``) answers a read whose entry is younger than
   ``min(cache_ttl, max_age)``.
2. Otherwise concurrent reads of the same (identity, secret id, version) share one call
   (``singleflight.py``); the identity already includes the region and endpoint.
3. AWSCURRENT reads are gathered into ``BatchGetSecretValue`` calls of up to 20 ids
   (``batching.py``); other stages and ``uuid/`` versions use ``GetSecretValue``.
4. A batch's free seats carry the secrets that the next reconciles in the work queue read last
   time (``prefetch.py``, ``eso.providers.readahead``); their values go to the cache only, with
   the time the call started, so the cache's age rule is all that decides whether a reader may
   take one. Errors for them are dropped: nobody asked yet, and the reconcile that follows
   reads as it would have.

``BatchGetSecretValue`` answers with secret *names and ARNs*, not the ids we asked for, so each
answer is matched back by name or ARN; an id that matches nothing (a partial ARN, say) is read
again with ``GetSecretValue`` rather than guessed. Per-secret ``Errors`` become that caller's
error (``ResourceNotFoundException`` stays ``SecretNotFoundError``).

If the credentials may not call ``BatchGetSecretValue`` (AccessDenied), the batch is re-read
with ``GetSecretValue`` and batching is off for this identity for ``batch_denied_ttl`` seconds;
one warning is logged per denial and ``take_notice`` hands each store one ``Notice`` for it.

Staleness bound of the shared cache: a read may be answered with a value up to
``min(cache_ttl, max_age)`` old, fetched by another reader of the same identity before the
secret changed in AWS. ExternalSecret refreshes pass ``max_age = refreshInterval``, so a change in
AWS is guaranteed to reach a Secret within ``refreshInterval + cache_ttl`` (more exactly
``refreshInterval`` plus its jitter plus ``min(cache_ttl, refreshInterval)``): the first refresh
that starts ``cache_ttl`` after the change can only be served a value fetched after it. Reads
that must be fresh (a changed ExternalSecret spec, a force-sync annotation) pass ``max_age=0``.

Every AWS call is counted in ``externalsecret_provider_api_calls_count`` with ESO's label values
(provider ``AWS/SecretsManager``, call ``GetSecretValue``/``BatchGetSecretValue``/``ListSecrets``,
status ``success``/``error``); what each secret of a batch read came to is counted in
``eso_provider_batch_secrets`` (outcome ``found``/``not_found``/``denied``/``error``), since a
batch call "succeeds" with missing secrets in its answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from eso.clock import Clock
from eso.metrics import ProviderMetrics
from eso.metrics.provider import OUTCOME_DENIED, OUTCOME_ERROR, OUTCOME_FOUND, OUTCOME_NOT_FOUND
from eso.providers.aws.batching import Batcher
from eso.providers.aws.cache import CacheKey, ValueCache
from eso.providers.aws.errors import classify, from_code, is_access_denied
from eso.providers.aws.listing import Filters, SecretLister
from eso.providers.aws.prefetch import SCAN, ReadMap
from eso.providers.aws.singleflight import SingleFlight
from eso.providers.base import REASON_BATCH_DENIED, AuthError, Notice, SecretNotFoundError
from eso.providers.readahead import READING
from eso.settings import AWSSettings

log = structlog.get_logger(__name__)

PROVIDER_LABEL = "AWS/SecretsManager"
CALL_GET = "GetSecretValue"
CALL_BATCH = "BatchGetSecretValue"
CALL_LIST = "ListSecrets"
CALL_DESCRIBE = "DescribeSecret"
CALLS = (CALL_GET, CALL_BATCH, CALL_LIST, CALL_DESCRIBE)
TAGS_VERSION = "#tags"  # cache/single-flight key of metadataPolicy Fetch reads
AWSCURRENT = "AWSCURRENT"
UUID_PREFIX = "uuid/"
MAX_BATCH_PAGES = 5  # SecretIdList answers fit one page; this only bounds a misbehaving server

MSG_BATCH_DENIED = (
    "the store's AWS credentials may not call secretsmanager:BatchGetSecretValue; reading "
    "secrets one GetSecretValue call at a time for {ttl:.0f}s (grant the permission to "
    "batch up to 20 secrets per call)"
)


@dataclass(frozen=True)
class SecretValue:
    """A fetched secret version; ``repr`` never shows the value."""

    name: str | None
    arn: str | None
    version_id: str | None
    string: str | None = field(default=None, repr=False)
    binary: bytes | None = field(default=None, repr=False)

    @property
    def payload(self) -> bytes | None:
        """SecretString as UTF-8, else SecretBinary, else ``None``."""
        if self.string is not None:
            return self.string.encode("utf-8", "surrogateescape")
        return self.binary

    @classmethod
    def from_response(cls, resp: Mapping[str, Any]) -> SecretValue:
        return cls(
            name=resp.get("Name"),
            arn=resp.get("ARN"),
            version_id=resp.get("VersionId"),
            string=resp.get("SecretString"),
            binary=resp.get("SecretBinary"),
        )


class IdentityReader:
    """All reads made with one credential identity (shared by the stores using it)."""

    def __init__(
        self,
        client: Any,
        *,
        identity: str,
        cache: ValueCache[SecretValue],
        settings: AWSSettings,
        metrics: ProviderMetrics,
        clock: Clock,
    ) -> None:
        self.identity = identity
        self._client = client
        self._cache = cache
        self._settings = settings
        self._metrics = metrics
        self._clock = clock
        metrics.provider_started(PROVIDER_LABEL, calls=CALLS)
        # the series of the per-read path, looked up once (labels() takes a lock each time)
        self._m_hits = metrics.cache_hits.labels(PROVIDER_LABEL)
        self._m_misses = metrics.cache_misses.labels(PROVIDER_LABEL)
        self._m_calls = {
            (call, status): metrics.api_calls.labels(PROVIDER_LABEL, call, status)
            for call in CALLS
            for status in ("success", "error")
        }
        self._flight: SingleFlight[CacheKey, SecretValue] = SingleFlight(
            on_coalesced=metrics.coalesced.labels(PROVIDER_LABEL).inc
        )
        self._batcher: Batcher[SecretValue] = Batcher(
            self._fetch_batch,
            window=settings.batch_window,
            size=min(settings.batch_size, 20),
            max_inflight=settings.batch_max_inflight,
            clock=clock,
            name=f"aws-batch:{identity[:8]}",
        )
        self._lister = SecretLister(
            self._call,
            identity=identity,
            ttl=settings.cache_ttl,
            enabled=settings.cache_enabled,
            clock=clock,
        )
        self._denied_until = float("-inf")
        self._denial_epoch = 0
        self._notified: set[Hashable] = set()
        self._read_map = ReadMap()
        self._prefetch = settings.batch_prefetch and cache.enabled

    # --- reads ----------------------------------------------------------------------------

    async def read(
        self, secret_id: str, *, version: str = AWSCURRENT, max_age: float | None = None
    ) -> SecretValue:
        """The secret's value at ``version`` (a stage, or ``uuid/<VersionId>``)."""
        key = CacheKey(self.identity, secret_id, version)
        if self._prefetch and version == AWSCURRENT and max_age != 0:
            self._note_read(secret_id, max_age=max_age)
        if self._cache.enabled:
            hit = self._cache.get(key, max_age=max_age) if max_age != 0 else None
            if hit is not None:
                self._m_hits.inc()
                return hit
            self._m_misses.inc()
        reading = READING.get()
        if reading is None:
            return await self._flight.do(key, lambda: self._fetch(key))
        async with reading.waiting():  # the worker may serve another key meanwhile
            return await self._flight.do(key, lambda: self._fetch(key))

    async def read_tags(self, secret_id: str, *, max_age: float | None = None) -> SecretValue:
        """metadataPolicy Fetch: the secret's tags as a JSON object string (ESO's format)."""
        return await self.read(secret_id, version=TAGS_VERSION, max_age=max_age)

    async def list_names(self, filters: Filters, *, max_age: float | None) -> tuple[str, ...]:
        """``dataFrom.find``: names ListSecrets gives for ``filters`` (a shared listing)."""
        return await self._lister.names(filters, max_age=max_age)

    async def _fetch(self, key: CacheKey) -> SecretValue:
        started = self._clock.now()
        if key.version == TAGS_VERSION:
            value = await self._describe_tags(key.secret_id)
        elif key.version == AWSCURRENT and self.batching:
            reading = READING.get()
            urgent = reading is not None and reading.urgent
            value = await self._batcher.get(key.secret_id, urgent=urgent)
        else:
            value = await self._get_secret_value(key.secret_id, key.version)
        self._cache.put(key, value, fetched_at=started)
        return value

    @property
    def batching(self) -> bool:
        """Whether AWSCURRENT reads are batched now (enabled and not denied)."""
        return self._settings.batch_enabled and self._clock.now() >= self._denied_until

    async def _get_secret_value(self, secret_id: str, version: str) -> SecretValue:
        params: dict[str, str] = {"SecretId": secret_id}
        if version.startswith(UUID_PREFIX):
            params["VersionId"] = version.removeprefix(UUID_PREFIX)
        else:
            params["VersionStage"] = version or AWSCURRENT
        resp = await self._call(CALL_GET, f"secret {secret_id!r}", **params)
        return SecretValue.from_response(resp)

    async def _describe_tags(self, secret_id: str) -> SecretValue:
        resp = await self._call(CALL_DESCRIBE, f"secret {secret_id!r}", SecretId=secret_id)
        tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in resp.get("Tags", [])}
        return SecretValue(
            name=resp.get("Name"), arn=resp.get("ARN"), version_id=None, string=tags_json(tags)
        )

    async def _call(self, call: str, what: str, **params: Any) -> Any:
        """One AWS call, counted; errors come out classified and sanitised."""
        method = getattr(self._client, _snake(call))
        try:
            resp = await method(**params)
        except Exception as e:
            self._count_call(call, "error")
            raise classify(e, what=what) from e
        self._count_call(call, "success")
        return resp

    def _count_call(self, call: str, status: str) -> None:
        counter = self._m_calls.get((call, status))
        if counter is None:  # a call outside CALLS
            counter = self._metrics.api_calls.labels(PROVIDER_LABEL, call, status)
        counter.inc()

    # --- batches --------------------------------------------------------------------------

    async def _fetch_batch(self, ids: list[str]) -> dict[str, SecretValue | BaseException]:
        started = self._clock.now()
        extra = self._prefetch_ids(ids, now=started) if self.batching else []
        results = await self._read_batch(ids, extra=extra)
        for secret_id in extra:
            value = results.pop(secret_id, None)
            if isinstance(value, SecretValue):
                key = CacheKey(self.identity, secret_id, AWSCURRENT)
                self._cache.put(key, value, fetched_at=started)
        return results

    def _note_read(self, secret_id: str, *, max_age: float | None) -> None:
        """Remember that the current reconcile's key reads ``secret_id`` (for read-ahead)."""
        reading = READING.get()
        if reading is not None:
            ttl = self._settings.cache_ttl
            lifetime = ttl if max_age is None else min(ttl, max_age)
            self._read_map.note(reading.key, secret_id, lifetime=lifetime)

    def _prefetch_ids(self, ids: list[str], *, now: float) -> list[str]:
        """What the next reconciles read, for the free seats: not asked, in flight or fresh."""
        seats = min(self._settings.batch_size, 20) - len(ids)
        reading = READING.get()
        if not self._prefetch or seats <= 0 or reading is None:
            return []
        asked = set(ids)

        def skip(secret_id: str, lifetime: float) -> bool:
            key = CacheKey(self.identity, secret_id, AWSCURRENT)
            if secret_id in asked or key in self._flight:
                return True
            age = self._cache.age(key)
            return age is not None and age < lifetime / 2

        upcoming = reading.upcoming(SCAN)
        extra = self._read_map.candidates(upcoming, now=now, seats=seats, skip=skip)
        if extra:
            self._metrics.prefetched.labels(PROVIDER_LABEL).inc(len(extra))
        return extra

    async def _read_batch(
        self, ids: list[str], *, extra: list[str]
    ) -> dict[str, SecretValue | BaseException]:
        """One BatchGetSecretValue of ``ids + extra`` (paged).

        What it misses of ``ids`` is read one by one; of ``extra`` (prefetches), nothing is.
        """
        sent = ids + extra
        self._metrics.batch_size.labels(PROVIDER_LABEL).observe(len(sent))
        results: dict[str, SecretValue | BaseException] = {}
        token: str | None = None
        for _ in range(MAX_BATCH_PAGES):
            params: dict[str, Any] = {"SecretIdList": sent}
            if token:
                params["NextToken"] = token
            try:
                resp = await self._call(CALL_BATCH, CALL_BATCH, **params)
            except Exception as e:
                cause = e.__cause__ or e
                if not is_access_denied(cause):
                    # every caller hears the failure about its own secret
                    failed: dict[str, SecretValue | BaseException] = {
                        i: classify(cause, what=f"secret {i!r}") for i in ids
                    }
                    self._count_outcomes(failed.values())
                    return failed
                self._deny()
                break  # everything not answered yet is read one by one below
            _match(sent, resp, results)
            token = resp.get("NextToken")
            if not token:
                break
        missing = [i for i in ids if i not in results]
        if missing:
            results.update(await self._one_by_one(missing))
        self._count_outcomes(results.values())
        return results

    def _count_outcomes(self, results: Iterable[SecretValue | BaseException]) -> None:
        """``eso_provider_batch_secrets``: what each secret of a batch read came to."""
        for result in results:
            self._metrics.batch_secrets.labels(PROVIDER_LABEL, _outcome(result)).inc()

    async def _one_by_one(self, ids: list[str]) -> dict[str, SecretValue | BaseException]:
        values = await asyncio.gather(
            *(self._get_secret_value(i, AWSCURRENT) for i in ids), return_exceptions=True
        )
        return dict(zip(ids, values, strict=True))

    def _deny(self) -> None:
        now = self._clock.now()
        if now < self._denied_until:
            return  # concurrent batches denied together: one epoch, one log line
        ttl = self._settings.batch_denied_ttl
        self._denied_until = now + ttl
        self._denial_epoch += 1
        self._notified.clear()
        log.warning("batch_get_secret_value_denied", identity=self.identity, fallback_seconds=ttl)

    def take_notice(self, slot: Hashable) -> Notice | None:
        """A notice for the store in ``slot`` it has not had yet for the current denial."""
        if self._denial_epoch == 0 or slot in self._notified:
            return None
        self._notified.add(slot)
        ttl = self._settings.batch_denied_ttl
        return Notice(reason=REASON_BATCH_DENIED, message=MSG_BATCH_DENIED.format(ttl=ttl))

    # --- validation and lifecycle ---------------------------------------------------------

    async def check_credentials(self) -> None:
        """ListSecrets(MaxResults=1); AccessDenied still proves the credentials authenticate."""
        try:
            await self._call(CALL_LIST, CALL_LIST, MaxResults=1)
        except Exception as e:
            if not is_access_denied(e.__cause__ or e):
                raise

    async def close(self) -> None:
        """Cancel pending batches and in-flight calls; safe to call twice."""
        await self._batcher.close()
        await self._flight.close()
        await self._lister.close()


def _match(
    ids: list[str], resp: Mapping[str, Any], results: dict[str, SecretValue | BaseException]
) -> None:
    """File a BatchGetSecretValue page's values and errors under the ids that were asked for."""
    wanted = set(ids)
    for entry in resp.get("SecretValues", []):
        value = SecretValue.from_response(entry)
        for candidate in (value.name, value.arn):
            if candidate in wanted:
                results[candidate] = value
    for err in resp.get("Errors", []):
        secret_id = err.get("SecretId")
        if secret_id in wanted:
            code = str(err.get("ErrorCode", "UnknownError"))
            results[secret_id] = from_code(
                code, str(err.get("Message", "")), what=f"secret {secret_id!r}"
            )


def _outcome(result: SecretValue | BaseException) -> str:
    if isinstance(result, SecretValue):
        return OUTCOME_FOUND
    if isinstance(result, SecretNotFoundError):
        return OUTCOME_NOT_FOUND
    if isinstance(result, AuthError):
        return OUTCOME_DENIED
    return OUTCOME_ERROR


def tags_json(tags: Mapping[str, str]) -> str:
    """Tags as Go's ``json.Marshal(map[string]string)`` writes them (what ESO returns).

    Keys sorted, no spaces, and ``<``, ``>``, ``&``, U+2028, U+2029 escaped as Go does.
    """
    text = json.dumps(dict(sorted(tags.items())), separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_ESCAPES:
        text = text.replace(char, escaped)
    return text


_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _snake(call: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in call).lstrip("_")
