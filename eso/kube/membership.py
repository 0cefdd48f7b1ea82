"""Which replicas are alive, from one ``coordination.k8s.io/v1`` Lease per replica.

Slot balancing (``kube.shards``) needs the number of live replicas, and the slot Leases alone
cannot tell it: a replica that has just started holds no slot, so nobody would ever make room
for it. Each replica therefore holds its own *member* Lease, ``<lease-name>-member-<hash of
identity>``, through an ordinary ``LeaderElector`` (nobody else wants it, so it is always won,
renewed every retry period and released with the process), and lists the member Leases of
its namespace once per retry period.

Liveness is judged as client-go judges a Lease: a member is live while it has a holder and
*our* clock has seen its record change within ``leaseDurationSeconds`` less one retry period.
Renew times are never compared with our wall clock, so skew between nodes is harmless; a
member seen for the first time counts as live for that long. The retry period off is for
takeover: a killed replica renewed its slot Leases up to one retry period before its member
Lease, so its member must stop counting by the time its slots expire, or the others' share
would grow (and its slots be taken) only a retry period later. Counting a slow replica gone
early costs nothing but a rebalance: the share decides balance, never who may hold a slot.

Member Leases unchanged for ``STALE_LEASES`` lease durations (replicas that were killed: each
pod has a new identity) are deleted with a resourceVersion precondition by whichever replica
notices; a live replica whose Lease was deleted anyway (paused for a minute) simply creates it
again at its next renew.

``live()`` recounts from the last listing's observations on our clock *now* (a member whose
observed expiry has passed is gone at that instant, not at the next list), and
``next_expiry()`` names the next such instant, so a candidate waiting for its share to grow
tries at the moment a killed replica's member Lease expires. ``on_listed`` gets every listing
(slot Leases are in the same namespace: their electors observe them from it for free).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from eso.clock import Clock
from eso.kube.client import KubeClient
from eso.kube.errors import Conflict, KubeError, NotFound
from eso.kube.leader import LeaderElector
from eso.kube.resources import LEASES
from eso.metrics import LeaderMetrics
from eso.settings import LeaderSettings

log = structlog.get_logger(__name__)

STALE_LEASES = 4
"""Lease durations without change after which a member Lease is garbage."""

_Record = tuple[Any, ...]


def member_prefix(base: str) -> str:
    """Name prefix of the member Leases of the controller whose Lease name is ``base``."""
    return f"{base}-member-"


def member_lease_name(base: str, identity: str) -> str:
    """A valid Lease name for ``identity`` (which holds ``_`` and may be long): a hash of it."""
    return member_prefix(base) + hashlib.sha256(identity.encode()).hexdigest()[:16]


class Membership:
    """This replica's member Lease (``run``) and the count of live members (``count``)."""

    def __init__(
        self,
        client: KubeClient,
        *,
        settings: LeaderSettings,
        identity: str,
        namespace: str,
        clock: Clock,
        on_listed: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._client = client
        self._on_listed = on_listed or _ignore
        self._clock = clock
        self._duration = settings.lease_duration
        self._margin = settings.retry_period
        self._namespace = namespace
        self._prefix = member_prefix(settings.lease_name)
        self.own = member_lease_name(settings.lease_name, identity)
        self._own_settings = settings.model_copy(
            update={"lease_name": self.own, "lease_namespace": namespace}
        )
        self._identity = identity
        self._seen: dict[str, tuple[_Record, float]] = {}

    async def run(self) -> None:
        """Hold our member Lease until cancelled; cancelling releases it."""
        while True:
            elector = LeaderElector(
                self._client,
                settings=self._own_settings,
                identity=self._identity,
                # Not exported: one leader_election_master_status series per pod ever started.
                metrics=LeaderMetrics(CollectorRegistry()),
                clock=self._clock,
            )
            await elector.run(_nothing, _nothing)

    async def count(self) -> int:
        """Live replicas now, ourselves always included; raises ``KubeError`` if unlisted."""
        listed = await self._client.list_all(LEASES, namespace=self._namespace)
        items: list[dict[str, Any]] = listed.get("items") or []
        self._on_listed(items)
        now = self._clock.now()
        present = set()
        for lease in items:
            meta, spec = lease.get("metadata") or {}, lease.get("spec") or {}
            name = str(meta.get("name", ""))
            if not name.startswith(self._prefix):
                continue
            present.add(name)
            age = self._age(name, spec, now)
            duration = float(spec.get("leaseDurationSeconds") or self._duration)
            if spec.get("holderIdentity") and age < self._window(duration):
                continue
            if name != self.own and age > STALE_LEASES * max(duration, self._duration):
                await self._delete(name, str(meta.get("resourceVersion", "")))
        self._seen = {k: v for k, v in self._seen.items() if k in present}
        return self.live()

    def live(self) -> int:
        """Live replicas by the last listing, judged on our clock now; ourselves included."""
        now = self._clock.now()
        return 1 + sum(1 for expiry in self._expiries() if expiry > now)

    def next_expiry(self) -> float | None:
        """The clock instant the next listed member stops counting as live, if any does."""
        now = self._clock.now()
        return min((e for e in self._expiries() if e > now), default=None)

    def _expiries(self) -> list[float]:
        """Observed expiry instants of the other members that have a holder."""
        return [
            seen_at + self._window(float(record[1] or self._duration))
            for name, (record, seen_at) in self._seen.items()
            if name != self.own and record[0]
        ]

    def _window(self, duration: float) -> float:
        """How long a member counts as live after we saw its record change."""
        return max(duration / 2, duration - self._margin)

    def _age(self, name: str, spec: dict[str, Any], now: float) -> float:
        """Seconds since our clock saw ``name``'s record change."""
        record = tuple(spec.get(k) for k in ("holderIdentity", "leaseDurationSeconds", "renewTime"))
        seen = self._seen.get(name)
        if seen is None or seen[0] != record:
            self._seen[name] = seen = (record, now)
        return now - seen[1]

    async def _delete(self, name: str, resource_version: str) -> None:
        try:
            await self._client.delete(
                LEASES,
                name=name,
                namespace=self._namespace,
                preconditions={"resourceVersion": resource_version},
            )
            log.info("member_lease_deleted", lease=name)
        except (NotFound, Conflict):
            pass  # someone else cleaned it up, or it came alive again
        except KubeError as e:
            log.info("member_lease_delete_failed", lease=name, error=str(e))


def _nothing() -> None:
    return None


def _ignore(_items: list[dict[str, Any]]) -> None:
    return None
