"""Which replicas are alive, from one ``coordination.k8s.io/v1`` Lease per replica.

Slot balancing (``kube.shards``) needs the number of live replicas, and the slot Leases alone
cannot tell it: a replica that has just started holds no slot, so nobody would ever make room
for it. Each replica therefore holds its own *member* Lease, ``<lease-name>-member-<hash of
identity>``, through an ordinary ``LeaderElector`` (nobody else wants it, so it is always won,
renewed every retry period and released with the process), and lists the member Leases of
its namespace once per retry period.

Liveness is judged as client-go judges a Lease: a member is live while it has a holder and
*our* clock has seen its record change within ``leaseDurationSeconds``. Renew times are never
compared with our wall clock, so skew between nodes is harmless; a member seen for the first
time counts as live for one lease duration. Member Leases unchanged for ``STALE_LEASES`` lease
durations (replicas that were killed: each pod has a new identity) are deleted with a
resourceVersion precondition by whichever replica notices; a live replica whose Lease was
deleted anyway (paused for a minute) simply creates it again at its next renew.
"""

from __future__ import annotations

import hashlib
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
    ) -> None:
        self._client = client
        self._clock = clock
        self._duration = settings.lease_duration
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
        now = self._clock.now()
        live, present = {self.own}, set()
        for lease in listed.get("items") or []:
            meta, spec = lease.get("metadata") or {}, lease.get("spec") or {}
            name = str(meta.get("name", ""))
            if not name.startswith(self._prefix):
                continue
            present.add(name)
            age = self._age(name, spec, now)
            duration = float(spec.get("leaseDurationSeconds") or self._duration)
            if spec.get("holderIdentity") and age < duration:
                live.add(name)
            elif name != self.own and age > STALE_LEASES * max(duration, self._duration):
                await self._delete(name, str(meta.get("resourceVersion", "")))
        self._seen = {k: v for k, v in self._seen.items() if k in present}
        return len(live)

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
