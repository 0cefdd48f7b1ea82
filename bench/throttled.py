"""Throttled by AWS: N ExternalSecrets against a front that allows ``limit`` calls/s.

Issue 11's benchmark. A local control plane, moto, and a ``localkube.awsthrottle`` front before
moto that answers ``ThrottlingException`` (HTTP 400, the JSON protocol's shape) above ``limit``
calls/s (a token bucket of ``limit/5`` tokens); the controller's AWS endpoint is the front. One
ClusterSecretStore (one credential identity: AWS throttles per account, so one identity is the
honest case) serves N ExternalSecrets, created before ``eso run`` starts; by default batching
and the value cache are off (``--batch`` turns them on), so every ExternalSecret costs its own
``GetSecretValue`` and the offered load is N calls against a budget of ``limit`` per second.

Two phases: the cold sync (start → all N Ready), then a re-sync wave (every AWS value changed,
every ExternalSecret annotated ``force-sync`` at once) that must replace every value while
throttled. A watch on Secrets counts deletions throughout: a throttled sync must keep its
Secret, so ``secrets_lost`` (deleted, or missing at the end) must be 0. The front counts every
call offered to it per second; the figures say how far over the limit eso went: the peak and
mean offered calls/s while a phase was calling AWS, the share of calls throttled, and the
controller's own ``eso_provider_throttled_calls_total`` and final ``eso_provider_allowed_rate``.

    python -m bench.throttled --n 1000 --limit 50 --out bench/results
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from aiobotocore.session import get_session
from botocore.config import Config as BotoConfig

from bench.procs import HOST, Children, cpu_seconds, free_port, python_module, wait_log_line
from bench.promtext import ALLOWED_RATE as ALLOWED
from bench.promtext import AWS_CALLS, scrape
from bench.promtext import THROTTLED_CALLS as THROTTLED
from bench.services import (
    START_TIMEOUT,
    Controller,
    ControllerOptions,
    start_control_plane,
    start_moto,
)
from bench.watcher import ReadyWatcher
from bench.workload import (
    CREATE_CONCURRENCY,
    ES_API,
    Workload,
    access_key_id,
    aws_secret_name,
    aws_secret_value,
    bounded,
    create_aws_secrets,
    create_cluster_objects,
    create_external_secrets,
)
from eso.settings import ControllerSettings
from localkube.moto import REGION
from localkube.rawclient import RawClient

STATS_PATH = "/_front/stats"


async def start_front(children: Children, *, upstream: str, limit: float) -> str:
    """The throttling front in its own process; its URL."""
    argv = python_module(
        "localkube.awsthrottle", "--upstream", upstream, "--rate", str(limit),
        "--port", str(free_port()),
    )  # fmt: skip
    child = children.start("front", argv)
    return await wait_log_line(child, prefix=f"http://{HOST}", within=START_TIMEOUT)


async def front_seconds(url: str) -> tuple[float, dict[int, tuple[int, int]]]:
    """When the front started (monotonic) and its (offered, throttled) per second since."""
    async with aiohttp.ClientSession() as session, session.get(url + STATS_PATH) as resp:
        body = await resp.json()
    return float(body["started"]), {int(k): (v[0], v[1]) for k, v in body["seconds"].items()}


class DeleteCounter:
    """Counts DELETED events of the benchmark's target Secrets (``es-*``) in a watch."""

    def __init__(self, client: RawClient, namespaces: set[str]) -> None:
        self._client, self._namespaces = client, namespaces
        self.deleted: list[str] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        listed = await self._client.list("v1", "secrets", label_selector=None)
        rv = listed["metadata"]["resourceVersion"]
        self._task = asyncio.create_task(self._run(rv), name="bench-secret-deletes")

    async def _run(self, rv: str) -> None:
        while True:
            async with self._client.watch("v1", "secrets", resource_version=rv) as stream:
                while (event := await _next(stream)) is not None:
                    meta = event.get("object", {}).get("metadata", {})
                    rv = meta.get("resourceVersion", rv)
                    if event.get("type") == "DELETED" and self._ours(meta):
                        self.deleted.append(f"{meta.get('namespace')}/{meta.get('name')}")

    def _ours(self, meta: dict[str, Any]) -> bool:
        return meta.get("namespace") in self._namespaces and str(meta.get("name")).startswith("es-")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


async def _next(stream: Any) -> dict[str, Any] | None:
    try:
        event: dict[str, Any] | None = await stream.next()
    except TimeoutError:
        return {}
    return event


