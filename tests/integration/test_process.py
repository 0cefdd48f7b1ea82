"""``eso run`` as a real process: probes, every promised metric series, SIGTERM, the Lease.

The controller runs exactly as in a cluster (``python -m eso run``) against the ``cluster``
fixture, with only the AWS endpoint pointed at the ``moto_server`` fixture. The walkthrough's
objects (``manifests/examples``) are applied with unique names, the ExternalSecret syncs, and
the test scrapes ``/metrics`` like Prometheus would. Everything waits on a deadline by polling;
nothing sleeps for synchronisation and nothing asserts on durations.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from localkube.apiproxy import ApiProxy
from localkube.moto import MotoSecrets, MotoServer, fake_aws_env
from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError

ROOT = Path(__file__).resolve().parents[2]
CRD_DIR = ROOT / "manifests" / "crds"
EXAMPLES = ROOT / "manifests" / "examples"
ES_API = "external-secrets.io/v1"
REGION = "ap-south-1"  # the walkthrough's region
# Longer than the default shutdown grace (25 s): the process must be gone by then.
EXIT_DEADLINE = 35.0
SYNC_DEADLINE = 30.0
T = TypeVar("T")

pytestmark = pytest.mark.slow


# --- the process --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class EsoProcess:
    """A running ``eso run`` and how to talk to it."""

    proc: asyncio.subprocess.Process
    log_path: Path
    metrics_url: str
    live_url: str
    http: aiohttp.ClientSession

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def events(self) -> list[str]:
        """The ``event`` of every JSON log line, in order."""
        lines = [line for line in self.logs().splitlines() if line.startswith("{")]
        return [json.loads(line).get("event", "") for line in lines]

    def check_alive(self) -> None:
        if self.proc.returncode is not None:
            tail = "\n".join(self.logs().splitlines()[-30:])
            raise AssertionError(f"eso run exited with {self.proc.returncode}:\n{tail}")

    async def get(self, url: str) -> tuple[int, str]:
        self.check_alive()
        try:
            async with self.http.get(url) as resp:
                return resp.status, await resp.text()
        except aiohttp.ClientConnectionError:
            return 0, ""  # not listening yet

    async def scrape(self) -> str:
        status, body = await self.get(self.metrics_url + "/metrics")
        assert status == 200, body
        return body

    async def poll(self, probe: Callable[[], Awaitable[T | None]], *, within: float) -> T:
        """Poll until ``probe`` is truthy; on the deadline fail with the process's log tail."""
        try:
            async with asyncio.timeout(within):
                while True:
                    value = await probe()
                    if value:
                        return value
                    await asyncio.sleep(0.1)
        except TimeoutError:
            self.check_alive()
            tail = "\n".join(self.logs().splitlines()[-30:])
            raise AssertionError(f"timed out; eso run log tail:\n{tail}") from None

    async def terminate(self) -> int:
        """SIGTERM, then the exit code (AssertionError if it outlives ``EXIT_DEADLINE``)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout=EXIT_DEADLINE)
        except TimeoutError:
            raise AssertionError("eso run did not exit after SIGTERM") from None


@asynccontextmanager
async def eso_run(
    cluster: Cluster, moto: MotoServer, log_path: Path, *args: str, kubeconfig: Path | None = None
) -> AsyncIterator[EsoProcess]:
    """Start ``python -m eso run`` with free ports; killed on exit if still running.

    ``kubeconfig`` (default: the cluster's) points it elsewhere, e.g. at an ``ApiProxy``."""
    metrics_port, live_port = free_port(), free_port()
    argv = [
        "-m", "eso", "run",
        "--kubeconfig", str(kubeconfig or cluster.kubeconfig),
        "--metrics-addr", f"127.0.0.1:{metrics_port}",
        "--live-addr", f"127.0.0.1:{live_port}",
        "--log-format", "json",
        *args,
    ]  # fmt: skip
    env = {**os.environ, **fake_aws_env(moto.url, region=REGION)}
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *argv, stdout=log, stderr=log, env=env, cwd=ROOT
        )
    try:
        async with aiohttp.ClientSession() as http:
            yield EsoProcess(
                proc,
                log_path,
                f"http://127.0.0.1:{metrics_port}",
                f"http://127.0.0.1:{live_port}",
                http,
            )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.fixture
