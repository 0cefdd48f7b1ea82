"""One ClusterExternalSecret over 1,000 namespaces: cold provision time, and the API writes a
refresh makes when nothing changed (the figure should be 0).

Starts ``eso local-cluster`` as its own process, installs the CRDs, creates N labelled
namespaces, then runs eso's Manager in this process and creates one CES selecting them
(``refreshTime`` short so refreshes come quickly). The children name a ClusterSecretStore
with that reconciler off, so the ExternalSecret controller skips them and the figures are the
CES controller's alone. Reported:

- cold provision: CES created → ``status.provisionedNamespaces`` lists all N and Ready is True;
- API writes during provisioning (children created + status writes), from the Manager's
  ``rest_client_requests_total`` (POST/PUT/DELETE on externalsecrets, any write on
  clusterexternalsecrets; the ExternalSecret controller's own status PATCHes are not the CES's);
- writes per no-op refresh and the p50 reconcile time of one, over several refreshes after
  the children settled in the cache.

Usage: ``.venv/bin/python -m bench.ces_scale [--n 1000] [--refreshes 5]``. The numbers are for
the README; no test asserts on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.controlplane_throughput import start_server
from eso.controllers.manager import Manager
from eso.kube.client import KubeClient
from eso.logging import configure
from eso.metrics import Metrics
from eso.settings import ControllerSettings, Settings
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError, RawClient

CRD_DIR = Path(__file__).resolve().parents[1] / "manifests" / "crds"
API = "external-secrets.io/v1"
LABEL = {"bench": "ces"}
CES_NAME = "fleet"
CONCURRENCY = 32


async def install_crds(raw: RawClient) -> None:
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        await raw.create("apiextensions.k8s.io/v1", "customresourcedefinitions", crd)
        plural = crd["spec"]["names"]["plural"]
        await wait_for(lambda p=plural: _served(raw, p), timeout=30)


async def _served(raw: RawClient, plural: str) -> bool:
    try:
        await raw.list(API, plural, limit=1)
    except ApiStatusError:
        return False  # not served yet
    return True


async def create_namespaces(raw: RawClient, n: int) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            meta = {"name": f"team-{i:04d}", "labels": LABEL}
            await raw.create("v1", "namespaces", {"metadata": meta})

    await asyncio.gather(*(one(i) for i in range(n)))


def ces_body() -> dict[str, Any]:
    spec = {
        "secretStoreRef": {"name": "aws", "kind": "ClusterSecretStore"},
        "refreshInterval": "1h",
        "data": [{"secretKey": "password", "remoteRef": {"key": "prod/db"}}],
    }
    return {
        "apiVersion": API,
        "kind": "ClusterExternalSecret",
        "metadata": {"name": CES_NAME},
        "spec": {
            "namespaceSelectors": [{"matchLabels": LABEL}],
            "refreshTime": "2s",
            "externalSecretSpec": spec,
        },
    }


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def ces_writes(metrics: Metrics) -> int:
    """Writes the CES controller makes (see the module docstring for what is left out)."""
    total = 0.0
    for family in metrics.registry.collect():
        for s in family.samples:
            if s.name != "rest_client_requests_total":
                continue
            verb, resource = s.labels["verb"], s.labels["resource"]
            if resource == "clusterexternalsecrets" and verb != "GET":
                total += s.value if verb not in ("LIST", "WATCH") else 0.0
            elif resource == "externalsecrets" and verb in ("POST", "PUT", "DELETE"):
                total += s.value
    return int(total)


def reconciles(metrics: Metrics) -> float:
    count = "eso_clusterexternalsecret_reconcile_duration_seconds_count"
    return sample(metrics, count, result="success") + sample(metrics, count, result="error")


async def provisioned(raw: RawClient, n: int) -> bool:
    status = (await raw.get(API, "clusterexternalsecrets", CES_NAME)).get("status") or {}
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return len(status.get("provisionedNamespaces") or []) == n and [
        c.get("status") for c in ready
    ] == ["True"]


async def measure(raw: RawClient, manager: Manager, metrics: Metrics, args: Any) -> dict[str, Any]:
    start = time.perf_counter()
    await raw.create(API, "clusterexternalsecrets", ces_body())
    await wait_for(lambda: provisioned(raw, args.n), timeout=600)
    cold = time.perf_counter() - start
    provision_writes, provision_reconcile = ces_writes(metrics), _duration_sum(metrics)
    cache = manager.external_secrets.cache
    await wait_for(lambda: _settled(cache, args.n), timeout=120)
    await _next_reconcile(metrics)  # the first refresh that sees every child cached
    per_refresh, durations = [], []
    for _ in range(args.refreshes):
        writes, hist_sum = ces_writes(metrics), _duration_sum(metrics)
        await _next_reconcile(metrics)
        per_refresh.append(ces_writes(metrics) - writes)
        durations.append(_duration_sum(metrics) - hist_sum)
    return {
        "cold": cold,
        "provision_writes": provision_writes,
        "provision_reconcile": provision_reconcile,
        "per_refresh": per_refresh,
        "refresh_p50": statistics.median(durations),
    }


async def _settled(cache: Any, n: int) -> bool:
    return len(cache.by_index("ces-owner", CES_NAME)) == n


async def _next_reconcile(metrics: Metrics) -> None:
    seen = reconciles(metrics)

    async def moved() -> bool:
        return reconciles(metrics) > seen

    await wait_for(moved, timeout=60)


def _duration_sum(metrics: Metrics) -> float:
    name = "eso_clusterexternalsecret_reconcile_duration_seconds_sum"
    return sample(metrics, name, result="success") + sample(metrics, name, result="error")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        proc, _base = await start_server(kubeconfig)
        try:
            async with await RawClient.from_kubeconfig(str(kubeconfig)) as raw:
                await install_crds(raw)
                await create_namespaces(raw, args.n)
                return await _with_manager(raw, kubeconfig, args)
        finally:
            proc.terminate()
            await proc.wait()


async def _with_manager(raw: RawClient, kubeconfig: Path, args: Any) -> dict[str, Any]:
    metrics = Metrics()
    # The children name a ClusterSecretStore while that reconciler is off, so the ExternalSecret
    # controller leaves them alone: what is measured is the CES controller, not child syncs.
    controller = ControllerSettings(process_cluster_store=False)
    settings = Settings(kubeconfig=str(kubeconfig), controller=controller)
    client = await KubeClient.from_config(
        kubeconfig=str(kubeconfig), settings=settings.client, metrics=metrics.client
    )
    manager = Manager(client, settings=settings, metrics=metrics)
    task = asyncio.create_task(manager.run(), name="manager")
    try:
        await wait_for(lambda: _ready(manager), timeout=60)
        return await measure(raw, manager, metrics, args)
    finally:
        await manager.stop(grace=2.0)
        await task
        await client.close()


async def _ready(manager: Manager) -> bool:
    return manager.ready()[0]


def report(args: argparse.Namespace, r: dict[str, Any]) -> None:
    print(f"ClusterExternalSecret over {args.n} namespaces (local control plane, one CES)")
    print(f"  cold provision (create → all provisioned, Ready) {r['cold']:8.2f} s")
    print(f"  time inside CES reconciles until then             {r['provision_reconcile']:8.2f} s")
    print(f"  API writes while provisioning                     {r['provision_writes']:8d}")
    print(f"  API writes per no-op refresh                      {r['per_refresh']}")
    print(f"  no-op refresh reconcile time (p50)                {r['refresh_p50'] * 1000:8.1f} ms")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=1000, help="namespaces selected by the CES")
    p.add_argument("--refreshes", type=int, default=5, help="no-op refreshes measured")
    args = p.parse_args(argv)
    configure(level="error", fmt="console")  # the children fail on purpose: no store
    report(args, asyncio.run(run(args)))


if __name__ == "__main__":
    main()