def offered_figures(
    seconds: dict[int, tuple[int, int]], *, window: tuple[int, int], limit: float
) -> dict[str, Any]:
    """Peak and mean offered calls/s over seconds ``window`` (inclusive), vs ``limit``.

    The mean is over the seconds in which eso called AWS at all (the first to the last call
    of the window), so a phase's tail of Kubernetes writes does not dilute it.
    """
    called = [s for s in range(window[0], window[1] + 1) if seconds.get(s, (0, 0))[0]]
    first, last = (called[0], called[-1]) if called else window
    window = [seconds.get(s, (0, 0)) for s in range(first, last + 1)]
    offered = [o for o, _ in window]
    throttled = sum(t for _, t in window)
    total = sum(offered)
    mean = total / max(1, len(window))
    return {
        "seconds": len(window),
        "calls_offered": total,
        "calls_throttled": throttled,
        "throttled_share": round(throttled / total, 3) if total else 0.0,
        "peak_offered_per_s": max(offered, default=0),
        "mean_offered_per_s": round(mean, 1),
        "peak_over_limit": round(max(offered, default=0) / limit, 2),
        "mean_over_limit": round(mean / limit, 2),
        "seconds_over_limit": sum(1 for o in offered if o > limit),
        "per_second_offered_throttled": window,
    }


async def run(
    n: int, *, out: Path, limit: float = 50.0, batch: bool = False, within: float = 900.0
) -> dict[str, Any]:
    """Both phases with ``n`` ExternalSecrets; their figures."""
    w = Workload(n=n, stores=1, namespaces=10, refresh_interval="1h", prefix="bench-thr")
    logs = out / "logs" / "throttled"
    with Children(logs) as children:
        kubeconfig, _ = await start_control_plane(children, workdir=logs)
        moto_url, _ = await start_moto(children)
        front_url = await start_front(children, upstream=moto_url, limit=limit)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            await create_cluster_objects(client, w)
            await create_aws_secrets(moto_url, range(n))
            created = await create_external_secrets(client, w, range(n))
            opts = ControllerOptions(
                kubeconfig=kubeconfig,
                moto_url=front_url,
                concurrent=ControllerSettings().concurrent,
                batch=batch,
                cache=batch,
            )
            phases = Phases(children, client, opts, w, set(created), moto_url=moto_url)
            figures = await phases.run(within=within)
        started, seconds = await front_seconds(front_url)
    for name, (t0, t1) in phases.windows.items():
        window = (int(t0 - started), int(t1 - started))
        figures[f"{name}_front"] = offered_figures(seconds, window=window, limit=limit)
    return figures | {"n": n, "limit_per_s": limit, "batch_and_cache": batch}