async def crds_hidden(cluster: Cluster, tmp_path: Path) -> AsyncIterator[ApiProxy]:
    """The cluster as it looks without eso's CRDs, to a process given ``tmp/hidden.kubeconfig``.

    A proxy answers 404 for the external-secrets.io group: on a shared cluster the CRDs may be
    installed, and deleting them is not ours to do."""
    async with ApiProxy(cluster.client) as proxy:
        proxy.hide(f"/apis/{ES_API.split('/')[0]}/")
        proxy.write_kubeconfig(tmp_path / "hidden.kubeconfig")
        yield proxy


async def install_crds(cluster: Cluster) -> None:
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                await cluster.install_crd(doc)


# --- the walkthrough's objects, with names unique to the test ---------------------------------


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return doc


@dataclass
class Walkthrough:
    """awssm-secret, a ClusterSecretStore on it, an ExternalSecret extracting app-secret."""

    cluster: Cluster
    creds_ns: str
    es_ns: str
    store: str
    es: str = "allfunds-secret"
    cluster_objects: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    async def create_namespaces(cls, cluster: Cluster) -> Walkthrough:
        creds_ns = await cluster.create_namespace("eso-creds-")
        es_ns = await cluster.create_namespace("allfunds-")
        return cls(cluster, creds_ns, es_ns, f"global-secret-store-{secrets.token_hex(3)}")

    async def apply_credentials(self) -> None:
        body = example("awssm-secret.yaml")
        body["metadata"]["namespace"] = self.creds_ns
        await self.cluster.client.create("v1", "secrets", body, namespace=self.creds_ns)

    async def apply_store(self) -> None:
        body = example("cluster-secret-store.yaml")
        body["metadata"]["name"] = self.store
        for ref in body["spec"]["provider"]["aws"]["auth"]["secretRef"].values():
            ref["namespace"] = self.creds_ns
        await self.cluster.client.create(ES_API, "clustersecretstores", body)
        self.cluster_objects.append(("clustersecretstores", self.store))

    async def apply_external_secret(self, **spec: Any) -> None:
        body = example("external-secret.yaml")
        body["metadata"].update(name=self.es, namespace=self.es_ns)
        body["spec"]["secretStoreRef"]["name"] = self.store
        body["spec"].update(spec)
        await self.cluster.client.create(ES_API, "externalsecrets", body, namespace=self.es_ns)

    async def ready(self, plural: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        """The Ready condition of an object ({} while there is none)."""
        try:
            obj = await self.cluster.client.get(ES_API, plural, name, namespace=namespace)
        except ApiStatusError as e:
            if e.status == 404:
                return {}
            raise
        for cond in (obj.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                return dict(cond)
        return {}

    async def cleanup(self) -> None:
        for plural, name in self.cluster_objects:
            await self.cluster.delete_and_wait(ES_API, plural, name)


@pytest.fixture
async def walkthrough(cluster: Cluster) -> AsyncIterator[Walkthrough]:
    await install_crds(cluster)
    world = await Walkthrough.create_namespaces(cluster)
    try:
        yield world
    finally:
        await world.cleanup()


# --- reading /metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scrape:
    """A parsed /metrics body: family types and every sample."""

    body: str
    types: dict[str, str]
    samples: list[tuple[str, dict[str, str], float]]

    @classmethod
    def parse(cls, body: str) -> Scrape:
        families = list(text_string_to_metric_families(body))
        return cls(
            body,
            {f.name: f.type for f in families},
            [
                (_as_served(f.name, s.name), dict(s.labels), s.value)
                for f in families
                for s in f.samples
            ],
        )

    def find(self, metric: str, /, **labels: str) -> list[tuple[dict[str, str], float]]:
        """Samples named ``metric`` whose labels include ``labels``."""
        return [
            (lbls, value)
            for n, lbls, value in self.samples
            if n == metric and labels.items() <= lbls.items()
        ]

    def value(self, metric: str, /, **labels: str) -> float | None:
        found = self.find(metric, **labels)
        return found[0][1] if found else None

    def total(self, metric: str, /, **labels: str) -> float:
        """The sum over every sample named ``metric`` whose labels include ``labels``."""
        return sum(value for _, value in self.find(metric, **labels))


# ESO's counters without _total: served under their own name; prometheus_client's parser reads
# every counter sample as <family>_total, so the sample name is put back as served.
ESO_BARE_COUNTERS = ("externalsecret_sync_calls_error", "externalsecret_provider_api_calls_count")


def _as_served(family: str, sample: str) -> str:
    return family if family in ESO_BARE_COUNTERS and sample == family + "_total" else sample


# Families that must exist once the process runs, with their Prometheus type.
FAMILIES = {
    "externalsecret_sync_calls": "counter",
    "externalsecret_sync_calls_error": "counter",  # ESO name, no _total, as ESO types it
    "externalsecret_status_condition": "gauge",
    "externalsecret_reconcile_duration": "gauge",
    "externalsecret_provider_api_calls_count": "counter",  # ESO name, no _total
    "secretstore_status_condition": "gauge",
    "clustersecretstore_status_condition": "gauge",
    "secretstore_reconcile_duration": "gauge",
    "clustersecretstore_reconcile_duration": "gauge",
    "eso_clustersecretstore_reconcile_duration_seconds": "histogram",
    "controller_runtime_reconcile": "counter",
    "controller_runtime_reconcile_errors": "counter",
    "controller_runtime_reconcile_time_seconds": "histogram",
    "workqueue_depth": "gauge",
    "workqueue_adds": "counter",
    "workqueue_queue_duration_seconds": "histogram",
    "workqueue_work_duration_seconds": "histogram",
    "workqueue_retries": "counter",
    "workqueue_unfinished_work_seconds": "gauge",
    "workqueue_longest_running_processor_seconds": "gauge",
    "leader_election_master_status": "gauge",
    "rest_client_requests": "counter",
}


def assert_every_series_after_a_sync(scrape: Scrape, world: Walkthrough) -> None:
    """Every series issue 5 promises, with the labels a dashboard selects on."""
    for family, kind in FAMILIES.items():
        assert scrape.types.get(family) == kind, (family, scrape.types.get(family))

    es = {"name": world.es, "namespace": world.es_ns}
    assert (scrape.value("externalsecret_sync_calls_total", **es) or 0) >= 1
    assert (
        scrape.value("externalsecret_status_condition", **es, condition="Ready", status="True") == 1
    )
    assert (scrape.value("externalsecret_reconcile_duration", **es) or 0) > 0
    calls = scrape.find("externalsecret_provider_api_calls_count", status="success")
    assert any(value >= 1 for _, value in calls), "no successful provider call counted"
    for labels, _ in calls:  # calls not made yet are there too, at 0
        assert labels.keys() == {"provider", "call", "status"}
        assert labels["provider"] and labels["call"]
    for name in ESO_BARE_COUNTERS:
        assert f"# TYPE {name} counter\n{name}{{" in scrape.body
    assert (
        scrape.value(
            "clustersecretstore_status_condition",
            name=world.store,
            namespace="",
            condition="Ready",
            status="True",
        )
        == 1
    )
    store = {"name": world.store, "namespace": ""}
    assert (scrape.value("clustersecretstore_reconcile_duration", **store) or 0) > 0

    ctrl = {"controller": "externalsecret"}
    # a synced ExternalSecret is requeued for its refresh: result="requeue_after"
    assert scrape.total("controller_runtime_reconcile_total", **ctrl) >= 1
    assert (scrape.value("controller_runtime_reconcile_time_seconds_count", **ctrl) or 0) >= 1
    queue = {"controller": "externalsecret", "name": "externalsecret"}
    assert scrape.value("workqueue_depth", **queue) is not None
    assert (scrape.value("workqueue_adds_total", **queue) or 0) >= 1
    assert (scrape.value("workqueue_queue_duration_seconds_count", **queue) or 0) >= 1
    assert (scrape.value("workqueue_work_duration_seconds_count", **queue) or 0) >= 1
    assert scrape.value("workqueue_unfinished_work_seconds", **queue) is not None
    assert scrape.value("workqueue_longest_running_processor_seconds", **queue) is not None

    requests = scrape.find("rest_client_requests_total")
    assert requests, "no Kubernetes API request counted"
    for labels, _ in requests:
        assert labels.keys() == {"verb", "resource", "code"}
    assert {"LIST", "WATCH"} <= {lbl["verb"] for lbl, _ in requests}, requests
    assert "externalsecrets" in {lbl["resource"] for lbl, _ in requests}, requests
    assert all(lbl["code"].isdigit() for lbl, _ in requests), requests


def es_series(scrape: Scrape, world: Walkthrough) -> list[str]:
    return [
        name
        for name, labels, _ in scrape.samples
        if labels.get("name") == world.es and labels.get("namespace") == world.es_ns
    ]


def secret_forms(*values: bytes) -> list[str]:
    """A value as it could leak: raw, base64 (the Secret's data) and JSON-escaped."""
    forms: list[str] = []
    for value in values:
        text = value.decode(errors="replace")
        forms += [text, base64.b64encode(value).decode(), json.dumps(text)[1:-1]]
    return forms


# --- tests --------------------------------------------------------------------------------------


APP_SECRET = {"username": "allfunds", "password": "p4ss-Zq8vLx2-metrics-canary"}


async def _sync_the_walkthrough(eso: EsoProcess, world: Walkthrough, moto: MotoServer) -> None:
    await MotoSecrets(moto.url, region=REGION).create("app-secret", APP_SECRET)
    await world.apply_credentials()
    await world.apply_store()

    async def store_ready() -> bool:
        return (await world.ready("clustersecretstores", world.store)).get("status") == "True"

    await eso.poll(store_ready, within=SYNC_DEADLINE)
    await world.apply_external_secret()

    async def synced() -> bool:
        cond = await world.ready("externalsecrets", world.es, world.es_ns)
        return cond.get("reason") == "SecretSynced" and cond.get("status") == "True"

    await eso.poll(synced, within=SYNC_DEADLINE)


async def _scrape_after_the_sync(eso: EsoProcess, world: Walkthrough) -> Scrape:
    """The first scrape that has the synced ExternalSecret's Ready=True series.

    The status write and the metric update are separate steps: seeing SecretSynced in the
    API does not promise the scrape that follows already has the series.
    """
    ready = {"name": world.es, "namespace": world.es_ns, "condition": "Ready", "status": "True"}

    async def probe() -> Scrape | None:
        scrape = Scrape.parse(await eso.scrape())
        return scrape if scrape.value("externalsecret_status_condition", **ready) == 1 else None

    return await eso.poll(probe, within=SYNC_DEADLINE)


async def _probes_come_up(eso: EsoProcess) -> None:
    async def healthy() -> bool:
        return (await eso.get(eso.live_url + "/healthz"))[0] == 200

    async def ready() -> bool:
        return (await eso.get(eso.live_url + "/readyz"))[0] == 200

    await eso.poll(healthy, within=SYNC_DEADLINE)
    await eso.poll(ready, within=SYNC_DEADLINE)


async def test_eso_run_serves_probes_and_every_metric_series_then_exits_0_on_sigterm(
    cluster: Cluster, moto_server: MotoServer, walkthrough: Walkthrough, tmp_path: Path
) -> None:
    """The walkthrough in a real process; /metrics has everything, deleted ES series go."""
    async with eso_run(cluster, moto_server, tmp_path / "eso.log") as eso:
        await _probes_come_up(eso)
        await _sync_the_walkthrough(eso, walkthrough, moto_server)

        scrape = await _scrape_after_the_sync(eso, walkthrough)
        assert_every_series_after_a_sync(scrape, walkthrough)
        # no election: one replica writes, as if it led the Lease it would use (issue 14)
        assert scrape.value("leader_election_master_status") == 1
        for form in secret_forms(APP_SECRET["password"].encode()):
            assert form not in scrape.body

        await cluster.client.delete(
            ES_API, "externalsecrets", walkthrough.es, namespace=walkthrough.es_ns
        )

        async def es_series_gone() -> bool:
            return not es_series(Scrape.parse(await eso.scrape()), walkthrough)

        await eso.poll(es_series_gone, within=SYNC_DEADLINE)

        await cluster.client.delete(ES_API, "clustersecretstores", walkthrough.store)

        async def store_series_gone() -> bool:
            scrape = Scrape.parse(await eso.scrape())
            return not scrape.find("clustersecretstore_status_condition", name=walkthrough.store)

        await eso.poll(store_series_gone, within=SYNC_DEADLINE)

        assert await eso.terminate() == 0
    assert eso.events()[-1] == "stopped"


async def test_eso_run_with_leader_election_leads_and_releases_the_lease_on_sigterm(
    cluster: Cluster, moto_server: MotoServer, walkthrough: Walkthrough, tmp_path: Path
) -> None:
    """Leader election variant: master status 1 once leading, holder empty after exit."""
    lease_ns = walkthrough.creds_ns
    lease = f"eso-test-lease-{secrets.token_hex(3)}"
    args = [
        "--enable-leader-election",
        f"--leader-election-namespace={lease_ns}",
        f"--leader-election-id={lease}",
    ]
    async with eso_run(cluster, moto_server, tmp_path / "eso.log", *args) as eso:
        await _probes_come_up(eso)

        async def leading() -> bool:
            scrape = Scrape.parse(await eso.scrape())
            return scrape.value("leader_election_master_status", name=lease) == 1

        await eso.poll(leading, within=SYNC_DEADLINE)
        await _sync_the_walkthrough(eso, walkthrough, moto_server)
        scrape = await _scrape_after_the_sync(eso, walkthrough)
        assert_every_series_after_a_sync(scrape, walkthrough)

        held = await cluster.client.get(
            "coordination.k8s.io/v1", "leases", lease, namespace=lease_ns
        )
        assert held["spec"].get("holderIdentity")

        assert await eso.terminate() == 0
    assert eso.events()[-1] == "stopped"

    released = await cluster.client.get(
        "coordination.k8s.io/v1", "leases", lease, namespace=lease_ns
    )
    assert not released["spec"].get("holderIdentity")


async def test_readyz_is_503_with_the_reason_until_the_crds_exist(
    cluster: Cluster, moto_server: MotoServer, tmp_path: Path, crds_hidden: ApiProxy
) -> None:
    """Without the CRDs the informers cannot sync: alive, not ready, and it says why."""
    hidden = tmp_path / "hidden.kubeconfig"
    async with eso_run(cluster, moto_server, tmp_path / "eso.log", kubeconfig=hidden) as eso:

        async def alive() -> bool:
            return (await eso.get(eso.live_url + "/healthz"))[0] == 200

        await eso.poll(alive, within=SYNC_DEADLINE)
        status, why = await eso.get(eso.live_url + "/readyz")
        assert status == 503
        assert why.startswith("informers not synced: ")
        assert "externalsecrets" in why

        await install_crds(cluster)
        crds_hidden.reveal()

        async def ready() -> bool:
            return (await eso.get(eso.live_url + "/readyz")) == (200, "ok")

        await eso.poll(ready, within=SYNC_DEADLINE)
        assert await eso.terminate() == 0


async def test_sigterm_before_the_caches_sync_still_exits_0(
    cluster: Cluster, moto_server: MotoServer, tmp_path: Path, crds_hidden: ApiProxy
) -> None:
    """No CRDs (as eso sees it), so the informers never sync; SIGTERM must not wait for them."""
    hidden = tmp_path / "hidden.kubeconfig"
    async with eso_run(cluster, moto_server, tmp_path / "eso.log", kubeconfig=hidden) as eso:

        async def alive() -> bool:
            return (await eso.get(eso.live_url + "/healthz"))[0] == 200

        await eso.poll(alive, within=SYNC_DEADLINE)
        assert (await eso.get(eso.live_url + "/readyz"))[0] == 503
        assert await eso.terminate() == 0
    assert eso.events()[-1] == "stopped"
