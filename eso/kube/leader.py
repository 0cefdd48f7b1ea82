"""Lease-based leader election with client-go's ``leaderelection`` semantics.

- A candidate tries every ``retry_period`` (jittered by up to 1.2x, as client-go's JitterUntil)
  to take the ``coordination.k8s.io/v1`` Lease. It may when the Lease is free (no holder) or
  expired: *our* clock has not seen the record change for ``leaseDurationSeconds``. We never
  compare the holder's renewTime with our wall clock, so clock skew between nodes is harmless.
- The leader renews every ``retry_period``. If no renew succeeded for ``renew_deadline`` it
  stops leading at once (``on_stopped_leading``) — before the lease can expire for others, so
  two leaders never overlap. Seeing another holder on a valid lease also stops it at once.
- A candidate that has observed another holder's Lease also tries at the observed expiry
  instant (our clock's observation + ``leaseDurationSeconds``) when that comes before its next
  tick, so a dead holder is replaced within the lease duration of our last observation of its
  renew, not up to a jittered retry later. ``observe`` feeds records read elsewhere (one list
  of the namespace's Leases per retry period, in ``kube.shards``): they can only make the
  observation fresher, and the observation time is still our clock when we saw the change.
- Writes are optimistic (PUT with the read resourceVersion); a Conflict is a failed attempt.
- ``may_acquire`` (optional) is asked before taking a free or expired Lease, never before a
  renew: ``kube.shards`` runs one elector per slot and uses it to hold no more than its share.
  The Lease is still read and observed while the answer is no, so expiry is judged on time;
  ``on_attempt_failed`` is told of every failed acquisition (so a reservation can be undone);
  ``next_chance`` (optional) names the clock time at which a refusal may turn into a yes (a
  dead member's Lease expiring raises the share), and the candidate tries again then.
- On graceful stop (``release()``, or cancelling ``run`` with ``release_on_cancel``) the Lease
  is written with an empty holder and ``leaseDurationSeconds=1`` (client-go ReleaseOnCancel),
  so a standby takes over at its next retry instead of waiting out the lease.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from eso.clock import Clock, SystemClock
from eso.kube.client import KubeClient
from eso.kube.errors import AlreadyExists, Conflict, KubeError, NotFound
from eso.kube.resources import LEASES
from eso.metrics import LeaderMetrics
from eso.settings import LeaderSettings

log = structlog.get_logger(__name__)

Callback = Callable[[], Any]
_SA_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
_JITTER = 1.2
_RELEASE_ATTEMPTS = 3
_WAKE_MARGIN = 0.001
"""Seconds past an instant a candidate wakes at, so float rounding never wakes it just short."""


def default_identity() -> str:
    """``hostname_uuid`` as controller-runtime: unique even for two processes in one pod."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def pod_namespace() -> str:
    """The namespace we run in: POD_NAMESPACE, the service account's, else ``default``."""
    if ns := os.environ.get("POD_NAMESPACE"):
        return ns
    path = Path(_SA_NAMESPACE)
    if path.exists():
        return path.read_text().strip() or "default"
    return "default"


