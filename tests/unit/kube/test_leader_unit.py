"""LeaderElector timing contracts, driven by a fake clock and an in-memory Lease."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from eso.clock import FakeClock
from eso.kube import errors as kerr
from eso.kube.leader import LeaderElector, micro_time
from eso.metrics import Metrics
from eso.settings import LeaderSettings

SETTINGS = LeaderSettings(enabled=True, lease_namespace="ns")  # 15 s / 10 s / 2 s


class FakeLeases:
    """Just enough of KubeClient for one Lease, with optimistic concurrency."""

    def __init__(self) -> None:
        self.lease: dict[str, Any] | None = None
        self.rv = 0
        self.failing = False
        self.conflicts = 0  # the next replaces that lose a race (another write landed first)

    def _store(self, body: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        body = copy.deepcopy(body)
        body["metadata"]["resourceVersion"] = str(self.rv)
        self.lease = body
        return copy.deepcopy(body)

    async def get(self, _resource: Any, *, namespace: str, name: str) -> dict[str, Any]:
        if self.failing:
            raise kerr.ServerError(500)
        if self.lease is None:
            raise kerr.NotFound(404)
        return copy.deepcopy(self.lease)

    async def create(self, _resource: Any, *, body: dict[str, Any], namespace: str) -> Any:
        if self.lease is not None:
            raise kerr.AlreadyExists(409, "AlreadyExists")
        return self._store(body)

    async def replace(self, _resource: Any, *, body: dict[str, Any], namespace: str) -> Any:
        if self.failing:
            raise kerr.ServerError(500)
        assert self.lease is not None
        if self.conflicts:
            self.conflicts -= 1
            raise kerr.Conflict(409)
        if body["metadata"].get("resourceVersion") != self.lease["metadata"]["resourceVersion"]:
            raise kerr.Conflict(409)
        return self._store(body)

    def hold(self, identity: str, renew: str) -> None:
        spec = {"holderIdentity": identity, "leaseDurationSeconds": 15, "renewTime": renew}
        meta: dict[str, Any] = {"name": SETTINGS.lease_name, "namespace": "ns"}
        body = {"metadata": meta, "spec": spec}
        if self.lease is not None:
            meta["resourceVersion"] = self.lease["metadata"]["resourceVersion"]
        self._store(body)


class Run:
    def __init__(self) -> None:
        self.started = 0
        self.stopped = 0


@pytest.fixture
async def setup() -> AsyncIterator[tuple[FakeClock, FakeLeases, LeaderElector, Run]]:
    clock, leases, run = FakeClock(), FakeLeases(), Run()
    elector = LeaderElector(
        leases,  # type: ignore[arg-type]
        settings=SETTINGS,
        identity="me",
        metrics=Metrics().leader,
        clock=clock,
        release_on_cancel=False,
    )

    def started() -> None:
        run.started += 1

    def stopped() -> None:
        run.stopped += 1

    task = asyncio.create_task(elector.run(started, stopped))
    try:
        yield clock, leases, elector, run
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_leader_keeps_leading_until_renew_deadline_then_stops_at_once(
    setup: tuple[FakeClock, FakeLeases, LeaderElector, Run],
) -> None:
    clock, leases, elector, run = setup
    await clock.advance(0)
    assert elector.is_leader and run.started == 1
    leases.failing = True
    await clock.advance(9.0)
    assert elector.is_leader, "renew failures within the deadline are tolerated"
    await clock.advance(1.5)
    assert not elector.is_leader
    assert run.stopped == 1


async def test_a_held_lease_is_taken_only_after_it_stays_unrenewed_for_its_duration() -> None:
    clock, leases = FakeClock(), FakeLeases()
    leases.hold("other", "t0")
    me = LeaderElector(leases, settings=SETTINGS, identity="me", clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(me.run(lambda: None, lambda: None))
    try:
        for i in range(20):  # the holder keeps renewing: never taken over
            leases.hold("other", f"t{i + 1}")
            await clock.advance(2.0)
            assert not me.is_leader
        # last renew seen at t in (38, 42.4]; it cannot expire before 53
        await clock.advance(12.0)
        assert not me.is_leader, "not before leaseDurationSeconds without a renew"
        # expired by 57.4 at the latest; the next jittered retry comes within 4.4 s
        await clock.advance(10.0)
        assert me.is_leader
        assert leases.lease is not None
        assert leases.lease["spec"]["leaseTransitions"] == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_released_lease_is_free_for_anyone() -> None:
    clock, leases = FakeClock(), FakeLeases()
    a = LeaderElector(leases, settings=SETTINGS, identity="a", clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(a.run(lambda: None, lambda: None))
    try:
        await clock.advance(0)
        assert a.is_leader
        await a.release()
        assert leases.lease is not None
        assert leases.lease["spec"]["holderIdentity"] == ""
        assert leases.lease["spec"]["leaseDurationSeconds"] == 1
        await clock.advance(0)
        assert task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_leader_that_sees_another_holder_stops_at_once(
    setup: tuple[FakeClock, FakeLeases, LeaderElector, Run],
) -> None:
    clock, leases, elector, run = setup
    await clock.advance(0)
    assert elector.is_leader
    leases.hold("usurper", "t1")
    await clock.advance(2.0)
    assert not elector.is_leader
    assert run.stopped == 1


async def test_a_release_that_loses_a_race_to_our_own_renew_is_retried() -> None:
    """Else the Lease keeps naming us until it expires, and nobody may take it meanwhile."""
    clock, leases = FakeClock(), FakeLeases()
    a = LeaderElector(leases, settings=SETTINGS, identity="a", clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(a.run(lambda: None, lambda: None))
    try:
        await clock.advance(0)
        assert a.is_leader
        leases.conflicts = 1
        await a.release()
        assert leases.lease is not None
        assert leases.lease["spec"]["holderIdentity"] == ""
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class SlowLeases(FakeLeases):
    """Replaces wait for ``gate`` while it is set up: a release write still in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: asyncio.Event | None = None

    async def replace(self, _resource: Any, *, body: dict[str, Any], namespace: str) -> Any:
        if self.gate is not None:
            await self.gate.wait()
        return await super().replace(_resource, body=body, namespace=namespace)


async def test_run_returns_after_a_release_only_once_the_lease_is_written_free() -> None:
    """Else a successor elector of the same identity finds the Lease naming it and renews it."""
    clock, leases = FakeClock(), SlowLeases()
    a = LeaderElector(leases, settings=SETTINGS, identity="a", clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(a.run(lambda: None, lambda: None))
    try:
        await clock.advance(0)
        assert a.is_leader
        leases.gate = asyncio.Event()
        releasing = asyncio.create_task(a.release())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done(), "run returned while the release write was in flight"
        leases.gate.set()
        await releasing
        await asyncio.wait_for(task, timeout=5)
        assert leases.lease is not None
        assert leases.lease["spec"]["holderIdentity"] == ""
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_new_elector_asks_before_taking_a_lease_that_still_names_it() -> None:
    """A Lease left naming us by a predecessor is a new term: ``may_acquire`` decides."""
    clock, leases = FakeClock(), FakeLeases()
    leases.hold("a", micro_time(clock))
    asked: list[bool] = []

    def may_acquire() -> bool:
        asked.append(True)
        return False

    b = LeaderElector(
        leases,  # type: ignore[arg-type]
        settings=SETTINGS,
        identity="a",
        clock=clock,
        may_acquire=may_acquire,
    )
    task = asyncio.create_task(b.run(lambda: None, lambda: None))
    try:
        await clock.advance(0)
        assert asked, "may_acquire was not consulted"
        assert not b.is_leader
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
