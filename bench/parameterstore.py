"""The Parameter Store cold sync: AWS calls per sync and time to all Ready, at N ExternalSecrets.

The same shape as the main benchmark's cold sync (``bench.scenario``), against Parameter Store:
a local control plane and moto in their own processes, ``stores`` ParameterStore
ClusterSecretStores with distinct credentials, N parameters ``/eso-bench/app-<i>`` (JSON,
SecureString for odd ``i``) and N ExternalSecrets created *before* ``eso run`` starts
(``extract`` for even ``i``, two ``property`` reads for odd ``i``). The run ends when the watch
has seen all N Ready; the controller's ``/metrics`` is scraped then, so the call counts are
the cold sync's (``externalsecret_provider_api_calls_count`` by ``call``).

    python -m bench.parameterstore --n 1000 --out bench/results

Writes ``<out>/bench-parameterstore-n<N>.json`` and prints one markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiobotocore.session import get_session
from botocore.config import Config as BotoConfig

from bench import stats
from bench.procs import Children, cpu_seconds, peak_rss_bytes
from bench.promtext import AWS_CALLS, scrape
from bench.services import Controller, ControllerOptions, start_control_plane, start_moto
from bench.watcher import ReadyWatcher
from bench.workload import (
    CREATE_CONCURRENCY,
    ES_API,
    Workload,
    access_key_id,
    aws_secret_value,
    bounded,
    cluster_store,
    create_external_secret,
    create_ignoring_exists,
    credentials_secret,
    install_crds,
    namespace,
)
from eso.settings import ControllerSettings
from localkube.moto import REGION
from localkube.rawclient import RawClient

PROVIDER = "AWS/ParameterStore"


def parameter_name(i: int) -> str:
    return f"/eso-bench/app-{i}"


def ps_store(w: Workload, k: int) -> dict[str, Any]:
    """ClusterSecretStore ``k`` of the main benchmark, serving Parameter Store."""
    body = cluster_store(w, k)
    body["spec"]["provider"]["aws"]["service"] = "ParameterStore"
    return body


def external_secret(w: Workload, i: int) -> dict[str, Any]:
    """ExternalSecret ``i``: extract (even ``i``) or two properties (odd) of parameter ``i``."""
    key = parameter_name(i)
    spec: dict[str, Any] = {
        "refreshInterval": w.refresh_interval,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": w.store(i)},
        "target": {"name": f"es-{i}"},
    }
    if i % 2 == 0:
        spec["dataFrom"] = [{"extract": {"key": key}}]
    else:
        spec["data"] = [
            {"secretKey": k, "remoteRef": {"key": key, "property": k}}
            for k in ("username", "password")
        ]
    meta = {"name": f"es-{i}", "namespace": w.namespace(i)}
    return {"apiVersion": ES_API, "kind": "ExternalSecret", "metadata": meta, "spec": spec}


async def setup(client: RawClient, moto_url: str, w: Workload) -> dict[str, float]:
    """Stores, parameters and ExternalSecrets; ``namespace/name`` → creation time."""
    await install_crds(client)
    for name in w.all_namespaces():
        await create_ignoring_exists(client, "v1", "namespaces", namespace(name))
    for k in range(w.stores):
        cred = credentials_secret(w, k)
        await create_ignoring_exists(client, "v1", "secrets", cred, namespace=w.system_namespace)
        await create_ignoring_exists(client, ES_API, "clustersecretstores", ps_store(w, k))
    await put_parameters(moto_url, range(w.n))
    created: dict[str, float] = {}

    def one(i: int) -> Callable[[], Awaitable[object]]:
        async def run() -> None:
            body = external_secret(w, i)
            created[f"{w.namespace(i)}/es-{i}"] = await create_external_secret(client, body)

        return run

    await bounded(one(i) for i in range(w.n))
    return created


async def put_parameters(moto_url: str, indices: range) -> None:
    config = BotoConfig(max_pool_connections=CREATE_CONCURRENCY, retries={"max_attempts": 5})
    async with get_session().create_client(
        "ssm",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id=access_key_id(0),
        aws_secret_access_key="bench-secret-0",
        config=config,
    ) as ssm:

        def call(i: int) -> Callable[[], Awaitable[object]]:
            type_ = "SecureString" if i % 2 else "String"
            value = json.dumps(aws_secret_value(i))
            return lambda: ssm.put_parameter(Name=parameter_name(i), Value=value, Type=type_)

        await bounded(call(i) for i in indices)


async def run(n: int, *, out: Path, stores: int = 4, within: float = 900.0) -> dict[str, Any]:
    """One cold sync of ``n`` ExternalSecrets; its figures (``write`` puts them in ``out``)."""
    w = Workload(n=n, stores=stores, namespaces=10, refresh_interval="1h", prefix="bench-ps")
    logs = out / "logs" / "parameterstore"
    with Children(logs) as children:
        kubeconfig, control_plane = await start_control_plane(children, workdir=logs)
        moto_url, moto = await start_moto(children)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            t0 = time.monotonic()
            created = await setup(client, moto_url, w)
            setup_seconds = time.monotonic() - t0
            cpu0 = cpu_seconds(moto.pid), cpu_seconds(control_plane.pid)
            figures = await _cold_sync(children, client, kubeconfig, moto_url, set(created), within)
            figures["moto_cpu_seconds"] = round(cpu_seconds(moto.pid) - cpu0[0], 2)
            figures["control_plane_cpu_seconds"] = round(
                cpu_seconds(control_plane.pid) - cpu0[1], 2
            )
    return figures | {"n": n, "stores": stores, "setup_seconds": round(setup_seconds, 1)}


def write(figures: dict[str, Any], out: Path) -> Path:
    """``<out>/bench-parameterstore-n<N>.json``."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-parameterstore-n{figures['n']}.json"
    path.write_text(json.dumps(figures, indent=1) + "\n")
    return path