def micro_time(clock: Clock) -> str:
    """A Kubernetes MicroTime string for ``clock.wall()``."""
    return clock.wall().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """One candidate for one Lease; ``run`` it once."""

    def __init__(
        self,
        client: KubeClient,
        *,
        settings: LeaderSettings,
        identity: str | None = None,
        metrics: LeaderMetrics | None = None,
        clock: Clock | None = None,
        release_on_cancel: bool = True,
        may_acquire: Callable[[], bool] | None = None,
        on_attempt_failed: Callable[[], None] | None = None,
        next_chance: Callable[[], float | None] | None = None,
    ) -> None:
        self._client = client
        self._s = settings
        self.identity = identity or default_identity()
        self._metrics = metrics or LeaderMetrics(CollectorRegistry())
        self._clock = clock or SystemClock()
        self._release_on_cancel = release_on_cancel
        self._may_acquire = may_acquire or _always
        self._on_attempt_failed = on_attempt_failed or _nothing
        self._next_chance = next_chance or _never
        self.namespace = settings.lease_namespace or pod_namespace()
        self.name = settings.lease_name
        self._is_leader = False
        self._released = asyncio.Event()
        self._release_write: asyncio.Future[None] | None = None
        self._lost_to_other = False
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._log = log.bind(lease=f"{self.namespace}/{self.name}", identity=self.identity)
        self._metrics.status.labels(self.name).set(0)

    @property
    def is_leader(self) -> bool:
        return self._is_leader

    async def run(self, on_started_leading: Callback, on_stopped_leading: Callback) -> None:
        """Acquire, call ``on_started_leading``, renew until lost or released, then call
        ``on_stopped_leading`` and return. Callbacks may be sync or async and must be quick.

        Cancelled while leading: releases the Lease first if ``release_on_cancel``, then calls
        ``on_stopped_leading`` and re-raises. After ``release()`` it returns only once the
        Lease is written free, so a successor elector of the same identity never finds the
        Lease still naming it and renews it back while the release is in flight.
        """
        led = False
        try:
            await self._acquire_loop()
            led = True
            self._set_leader(True)
            self._log.info("leader_elected")
            await _maybe_await(on_started_leading())
            await self._renew_loop()
            if self._release_write is not None:
                await asyncio.shield(self._release_write)
        except asyncio.CancelledError:
            if self._is_leader and self._release_on_cancel:
                await asyncio.shield(self._release_record())
            raise
        finally:
            if led:
                self._set_leader(False)
                self._log.info("leader_stopped")
                await asyncio.shield(_maybe_await(on_stopped_leading()))

    async def release(self) -> None:
        """Give the Lease up now if we hold it; ``run`` then returns. Idempotent."""
        if not self._is_leader or self._released.is_set():
            return
        self._released.set()
        self._set_leader(False)
        # One write, awaited by both this caller and ``run`` (which returns after it).
        self._release_write = asyncio.ensure_future(self._release_record())
        await asyncio.shield(self._release_write)

    # -------------------------------------------------------------- loops

    def observe(self, lease: dict[str, Any]) -> None:
        """Take note of ``lease`` (this elector's Lease, read by someone else just now)."""
        self._observe(lease.get("spec") or {})

    async def _acquire_loop(self) -> None:
        while not await self._attempt(self._s.renew_deadline):
            self._on_attempt_failed()
            await self._clock.sleep(self._next_attempt_in())

    def _next_attempt_in(self) -> float:
        """The jittered retry tick, or sooner: when the observed Lease expires, or when
        ``next_chance`` says a refusal may end (whichever comes first and is still ahead)."""
        now = self._clock.now()
        delay = self._s.retry_period * (1 + random.random() * _JITTER)
        for instant in (self._observed_expiry(), self._next_chance()):
            if instant is not None and instant > now:
                delay = min(delay, instant - now + _WAKE_MARGIN)
        return delay

    def _observed_expiry(self) -> float | None:
        """Our clock's expiry instant of another holder's Lease, if we observed one."""
        if self._observed is None or self._observed[0] in ("", None, self.identity):
            return None
        return self._observed_at + float(self._observed[1] or self._s.lease_duration)

    async def _renew_loop(self) -> None:
        """Renew every retry period; after a failure the next try is no later than the renew
        deadline itself, so we stop at it, not up to a retry period past it (candidates take
        over at the observed expiry instant: the deadline's margin is all there is)."""
        last_ok = self._clock.now()
        delay = self._s.retry_period
        while not await self._sleep_unless_released(delay):
            remaining = self._s.renew_deadline - (self._clock.now() - last_ok)
            if await self._attempt(max(0.1, remaining)):
                last_ok, delay = self._clock.now(), self._s.retry_period
                continue
            if self._lost_to_other:
                self._log.warning("leader_lost", why="another holder")
                return
            left = self._s.renew_deadline - (self._clock.now() - last_ok)
            if left <= 0:
                self._log.warning("leader_lost", why="renew deadline passed")
                return
            delay = min(self._s.retry_period, left + _WAKE_MARGIN)

    async def _sleep_unless_released(self, delay: float) -> bool:
        """Sleep ``delay``; True at once if ``release()`` was called meanwhile."""
        if self._released.is_set():
            return True
        sleeper = asyncio.ensure_future(self._clock.sleep(delay))
        waiter = asyncio.ensure_future(self._released.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (sleeper, waiter):
                t.cancel()
            await asyncio.gather(sleeper, waiter, return_exceptions=True)
        return self._released.is_set()

    async def _attempt(self, budget: float) -> bool:
        """One tryAcquireOrRenew bounded by ``budget`` seconds; errors count as failure.

        ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` swallows a
        cancellation that arrives as the attempt completes, and the elector would outlive its
        owner (seen with many electors on one fake clock).
        """
        try:
            async with asyncio.timeout(budget):
                return await self._try_acquire_or_renew()
        except (KubeError, TimeoutError) as e:
            self._log.info("lease_attempt_failed", error=str(e) or type(e).__name__)
            return False

    # ------------------------------------------------------------- record

    async def _try_acquire_or_renew(self) -> bool:
        now = micro_time(self._clock)
        try:
            lease = await self._client.get(LEASES, namespace=self.namespace, name=self.name)
        except NotFound:
            return self._may_acquire() and await self._create(now)
        spec = lease.get("spec") or {}
        self._observe(spec)
        holder = spec.get("holderIdentity") or ""
        if holder and holder != self.identity and not self._expired(spec):
            self._lost_to_other = self._is_leader
            return False
        ours = holder == self.identity
        # A Lease naming us while we do not lead (a predecessor elector of this identity left
        # it) is a new term, not a renewal: it needs ``may_acquire`` like any acquisition.
        if not (ours and self._is_leader) and not self._may_acquire():
            return False
        lease["spec"] = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self._s.lease_duration),
            "acquireTime": spec.get("acquireTime") if ours else now,
            "renewTime": now,
            "leaseTransitions": int(spec.get("leaseTransitions") or 0) + (0 if ours else 1),
        }
        updated = await self._client.replace(LEASES, body=lease, namespace=self.namespace)
        self._observe(updated.get("spec") or {})
        return True

    async def _create(self, now: str) -> bool:
        body = {
            "apiVersion": LEASES.api_version,
            "kind": LEASES.kind,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self._s.lease_duration),
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": 0,
            },
        }
        try:
            created = await self._client.create(LEASES, body=body, namespace=self.namespace)
        except AlreadyExists:
            return False
        self._observe(created.get("spec") or {})
        return True

    async def _release_record(self) -> None:
        """Write the Lease free if it still names us; a Conflict (our own renew attempt that
        was in flight landed first) is retried, or the Lease would stay ours until it expired."""
        for _ in range(_RELEASE_ATTEMPTS):
            try:
                await self._write_release()
                return
            except Conflict:
                continue
            except KubeError as e:
                self._log.warning("lease_release_failed", error=str(e))
                return
        self._log.warning("lease_release_failed", error="conflict")

    async def _write_release(self) -> None:
        lease = await self._client.get(LEASES, namespace=self.namespace, name=self.name)
        spec = lease.get("spec") or {}
        if spec.get("holderIdentity") != self.identity:
            return
        now = micro_time(self._clock)
        lease["spec"] = {
            "holderIdentity": "",
            "leaseDurationSeconds": 1,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": spec.get("leaseTransitions") or 0,
        }
        await self._client.replace(LEASES, body=lease, namespace=self.namespace)
        self._log.info("lease_released")

    def _observe(self, spec: dict[str, Any]) -> None:
        record = tuple(
            spec.get(k)
            for k in ("holderIdentity", "leaseDurationSeconds", "renewTime", "acquireTime")
        )
        if record != self._observed:
            self._observed = record
            self._observed_at = self._clock.now()

    def _expired(self, spec: dict[str, Any]) -> bool:
        duration = float(spec.get("leaseDurationSeconds") or self._s.lease_duration)
        return self._observed_at + duration <= self._clock.now()

    def _set_leader(self, value: bool) -> None:
        self._is_leader = value
        self._metrics.status.labels(self.name).set(1 if value else 0)


def _always() -> bool:
    return True


def _never() -> float | None:
    return None


def _nothing() -> None:
    return None


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result
