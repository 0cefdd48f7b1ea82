"""``dataFrom.find`` call economy: AWS calls per ExternalSecret when N share one ``find``.

Starts the harness's local control plane and a moto server in their own processes (as
``python -m bench`` does), creates ``--matches`` AWS secrets under one path plus unrelated
ones, the benchmark's namespaces and ClusterSecretStores (each store its own credentials, so
``--stores`` credential identities) and N ExternalSecrets that all use the same
``find: {path, name.regexp}``, then starts ``eso run`` - a cold start that sees every
ExternalSecret in its first list - and waits until all are Ready. The figure is the
controller's own ``externalsecret_provider_api_calls_count`` divided by N. It includes the
stores' validation calls (one ListSecrets each), so the find's own cost is a little lower.

    .venv/bin/python bench/find_economy.py --n 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from localkube.rawclient import RawClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procs import Children
from bench.promtext import AWS_CALLS, scrape
from bench.services import (
    Controller,
    ControllerOptions,
    start_control_plane,
    start_moto,
)
from bench.workload import (
    BENCH_LABEL,
    ES_API,
    Workload,
    access_key_id,
    bounded,
    create_cluster_objects,
)

FIND_PATH = "eso-bench-find/"


def find_external_secret(w: Workload, i: int) -> dict[str, Any]:
    """ExternalSecret ``i``: the same ``find`` as every other one, through store ``i % stores``."""
    spec = {
        "refreshInterval": w.refresh_interval,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": w.store(i)},
        "target": {"name": f"find-{i}"},
        "dataFrom": [{"find": {"path": FIND_PATH, "name": {"regexp": "^eso-bench-find/"}}}],
    }
    meta = {"name": f"find-{i}", "namespace": w.namespace(i), "labels": {BENCH_LABEL: "true"}}
    return {"apiVersion": ES_API, "kind": "ExternalSecret", "metadata": meta, "spec": spec}


async def create_find_secrets(moto_url: str, *, matches: int, others: int) -> None:
    from aiobotocore.session import get_session

    async with get_session().create_client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=moto_url,
        aws_access_key_id=access_key_id(0),
        aws_secret_access_key="bench-secret-0",
    ) as sm:
        for j in range(matches):
            await sm.create_secret(Name=f"{FIND_PATH}key-{j}", SecretString=f"value-{j}")
        for j in range(others):
            await sm.create_secret(Name=f"eso-bench-other/key-{j}", SecretString="x")


async def wait_all_ready(client: RawClient, n: int, *, within: float) -> float:
    """Seconds until ``n`` ExternalSecrets are Ready=True (one list per poll)."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        listed = await client.list(ES_API, "externalsecrets")
        ready = sum(
            1
            for item in listed.get("items") or []
            for cond in (item.get("status") or {}).get("conditions") or []
            if cond.get("type") == "Ready" and cond.get("status") == "True"
        )
        if ready >= n:
            return time.monotonic() - start
        await asyncio.sleep(0.5)
    raise TimeoutError(f"not every ExternalSecret Ready within {within:.0f} s")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    w = Workload(n=args.n, stores=args.stores, namespaces=10, refresh_interval="1h")
    workdir = Path(tempfile.mkdtemp(prefix="eso-find-bench-"))
    with Children(workdir / "logs") as children:
        kubeconfig, _ = await start_control_plane(children, workdir=workdir)
        moto_url, _ = await start_moto(children)
        await create_find_secrets(moto_url, matches=args.matches, others=args.others)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            await create_cluster_objects(client, w)
            await bounded(
                (
                    lambda i=i: client.create(
                        ES_API,
                        "externalsecrets",
                        find_external_secret(w, i),
                        namespace=w.namespace(i),
                    )
                )
                for i in range(args.n)
            )
            opts = ControllerOptions(
                kubeconfig=kubeconfig, moto_url=moto_url, concurrent=10, batch=True, cache=True
            )
            controller = Controller(children, opts, name="controller")
            controller.start()
            await controller.wait_ready()
            seconds = await wait_all_ready(client, args.n, within=args.timeout)
            snap = await scrape(controller.metrics_url)
            controller.stop()
    calls = {k: v for k, v in snap.groups[AWS_CALLS].items() if v}
    total = sum(calls.values())
    return {
        "n": args.n,
        "stores": args.stores,
        "matches": args.matches,
        "cold_sync_seconds": round(seconds, 2),
        "aws_calls": calls,
        "aws_calls_per_external_secret": round(total / args.n, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="ExternalSecrets")
    parser.add_argument("--stores", type=int, default=4, help="ClusterSecretStores")
    parser.add_argument("--matches", type=int, default=10, help="AWS secrets the find matches")
    parser.add_argument("--others", type=int, default=20, help="AWS secrets it does not")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
