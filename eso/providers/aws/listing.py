"""``dataFrom.find`` for Secrets Manager: ESO's filters, and one shared listing per filter.

ESO's AWS provider (``GetAllSecrets``) needs ``find.name`` or ``find.tags`` ("unexpected find
operator" otherwise). Each tag becomes a ``tag-key`` and a ``tag-value`` filter and ``path`` a
``name`` filter; AWS ANDs the filters, and each one is a case-sensitive *prefix* match on any
of the secret's tags, so ``{env: prod}`` also matches a secret tagged ``env: production`` or
``env: dev, team: prod`` - ESO's behaviour, kept. ``find.name.regexp`` is matched here against
each listed name (the caller supplies the RE2 matcher: the provider layer has no regexp
engine of Go's). ESO lists with ``ListSecrets`` (name only) or reads everything through
``BatchGetSecretValue`` with filters (tags or path); eso always lists, then reads the matching
names through the identity's reader (value cache, single flight, batches of 20), so a find
costs ``ceil(listed / 100)`` ListSecrets calls plus ``ceil(matched / 20)`` batches, values are
read only for secrets the regexp selects, and they are shared with every other read.

The listing is what makes a thousand ExternalSecrets with the same ``find`` cheap: it is kept
per (identity, filters) for the value cache's ttl - never longer than a reader's ``max_age``,
``0`` forces a fresh one - in a small bounded LRU, and concurrent listings of the same key share
one call sequence (single flight). Names come back in AWS's order; secrets scheduled for
deletion are not listed (AWS's default).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from eso.clock import Clock
from eso.providers.aws.cache import CacheKey, ValueCache
from eso.providers.aws.singleflight import SingleFlight
from eso.providers.base import ConfigError

if TYPE_CHECKING:
    from eso.api.findrewrite import ExternalSecretFind

ERR_UNEXPECTED_FIND_OPERATOR: Final = "unexpected find operator"
CALL_LIST: Final = "ListSecrets"
LIST_VERSION: Final = "#list"  # the cache key's version slot for listings
PAGE_SIZE: Final = 100  # ListSecrets' maximum MaxResults
MAX_PAGES: Final = 1000  # 100,000 secrets: only bounds a misbehaving server
LISTING_ENTRIES: Final = 256
"""Listings kept per identity: distinct (tags, path) filters in use, not ExternalSecrets."""

Filters = tuple[tuple[str, tuple[str, ...]], ...]
"""ListSecrets filters as (Key, Values) pairs, in a canonical order (also the cache key)."""

Call = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class FindQuery:
    """What ``ListSecrets`` is asked (``filters``) and whether a name regexp follows."""

    filters: Filters
    by_name: bool


def find_query(find: ExternalSecretFind) -> FindQuery:
    """ESO's filters for ``find``; ``ConfigError`` when it has neither name nor tags."""
    if find.name is None and not find.tags:
        raise ConfigError(ERR_UNEXPECTED_FIND_OPERATOR)
    filters: list[tuple[str, tuple[str, ...]]] = []
    for key in sorted(find.tags):
        filters += [("tag-key", (key,)), ("tag-value", (find.tags[key],))]
    if find.path is not None:
        filters.append(("name", (find.path,)))
    return FindQuery(filters=tuple(filters), by_name=find.name is not None)


def filter_params(filters: Filters) -> list[dict[str, Any]]:
    """``filters`` as ListSecrets' ``Filters`` parameter."""
    return [{"Key": key, "Values": list(values)} for key, values in filters]


class SecretLister:
    """Listings of one credential identity, shared by filter (see the module docstring)."""

    def __init__(
        self, call: Call, *, identity: str, ttl: float, enabled: bool, clock: Clock
    ) -> None:
        self._call = call
        self._identity = identity
        self._clock = clock
        self._cache: ValueCache[tuple[str, ...]] = ValueCache(
            ttl=ttl, max_entries=LISTING_ENTRIES, enabled=enabled, clock=clock
        )
        self._flight: SingleFlight[CacheKey, tuple[str, ...]] = SingleFlight()

    async def names(self, filters: Filters, *, max_age: float | None) -> tuple[str, ...]:
        """Names of every secret ``filters`` select, no older than ``min(ttl, max_age)``."""
        key = CacheKey(self._identity, repr(filters), LIST_VERSION)
        if max_age != 0:
            hit = self._cache.get(key, max_age=max_age)
            if hit is not None:
                return hit
        return await self._flight.do(key, lambda: self._list(key, filters))

    async def _list(self, key: CacheKey, filters: Filters) -> tuple[str, ...]:
        started = self._clock.now()
        names: list[str] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"MaxResults": PAGE_SIZE}
            if filters:
                params["Filters"] = filter_params(filters)
            if token:
                params["NextToken"] = token
            resp = await self._call(CALL_LIST, CALL_LIST, **params)
            names += [str(s["Name"]) for s in resp.get("SecretList", []) if s.get("Name")]
            token = resp.get("NextToken")
            if not token:
                break
        listed = tuple(names)
        self._cache.put(key, listed, fetched_at=started)
        return listed

    async def close(self) -> None:
        await self._flight.close()