async def _cold_sync(
    children: Children,
    client: RawClient,
    kubeconfig: Path,
    moto_url: str,
    keys: set[str],
    within: float,
) -> dict[str, Any]:
    watcher = ReadyWatcher(client)
    await watcher.start()
    opts = ControllerOptions(
        kubeconfig=kubeconfig,
        moto_url=moto_url,
        concurrent=ControllerSettings().concurrent,
        batch=True,
        cache=True,
    )
    controller = Controller(children, opts, name="controller")
    controller.start()
    try:
        start_to_ready = await controller.wait_ready(within=within)
        ok = await watcher.wait_ready(keys, within=within, check=controller.check_alive)
        if not ok:
            raise RuntimeError(f"not all Ready after {within:.0f} s: {watcher.reasons(keys)}")
        done = max(watcher.ready_at[k] for k in keys)
        snap = await scrape(controller.metrics_url)
        cpu, rss = cpu_seconds(controller.pid), peak_rss_bytes(controller.pid)
    finally:
        controller.stop()
        await watcher.stop()
    calls = {g: v for g, v in snap.groups.get(AWS_CALLS, {}).items() if v}
    return {
        "cold_sync_seconds": round(done - controller.started, 3),
        "sync_seconds_after_ready": round(done - controller.started - start_to_ready, 3),
        "aws_calls": snap.total(AWS_CALLS),
        "aws_calls_per_sync": stats.ratio(snap.total(AWS_CALLS), len(keys)),
        "aws_calls_by_call": calls,
        "controller_cpu_seconds": cpu,
        "controller_peak_rss_bytes": rss,
    }


def markdown(f: dict[str, Any]) -> str:
    rows = [
        ("ExternalSecrets (= parameters)", f["n"]),
        ("cold sync, process start → all Ready (s)", f["cold_sync_seconds"]),
        ("  of which after /readyz (s)", f["sync_seconds_after_ready"]),
        ("AWS calls", int(f["aws_calls"])),
        ("AWS calls per sync", f["aws_calls_per_sync"]),
        ("calls by call,status", f["aws_calls_by_call"]),
        ("controller CPU (s)", f["controller_cpu_seconds"]),
        (
            "moto / control plane CPU during the sync (s)",
            (f["moto_cpu_seconds"], f["control_plane_cpu_seconds"]),
        ),
    ]
    return "\n".join(
        ["| Parameter Store | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)]
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.parameterstore", description=__doc__)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--stores", type=int, default=4)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--timeout", type=float, default=900.0)
    a = p.parse_args(argv)
    figures = asyncio.run(run(a.n, out=a.out, stores=a.stores, within=a.timeout))
    print(markdown(figures))
    print(f"results: {write(figures, a.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
