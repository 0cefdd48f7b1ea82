"""pytest plugin: the ``cluster`` fixture (local control plane or ESO_TEST_KUBECONFIG).

Integration tests take their cluster from here and nowhere else, so the same test runs
against the in-process ``LocalControlPlane`` (default: a fresh one per test, it starts in
milliseconds) and against a real kube-apiserver when ``ESO_TEST_KUBECONFIG`` names one.
Tests marked ``fault_injection`` are skipped on a real cluster (``cluster.faults`` is None
there); tests marked ``kubectl`` are skipped when the binary is absent.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from localkube.apiserver.faults import Faults
from localkube.apiserver.server import LocalControlPlane
from localkube.rawclient import ApiStatusError, RawClient

ENV_KUBECONFIG = "ESO_TEST_KUBECONFIG"
# Bookmarks every 0.2 s instead of kube-apiserver's ~60 s so bookmark tests stay fast.
TEST_BOOKMARK_INTERVAL = 0.2
T = TypeVar("T")


# Namespaces the session deleted on a real cluster, waited for at the session's end.
DELETED_NAMESPACES = pytest.StashKey[list[str]]()
NAMESPACE_DELETION_TIMEOUT = 300.0


def real_kubeconfig() -> str | None:
    return os.environ.get(ENV_KUBECONFIG) or None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a real cluster, wait until every namespace the tests deleted is gone."""
    kubeconfig = real_kubeconfig()
    deleted = session.config.stash.get(DELETED_NAMESPACES, [])
    if kubeconfig and deleted:
        left = asyncio.run(_wait_for_deleted_namespaces(kubeconfig, deleted))
        if left:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            # the session is over: stderr is the only place left to say so
            print(
                f"\n{len(left)} namespace(s) still terminating after "
                f"{NAMESPACE_DELETION_TIMEOUT:.0f} s: {', '.join(sorted(left))}",
                file=sys.stderr,
            )


async def _wait_for_deleted_namespaces(kubeconfig: str, names: list[str]) -> set[str]:
    """The namespaces among ``names`` that still exist when the deadline passes."""
    left = set(names)
    async with await RawClient.from_kubeconfig(kubeconfig) as client:

        async def all_gone() -> bool:
            listed = await client.list("v1", "namespaces")
            left.intersection_update(i["metadata"]["name"] for i in listed["items"])
            return not left

        try:
            await wait_for(all_gone, timeout=NAMESPACE_DELETION_TIMEOUT, interval=1.0)
        except TimeoutError:
            return left
    return set()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("fault_injection") and real_kubeconfig():
        pytest.skip(f"fault injection needs the local control plane ({ENV_KUBECONFIG} is set)")
    if item.get_closest_marker("kubectl") and shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")


async def wait_for(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
    interval: float = 0.02,
) -> T:
    """Poll ``probe`` until it returns a truthy value; TimeoutError after ``timeout`` s.

    ``timeout`` (not an ``asyncio.timeout`` block at the call site) because the poll interval
    and the deadline belong together in tests; hence the ASYNC109 exemptions in this plugin.
    """
    async with asyncio.timeout(timeout):
        while True:
            value = await probe()
            if value:
                return value
            await asyncio.sleep(interval)