class Phases:
    """The cold sync and the re-sync wave of one controller process."""

    def __init__(
        self,
        children: Children,
        client: RawClient,
        opts: ControllerOptions,
        w: Workload,
        keys: set[str],
        *,
        moto_url: str,
    ) -> None:
        self._children, self._client, self._opts, self._w = children, client, opts, w
        self._keys, self._moto_url = keys, moto_url
        self.windows: dict[str, tuple[float, float]] = {}
        self._watcher = ReadyWatcher(client)
        self._deletes = DeleteCounter(client, set(w.all_namespaces()))

    async def run(self, *, within: float) -> dict[str, Any]:
        await self._watcher.start()
        await self._deletes.start()
        controller = Controller(self._children, self._opts, name="controller")
        controller.start()
        try:
            cold = await self._wait_all(controller, within=within)
            self.windows["cold_sync"] = (controller.started, time.monotonic())
            resync = await self._resync(controller, within=within)
            snap = await scrape(controller.metrics_url)
            cpu = cpu_seconds(controller.pid)
            missing = await self._missing()
        finally:
            controller.stop()
            await self._deletes.stop()
            await self._watcher.stop()
        deleted = set(self._deletes.deleted)
        return {
            "cold_sync_seconds": round(cold, 2),
            "resync_seconds": round(resync, 2),
            "secrets_deleted": len(self._deletes.deleted),
            "secrets_missing_at_end": len(missing),
            "secrets_lost": len(deleted | missing),
            "aws_calls_by_call": {g: v for g, v in snap.groups.get(AWS_CALLS, {}).items() if v},
            "eso_throttled_calls": snap.total(THROTTLED),
            "eso_allowed_rate_at_end": snap.total(ALLOWED) or None,
            "controller_cpu_seconds": cpu,
        }

    async def _wait_all(self, controller: Controller, *, within: float) -> float:
        """Seconds from process start until every key was Ready."""
        ok = await self._watcher.wait_ready(self._keys, within=within, check=controller.check_alive)
        if not ok:
            raise RuntimeError(
                f"not all Ready after {within:.0f} s: {self._watcher.reasons(self._keys)}"
            )
        return max(self._watcher.ready_at[k] for k in self._keys) - controller.started

    async def _resync(self, controller: Controller, *, within: float) -> float:
        """Change every value in AWS, force-sync every ExternalSecret; seconds until all new."""
        await update_aws_secrets(self._moto_url, range(self._w.n))
        self._watcher.ready_at.clear()
        started = time.monotonic()
        stamp = str(time.time())

        def annotate(key: str) -> Any:
            namespace, name = key.split("/")
            patch = {"metadata": {"annotations": {"force-sync": stamp}}}
            return lambda: self._client.patch(
                ES_API, "externalsecrets", name, patch, namespace=namespace
            )

        await bounded(annotate(k) for k in sorted(self._keys))
        await self._wait_values(controller, within=within)
        self.windows["resync"] = (started, time.monotonic())
        return time.monotonic() - started

    async def _wait_values(self, controller: Controller, *, within: float) -> None:
        """Until every target Secret holds the value now in AWS (checked by listing)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            controller.check_alive()
            if not await self._stale():
                return
            await asyncio.sleep(1.0)
        raise RuntimeError(f"re-sync not done after {within:.0f} s")

    async def _stale(self) -> set[str]:
        """Keys whose Secret does not carry the re-sync's password marker yet."""
        stale = set()
        have = await self._secrets()
        for key in self._keys:
            data = have.get(key)
            if data is None or data.get("username") != _b64(f"user-{key.split('-')[-1]}-v2"):
                stale.add(key)
        return stale

    async def _secrets(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for ns in self._w.all_namespaces():
            listed = await self._client.list("v1", "secrets", namespace=ns)
            for s in listed.get("items", []):
                out[f"{ns}/{s['metadata']['name']}"] = s.get("data") or {}
        return out

    async def _missing(self) -> set[str]:
        return self._keys - set(await self._secrets())


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def updated_value(i: int) -> dict[str, str]:
    """AWS secret ``i`` after the re-sync's change (the ``username`` marks it)."""
    return {**aws_secret_value(i), "username": f"user-{i}-v2"}


async def update_aws_secrets(moto_url: str, indices: range) -> None:
    """A new AWSCURRENT value for every secret, straight to moto (not through the front)."""
    config = BotoConfig(max_pool_connections=CREATE_CONCURRENCY, retries={"max_attempts": 5})
    async with get_session().create_client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id=access_key_id(0),
        aws_secret_access_key="bench-secret-0",
        config=config,
    ) as sm:

        def call(i: int) -> Callable[[], Awaitable[object]]:
            value = json.dumps(updated_value(i))
            return lambda: sm.put_secret_value(SecretId=aws_secret_name(i), SecretString=value)

        await bounded(call(i) for i in indices)


def write(figures: dict[str, Any], out: Path) -> Path:
    """``<out>/bench-throttled-n<N>.json``."""
    out.mkdir(parents=True, exist_ok=True)
    suffix = "-batch" if figures["batch_and_cache"] else ""
    path = out / f"bench-throttled-n{figures['n']}{suffix}.json"
    path.write_text(json.dumps(figures, indent=1) + "\n")
    return path


def markdown(f: dict[str, Any]) -> str:
    rows: list[tuple[str, Any]] = [
        ("ExternalSecrets / front limit (calls/s)", (f["n"], f["limit_per_s"])),
        ("batching and value cache", f["batch_and_cache"]),
        ("cold sync, process start → all Ready (s)", f["cold_sync_seconds"]),
        ("re-sync wave, force-sync → all new values (s)", f["resync_seconds"]),
        ("Secrets lost (deleted or missing)", f["secrets_lost"]),
        ("calls throttled by the front / eso counted", (
            f["cold_sync_front"]["calls_throttled"] + f["resync_front"]["calls_throttled"],
            f["eso_throttled_calls"],
        )),
    ]  # fmt: skip
    for phase in ("cold_sync", "resync"):
        fr = f[f"{phase}_front"]
        pairs = {
            "offered calls/s peak / mean": ("peak_offered_per_s", "mean_offered_per_s"),
            "peak / mean over the limit (x)": ("peak_over_limit", "mean_over_limit"),
            "seconds over the limit / calling": ("seconds_over_limit", "seconds"),
        }
        rows += [(f"{phase}: {label}", (fr[a], fr[b])) for label, (a, b) in pairs.items()]
        rows.append((f"{phase}: share of calls throttled", fr["throttled_share"]))
    rows.append(("AWS calls by call,status (eso)", f["aws_calls_by_call"]))
    return "\n".join(["| Throttled | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.throttled", description=__doc__)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--limit", type=float, default=50.0)
    p.add_argument("--batch", action="store_true", help="batching and the value cache on")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--timeout", type=float, default=900.0)
    a = p.parse_args(argv)
    figures = asyncio.run(run(a.n, out=a.out, limit=a.limit, batch=a.batch, within=a.timeout))
    print(markdown(figures))
    print(f"results: {write(figures, a.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
