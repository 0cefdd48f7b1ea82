"""Throughput of the local control plane: simple writes/s and watch fan-out.

Starts ``eso local-cluster`` as a separate process (so client and server do not share an
event loop), then from this process:

- creates N ConfigMaps with C concurrent requests (keep-alive connections), then updates
  (PUT) and merge-patches each once, reporting requests/s per verb;
- opens W watches on the namespace, creates N more ConfigMaps, and measures how long until
  every watcher has seen every ADDED event (events delivered/s = N*W / elapsed).

Usage: ``.venv/bin/python bench/controlplane_throughput.py [--n 2000] [--concurrency 32]
[--watchers 10]``. The numbers are for the README; no test asserts on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import ssl
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import yaml

BENCH_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.bench.eso.example.com"},
    "spec": {
        "group": "bench.eso.example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [{
            "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "size": {"type": "integer", "minimum": 0},
                    "name": {"type": "string", "maxLength": 20},
                }},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            }}},
        }],
    },
}  # fmt: skip


async def start_server(kubeconfig: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "eso",
        "local-cluster",
        "--port",
        "0",
        "--kubeconfig",
        str(kubeconfig),
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    match = re.search(r"(https?://127\.0\.0\.1:\d+)", line)
    if match is None:
        raise RuntimeError(f"unexpected output from eso local-cluster: {line!r}")
    await proc.stdout.readline()  # the kubeconfig line: written by now
    return proc, match.group(1)


def session_for(kubeconfig: Path, limit: int) -> aiohttp.ClientSession:
    cfg = yaml.safe_load(kubeconfig.read_text())
    token = cfg["users"][0]["user"]["token"]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=ctx, limit=limit),
        headers={"Authorization": f"Bearer {token}"},
    )


async def timed(n: int, concurrency: int, op: Callable[[int], Awaitable[None]]) -> float:
    """Run ``op(i)`` for i in range(n) with ``concurrency`` workers; returns ops/s."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - start)


async def _until_served(s: aiohttp.ClientSession, url: str) -> None:
    """A new CRD is served once Established, shortly after its create returns."""
    async with asyncio.timeout(30):
        while True:
            async with s.get(url) as r:
                if r.status != 404:
                    return
            await asyncio.sleep(0.05)


async def write_rates(
    s: aiohttp.ClientSession, base: str, *, n: int, concurrency: int
) -> dict[str, float]:
    ns_url = f"{base}/api/v1/namespaces/bench/configmaps"

    async def create(i: int) -> None:
        body = {"metadata": {"name": f"cm-{i}"}, "data": {"v": "0"}}
        async with s.post(ns_url, json=body) as r:
            assert r.status == 201, await r.text()

    async def update(i: int) -> None:
        body = {"metadata": {"name": f"cm-{i}"}, "data": {"v": "1"}}
        async with s.put(f"{ns_url}/cm-{i}", json=body) as r:
            assert r.status == 200, await r.text()

    async def patch(i: int) -> None:
        headers = {"Content-Type": "application/merge-patch+json"}
        async with s.patch(
            f"{ns_url}/cm-{i}", data=json.dumps({"data": {"v": "2"}}), headers=headers
        ) as r:
            assert r.status == 200, await r.text()

    async def get(i: int) -> None:
        async with s.get(f"{ns_url}/cm-{i}") as r:
            assert r.status == 200, await r.text()

    crd_url = f"{base}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    async with s.post(crd_url, json=BENCH_CRD) as r:
        assert r.status == 201, await r.text()
    cr_url = f"{base}/apis/bench.eso.example.com/v1/namespaces/bench/widgets"
    await _until_served(s, cr_url)

    async def create_cr(i: int) -> None:
        body = {
            "apiVersion": "bench.eso.example.com/v1",
            "kind": "Widget",
            "metadata": {"name": f"w-{i}"},
            "spec": {"size": i % 10, "name": "x"},
        }
        async with s.post(cr_url, json=body) as r:
            assert r.status == 201, await r.text()

    async def status_cr(i: int) -> None:
        headers = {"Content-Type": "application/merge-patch+json"}
        body = json.dumps({"status": {"phase": "Ready", "observed": 1}})
        async with s.patch(f"{cr_url}/w-{i}/status", data=body, headers=headers) as r:
            assert r.status == 200, await r.text()

    return {
        "create custom resource": await timed(n, concurrency, create_cr),
        "patch custom resource status": await timed(n, concurrency, status_cr),
        "create": await timed(n, concurrency, create),
        "update (PUT)": await timed(n, concurrency, update),
        "patch (merge)": await timed(n, concurrency, patch),
        "get": await timed(n, concurrency, get),
    }


async def fan_out(
    s: aiohttp.ClientSession, base: str, *, n: int, watchers: int, concurrency: int
) -> tuple[float, float]:
    """(writes/s while watched, events delivered/s to all watchers)."""
    url = f"{base}/api/v1/namespaces/bench/configmaps"
    rv = (await (await s.get(url, params={"limit": "1"})).json())["metadata"]["resourceVersion"]
    ready = asyncio.Event()
    opened = 0

    async def watch() -> None:
        nonlocal opened
        params = {"watch": "1", "resourceVersion": rv, "labelSelector": "round=fanout"}
        async with s.get(url, params=params, timeout=aiohttp.ClientTimeout()) as r:
            opened += 1
            if opened == watchers:
                ready.set()
            seen = 0
            async for line in r.content:
                if line.strip() and json.loads(line)["type"] == "ADDED":
                    seen += 1
                    if seen == n:
                        return

    tasks = [asyncio.create_task(watch()) for _ in range(watchers)]
    await asyncio.wait_for(ready.wait(), 30)

    async def create(i: int) -> None:
        body = {"metadata": {"name": f"fan-{i}", "labels": {"round": "fanout"}}}
        async with s.post(url, json=body) as r:
            assert r.status == 201, await r.text()

    start = time.perf_counter()
    writes = await timed(n, concurrency, create)
    await asyncio.wait_for(asyncio.gather(*tasks), 300)
    elapsed = time.perf_counter() - start
    return writes, n * watchers / elapsed


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        proc, base = await start_server(kubeconfig)
        try:
            async with session_for(kubeconfig, args.concurrency + args.watchers) as s:
                ns = {"metadata": {"name": "bench"}}
                async with s.post(f"{base}/api/v1/namespaces", json=ns) as r:
                    assert r.status == 201
                rates = await write_rates(s, base, n=args.n, concurrency=args.concurrency)
                writes, delivered = await fan_out(
                    s, base, n=args.n, watchers=args.watchers, concurrency=args.concurrency
                )
        finally:
            proc.terminate()
            await proc.wait()
    print(
        f"local control plane ({base.split(':')[0]}), n={args.n}, "
        f"concurrency={args.concurrency}, watchers={args.watchers}"
    )
    print(f"{'measure (requests/s unless stated)':<38}{'per second':>12}")
    for verb, rate in rates.items():
        print(f"{verb:<38}{rate:>12.0f}")
    print(f"{f'create with {args.watchers} watchers open':<38}{writes:>12.0f}")
    print(f"{'watch events delivered (all watchers)':<38}{delivered:>12.0f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=2000, help="objects per phase")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent requests")
    p.add_argument("--watchers", type=int, default=10, help="watches for the fan-out phase")
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()
