"""Fault injection, an in-process API for tests: ``plane.faults``.

Failures a controller must survive, on demand and deterministic: matching requests answer
429 (with Retry-After), 500 or 409 a given number of times, requests get latency, every
open watch is dropped, history is compacted so the next watch from an old resourceVersion
gets 410 Expired. Rules match on verb, resource (plural), namespace, name and subresource;
None matches anything. Nothing here is reachable over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from localkube.apiserver import status as st
from localkube.apiserver.status import ApiError


@dataclass(frozen=True)
class RequestInfo:
    """What a fault rule can match on."""

    verb: str  # get list watch create update patch delete deletecollection
    resource: str  # plural
    namespace: str | None
    name: str | None
    subresource: str | None


@dataclass
class FaultRule:
    """A rule; ``remaining`` None means forever. ``hits`` counts requests it affected."""

    verb: str | None = None
    resource: str | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    remaining: int | None = 1
    error: Callable[[RequestInfo], ApiError] | None = None
    latency: float = 0.0
    hits: int = field(default=0)

    def matches(self, req: RequestInfo) -> bool:
        return (
            (self.remaining is None or self.remaining > 0)
            and self.verb in (None, req.verb)
            and self.resource in (None, req.resource)
            and self.namespace in (None, req.namespace)
            and self.name in (None, req.name)
            and self.subresource in (None, req.subresource)
        )

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    """The fault-injection surface of a ``LocalControlPlane``."""

    def __init__(self, *, drop_watches: Callable[[], int], compact: Callable[[], int]) -> None:
        self._rules: list[FaultRule] = []
        self._drop = drop_watches
        self._compact = compact

    def fail(
        self,
        status: int,
        *,
        verb: str | None = None,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        count: int | None = 1,
        retry_after: int = 1,
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with 429, 500 or 409 (None: forever)."""
        makers: dict[int, Callable[[RequestInfo], ApiError]] = {
            429: lambda _r: st.too_many_requests(retry_after=retry_after),
            500: lambda _r: st.internal_error("injected fault"),
            409: lambda r: st.conflict(
                plural=r.resource, group="", name=r.name or "", why=st.MODIFIED
            ),
        }
        if status not in makers:
            raise ValueError(f"can inject 429, 500 or 409, not {status}")
        rule = FaultRule(verb, resource, namespace, name, subresource, count, makers[status])
        self._rules.append(rule)
        return rule

    def add_latency(
        self,
        seconds: float,
        *,
        verb: str | None = None,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        count: int | None = None,
    ) -> FaultRule:
        """Delay matching requests by ``seconds`` before they are handled."""
        rule = FaultRule(verb, resource, namespace, name, None, count, None, seconds)
        self._rules.append(rule)
        return rule

    def drop_watches(self) -> int:
        """End every open watch stream now; returns how many were open."""
        return self._drop()

    def compact(self) -> int:
        """Forget the event history; a watch from any older resourceVersion gets 410."""
        return self._compact()

    def clear(self) -> None:
        self._rules.clear()

    def check(self, req: RequestInfo) -> tuple[float, ApiError | None]:
        """Latency to add and the error to answer with, consuming matched rules."""
        delay, error = 0.0, None
        for rule in self._rules:
            if not rule.matches(req):
                continue
            if rule.error is None:
                rule.consume()
                delay += rule.latency
            elif error is None:
                rule.consume()
                error = rule.error(req)
        return delay, error