@dataclass
class Cluster:
    """What a test gets: a kubeconfig, a RawClient and (locally) the control plane."""

    kubeconfig: Path
    client: RawClient
    plane: LocalControlPlane | None = None
    namespaces: list[str] = field(default_factory=list)
    # shared by the session's clusters (the pytest stash): what it waits for at its end
    deleted_namespaces: list[str] = field(default_factory=list)

    @property
    def is_local(self) -> bool:
        return self.plane is not None

    @property
    def faults(self) -> Faults | None:
        return self.plane.faults if self.plane is not None else None

    async def create_namespace(self, prefix: str = "eso-test-") -> str:
        """A fresh namespace, deleted when the test ends."""
        name = f"{prefix}{secrets.token_hex(4)}"
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        await self.client.create("v1", "namespaces", body)
        self.namespaces.append(name)
        return name

    async def install_crd(self, crd: dict[str, Any], *, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Create or update ``crd`` and wait until it is Established and served."""
        api = "apiextensions.k8s.io/v1"
        name = crd["metadata"]["name"]
        try:
            await self.client.create(api, "customresourcedefinitions", crd)
        except ApiStatusError as e:
            if e.status != 409:
                raise
            await wait_for(lambda: self._replace_crd(crd, timeout=timeout), timeout=timeout)
        return await self.wait_crd_served(name, timeout=timeout)

    async def wait_crd_served(self, name: str, *, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until CRD ``name`` is Established and every served version answers a list."""
        return await wait_for(lambda: self._served(name), timeout=timeout)

    async def _replace_crd(self, crd: dict[str, Any], *, timeout: float) -> bool:  # noqa: ASYNC109
        """Update ``crd`` in place (or recreate it once a terminating one is gone).

        False on a 409 Conflict: the apiextensions controllers (or another installer) wrote
        the CRD between our get and update; the caller tries again with a fresh get.
        """
        api = "apiextensions.k8s.io/v1"
        current = await self.client.get(api, "customresourcedefinitions", crd["metadata"]["name"])
        if current["metadata"].get("deletionTimestamp"):
            await wait_for(lambda: self._gone(crd["metadata"]["name"]), timeout=timeout)
            await self.client.create(api, "customresourcedefinitions", crd)
            return True
        body = {
            **crd,
            "metadata": {
                **crd["metadata"],
                "resourceVersion": current["metadata"]["resourceVersion"],
            },
        }
        try:
            await self.client.update(api, "customresourcedefinitions", body)
        except ApiStatusError as e:
            if e.status == 409 and e.reason == "Conflict":
                return False
            raise
        return True

    async def delete_crd(self, name: str, *, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Delete CRD ``name`` and wait until it is gone (its instances go first)."""
        await self.delete_and_wait(
            "apiextensions.k8s.io/v1", "customresourcedefinitions", name, timeout=timeout
        )

    async def delete_and_wait(
        self,
        api_version: str,
        plural: str,
        name: str,
        *,
        namespace: str | None = None,
        timeout: float = 60.0,  # noqa: ASYNC109
    ) -> None:
        """Delete an object (already gone is fine) and wait until the server has removed it,
        so the next test (or run) can never meet it terminating."""
        try:
            await self.client.delete(api_version, plural, name, namespace=namespace)
        except ApiStatusError as e:
            if e.status != 404:
                raise

        async def gone() -> bool:
            try:
                await self.client.get(api_version, plural, name, namespace=namespace)
            except ApiStatusError as e:
                if e.status == 404:
                    return True
                raise
            return False

        await wait_for(gone, timeout=timeout)

    async def _gone(self, name: str) -> bool:
        try:
            await self.client.get("apiextensions.k8s.io/v1", "customresourcedefinitions", name)
        except ApiStatusError as e:
            return e.status == 404
        return False

    async def _served(self, name: str) -> dict[str, Any] | None:
        crd = await self.client.get("apiextensions.k8s.io/v1", "customresourcedefinitions", name)
        # a new CRD has status.conditions: null until the apiextensions controllers run
        listed = (crd.get("status") or {}).get("conditions") or []
        conditions = {c["type"]: c["status"] for c in listed}
        if conditions.get("Established") != "True":
            return None
        spec = crd["spec"]
        served = [v["name"] for v in spec["versions"] if v.get("served")]
        for version in served:
            try:
                await self.client.list(
                    f"{spec['group']}/{version}", spec["names"]["plural"], limit=1
                )
            except ApiStatusError as e:
                if e.status == 404:
                    return None
                raise
        return crd

    async def cleanup(self) -> None:
        """Delete the test's namespaces; the session waits for them once, at its end.

        A real namespace controller takes seconds per namespace; the names are unique per run,
        so nothing waits on them in between, and ``pytest_sessionfinish`` makes sure the run
        leaves none behind (the session fails if one outlives ``NAMESPACE_DELETION_TIMEOUT``).
        """
        for ns in self.namespaces:
            try:
                await self.client.delete("v1", "namespaces", ns)
            except ApiStatusError as e:
                # 409: the test deleted it and the namespace controller is still emptying it
                if e.status not in (404, 409):
                    raise
            self.deleted_namespaces.append(ns)


@pytest.fixture
async def cluster(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    """A cluster for one test: a fresh local control plane, or ESO_TEST_KUBECONFIG's."""
    real = real_kubeconfig()
    if real:
        client = await RawClient.from_kubeconfig(real)
        deleted = request.config.stash.setdefault(DELETED_NAMESPACES, [])
        c = Cluster(kubeconfig=Path(real), client=client, deleted_namespaces=deleted)
        try:
            yield c
        finally:
            try:
                await c.cleanup()
            finally:
                await client.close()  # also when cleanup fails: no socket left unclosed
        return
    plane = LocalControlPlane(bookmark_interval=TEST_BOOKMARK_INTERVAL)
    await plane.start()
    kubeconfig = plane.write_kubeconfig(tmp_path / "kubeconfig")
    client = await RawClient.from_kubeconfig(kubeconfig)
    try:
        yield Cluster(kubeconfig=kubeconfig, client=client, plane=plane)
    finally:
        await client.close()
        await plane.stop()
