"""One benchmark run, phase by phase, against servers of its own.

1. **setup**: control plane (unless ``--kubeconfig``) and moto in their own processes; CRDs,
   namespaces, credentials, stores; N + M AWS secrets.
2. **idle**: ``eso run`` before any ExternalSecret exists; its RSS at ``/readyz`` is the fixed
   cost the per-object memory figure is measured against. Stopped.
3. **cold sync**: N ExternalSecrets are created, then a fresh ``eso run`` starts; done when the
   watch has seen all N Ready. Metrics are scraped at the end (the counters start at zero with
   the process, so the scrape is the phase's delta).
4. **storm**: every object's refreshInterval is short (``BenchConfig.refresh``), so after one
   more interval all N are due at once and the refresh lane holds a backlog; M new
   ExternalSecrets are then created at an even rate, and their create→Ready latency is what a
   user waiting for a new Secret sees during a refresh storm.
5. **restart**: the controller is stopped and started again with N + M objects: process
   start → ``/readyz`` 200, and the RSS at that moment (informer caches full).
6. **baseline**: with the controller stopped, ``bench.baseline`` does the same calls by hand.

Every wait is bounded by ``BenchConfig.timeout``; the ``Children`` context kills every process
on the way out, whatever the exit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import profile, stats
from bench.baseline import run_baseline
from bench.config import BenchConfig
from bench.procs import Child, Children, cpu_seconds, peak_rss_bytes, rss_bytes
from bench.promtext import (
    AWS_CALLS,
    QUEUE_SECONDS,
    REST_REQUESTS,
    REST_SECONDS,
    SYNC_CALLS,
    WORK_SECONDS,
    Snapshot,
    scrape,
)
from bench.services import (
    Controller,
    ControllerOptions,
    sleep_alive,
    start_control_plane,
    start_moto,
)
from bench.watcher import ReadyWatcher
from bench.workload import (
    Workload,
    create_cluster_objects,
    create_external_secret,
    create_external_secrets,
    delete_bench_namespaces,
    external_secret,
)
from localkube.rawclient import RawClient

NEW_PREFIX = "new"
# Seconds after /readyz before RSS is read, so both RSS figures include the start-up work that
# follows readiness (store validation loads the AWS service model) and differ by the caches only.
RSS_SETTLE = 2.0


class BenchError(RuntimeError):
    """The run could not complete (objects never Ready, a process died...)."""


@dataclass
class Env:
    """What the phases share: settings, servers, the API client and the workload."""

    cfg: BenchConfig
    w: Workload
    children: Children
    kubeconfig: Path
    moto_url: str
    client: RawClient
    batch: bool
    cache: bool
    servers: dict[str, Child]

    def controller(self, name: str) -> Controller:
        opts = ControllerOptions(
            kubeconfig=self.kubeconfig,
            moto_url=self.moto_url,
            concurrent=self.cfg.concurrent,
            batch=self.batch,
            cache=self.cache,
            loglevel=self.cfg.controller_loglevel,
            extra_args=self.cfg.controller_args,
        )
        return Controller(self.children, opts, name=name)

    def server_cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(child.pid) for name, child in self.servers.items()}


async def run_variant(
    cfg: BenchConfig, *, label: str, batch: bool, cache: bool, into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every phase against servers of its own; the variant's results.

    Results are added to ``into`` phase by phase, so a caller still has the finished phases
    when a later one fails or is interrupted.
    """
    w = Workload(
        n=cfg.n,
        stores=cfg.stores,
        namespaces=cfg.namespaces,
        refresh_interval=cfg.refresh,
        prefix=f"bench-{label.replace('_', '-')}",
    )
    with Children(cfg.out / "logs" / label) as children:
        servers: dict[str, Child] = {}
        kubeconfig = cfg.kubeconfig
        if kubeconfig is None:
            kubeconfig, servers["control_plane"] = await start_control_plane(
                children, workdir=cfg.out / "logs" / label
            )
        # the AWS secrets exist before moto serves (in-process: seconds, not minutes at 100k)
        moto_url, servers["moto"] = await start_moto(children, seed=cfg.n + cfg.storm_new)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            env = Env(
                cfg=cfg,
                w=w,
                children=children,
                kubeconfig=kubeconfig,
                moto_url=moto_url,
                client=client,
                batch=batch,
                cache=cache,
                servers=servers,
            )
            try:
                return await _phases(env, label=label, result={} if into is None else into)
            finally:
                if cfg.kubeconfig is not None:
                    await delete_bench_namespaces(client, w)


async def _phases(env: Env, *, label: str, result: dict[str, Any]) -> dict[str, Any]:
    result.update(label=label, batch=env.batch, cache=env.cache)
    result["setup"] = await _setup(env)
    result["idle"] = await _idle(env)
    watcher = ReadyWatcher(env.client)
    try:
        controller, cold = await _cold_sync(env, watcher, result["setup"])
        try:
            result["cold_sync"] = cold
            result["storm"] = await _storm(env, watcher, controller)
            result["controller"] = {
                "peak_rss_bytes": peak_rss_bytes(controller.pid),
                "cpu_seconds": cpu_seconds(controller.pid),
            }
        finally:
            controller.stop()
    finally:
        await watcher.stop()
    result["timeline"] = {
        "syncs_per_second": stats.per_second(watcher.sync_times, origin=controller.started),
        "cold_latencies": cold.pop("latencies"),
        "storm_latencies": result["storm"].pop("latencies"),
        "storm_window": result["storm"].pop("window"),
    }
    result["restart"] = await _restart(env, idle_rss=result["idle"]["rss_at_ready_bytes"])
    if env.cfg.baseline:
        result["baseline"] = await _baseline(env, controller_seconds=cold["sync_seconds"])
    return result


async def _setup(env: Env) -> dict[str, Any]:
    """Cluster objects; the AWS secrets were seeded when moto started."""
    t0 = time.monotonic()
    await create_cluster_objects(env.client, env.w)
    return {
        "aws_secrets": env.cfg.n + env.cfg.storm_new,
        "seconds": round(time.monotonic() - t0, 3),
    }


async def _idle(env: Env) -> dict[str, Any]:
    """A controller with stores but no ExternalSecrets: the fixed memory cost."""
    controller = env.controller("controller-idle")
    controller.start()
    try:
        start_to_ready = await controller.wait_ready(within=env.cfg.timeout)
        await sleep_alive([controller], RSS_SETTLE)
        return {
            "start_to_ready_seconds": round(start_to_ready, 3),
            "rss_at_ready_bytes": rss_bytes(controller.pid),
        }
    finally:
        controller.stop()


async def _wait_all_ready(
    env: Env, watcher: ReadyWatcher, keys: set[str], controller: Controller, *, what: str
) -> None:
    ok = await watcher.wait_ready(keys, within=env.cfg.timeout, check=controller.check_alive)
    if not ok:
        reasons = watcher.reasons(keys)
        raise BenchError(
            f"{what}: {sum(reasons.values())} of {len(keys)} ExternalSecrets not "
            f"Ready after {env.cfg.timeout:.0f} s: {reasons}"
        )


async def _cold_sync(
    env: Env, watcher: ReadyWatcher, setup: dict[str, Any]
) -> tuple[Controller, dict[str, Any]]:
    """Create N ExternalSecrets, then start the controller and wait until all are Ready."""
    t0 = time.monotonic()
    created = await create_external_secrets(env.client, env.w, range(env.cfg.n))
    setup["external_secrets_seconds"] = round(time.monotonic() - t0, 3)
    await watcher.start()
    cpu0 = env.server_cpu()
    controller = env.controller("controller")
    controller.start()
    profiler = None
    try:
        start_to_ready = await controller.wait_ready(within=env.cfg.timeout)
        profiler = _start_profiler(env, controller)  # the sync, not the imports
        keys = set(created)
        await _wait_all_ready(env, watcher, keys, controller, what="cold sync")
    except BaseException:
        controller.stop()
        raise
    finally:
        if profiler is not None:
            profile.stop(env.children, profiler)
    done = max(watcher.ready_at[k] for k in keys)
    cold = await _cold_figures(env, controller, done=done, start_to_ready=start_to_ready)
    cold["server_cpu_seconds"] = {k: round(v - cpu0[k], 2) for k, v in env.server_cpu().items()}
    cold["latencies"] = [
        round(watcher.ready_at[k] - max(created[k], controller.started), 4) for k in keys
    ]
    cold["latency_seconds"] = stats.summary(cold["latencies"])
    if profiler is not None:
        cold["profile"] = _profile_summary(env)
    return controller, cold


def _profile_path(env: Env) -> Path:
    return env.children.log_dir / "controller-cold-sync.pyspy.txt"


def _start_profiler(env: Env, controller: Controller) -> Child | None:
    if not env.cfg.profile:
        return None
    child = profile.start(env.children, pid=controller.pid, out=_profile_path(env))
    if child is None:
        print("--profile: py-spy not found (pip install py-spy); running unprofiled")
    return child


def _profile_summary(env: Env) -> dict[str, Any]:
    path = _profile_path(env)
    if not path.exists():
        return {"error": f"py-spy wrote no {path.name}; see {env.children.log_dir}/py-spy.log"}
    return {"file": str(path), **profile.summarise(path)}


async def _cold_figures(
    env: Env, controller: Controller, *, done: float, start_to_ready: float
) -> dict[str, Any]:
    n = env.cfg.n
    seconds, sync_seconds = done - controller.started, done - controller.started - start_to_ready
    snap = await scrape(controller.metrics_url)
    return {
        "n": n,
        "all_ready": True,
        "seconds": round(seconds, 3),
        "start_to_ready_seconds": round(start_to_ready, 3),
        "sync_seconds": round(sync_seconds, 3),
        "syncs_per_second": stats.ratio(n, seconds),
        "syncs_per_second_after_ready": stats.ratio(n, sync_seconds),
        **_call_figures(snap, syncs=n),
        "controller_cpu_seconds": cpu_seconds(controller.pid),
        "controller_rss_bytes": rss_bytes(controller.pid),
        "controller_peak_rss_bytes": peak_rss_bytes(controller.pid),
    }


def _call_figures(snap: Snapshot, *, syncs: int) -> dict[str, Any]:
    """AWS calls and Kubernetes requests per synced ExternalSecret, and their breakdown."""
    return {
        "sync_calls": snap.total(SYNC_CALLS),
        "aws_calls": snap.total(AWS_CALLS),
        "aws_calls_per_sync": stats.ratio(snap.total(AWS_CALLS), syncs),
        "k8s_requests": snap.total(REST_REQUESTS),
        "k8s_requests_per_sync": stats.ratio(snap.total(REST_REQUESTS), syncs),
        "metrics": snap.as_dict(),
    }


async def _storm(env: Env, watcher: ReadyWatcher, controller: Controller) -> dict[str, Any]:
    """With all N due, create M new ExternalSecrets at an even rate; their latency."""
    cfg = env.cfg
    await sleep_alive([controller], cfg.refresh_seconds * 1.1)  # every object came due
    before = await scrape(controller.metrics_url)
    syncs_before = len(watcher.sync_times)
    start = time.monotonic()
    created, answered = await _create_spread(env, range(cfg.n, cfg.n + cfg.storm_new))
    await _wait_all_ready(env, watcher, set(created), controller, what="storm")
    end = time.monotonic()
    delta = (await scrape(controller.metrics_url)).minus(before)
    syncs = len(watcher.sync_times) - syncs_before
    latencies = [round(watcher.ready_at[k] - t, 4) for k, t in created.items()]
    return {
        "new": cfg.storm_new,
        "all_ready": True,
        "refresh_interval": cfg.refresh,
        "refresh_demand_per_second": stats.ratio(cfg.n, cfg.refresh_seconds),
        "seconds": round(end - start, 3),
        "syncs_per_second": stats.ratio(syncs, end - start),
        "new_latency_seconds": stats.summary(latencies),
        "new_latency_steps": _steps(watcher, created, answered, delta),
        **_call_figures(delta, syncs=syncs),
        "latencies": latencies,
        "window": [round(start - controller.started, 3), round(end - controller.started, 3)],
    }


def _steps(
    watcher: ReadyWatcher,
    created: dict[str, float],
    answered: dict[str, float],
    delta: Snapshot,
) -> dict[str, Any]:
    """Where the storm's new objects waited: the harness's split of create → Ready, and the
    controller's mean time per step over the storm (every object's, refreshes included).

    ``create_answered``: the create request's round trip; ``create_seen``: create → the
    harness's watch delivered it (the control plane's share: the controller's informer gets
    the same event at about the same time); ``seen_ready``: that delivery → Ready seen (the
    controller's queue, reconcile and writes, and the status event's way back).
    """
    keys = [k for k in created if k in watcher.seen_at and k in watcher.ready_at]
    return {
        "create_answered": stats.summary([answered[k] - created[k] for k in keys]),
        "create_seen": stats.summary([watcher.seen_at[k] - created[k] for k in keys]),
        "seen_ready": stats.summary([watcher.ready_at[k] - watcher.seen_at[k] for k in keys]),
        "mean_request_seconds": delta.means(REST_SECONDS),
        "mean_queue_seconds": delta.means(QUEUE_SECONDS),
        "mean_work_seconds": delta.means(WORK_SECONDS),
    }


async def _create_spread(env: Env, indices: range) -> tuple[dict[str, float], dict[str, float]]:
    """Create one ExternalSecret every ``storm_seconds / M`` seconds, each in its own task;
    when each create was sent and when it was answered."""
    interval = env.cfg.storm_seconds / max(1, len(indices))
    created: dict[str, float] = {}
    answered: dict[str, float] = {}
    start = time.monotonic()

    async def one(i: int) -> None:
        body = external_secret(env.w, i, prefix=NEW_PREFIX)
        key = f"{body['metadata']['namespace']}/{body['metadata']['name']}"
        created[key] = time.monotonic()
        await create_external_secret(env.client, body)
        answered[key] = time.monotonic()

    async with asyncio.TaskGroup() as tg:
        for j, i in enumerate(indices):
            await asyncio.sleep(max(0.0, start + j * interval - time.monotonic()))
            tg.create_task(one(i))
    return created, answered


async def _restart(env: Env, *, idle_rss: int) -> dict[str, Any]:
    """Start a controller on N + M existing objects: process start → ready, and its RSS."""
    objects = env.cfg.n + env.cfg.storm_new
    controller = env.controller("controller-restart")
    controller.start()
    try:
        start_to_ready = await controller.wait_ready(within=env.cfg.timeout)
        await sleep_alive([controller], RSS_SETTLE)
        rss = rss_bytes(controller.pid)
    finally:
        controller.stop()
    return {
        "objects": objects,
        "start_to_ready_seconds": round(start_to_ready, 3),
        "rss_at_ready_bytes": rss,
        "idle_rss_at_ready_bytes": idle_rss,
        "bytes_per_external_secret": round((rss - idle_rss) / objects),
    }


async def _baseline(env: Env, *, controller_seconds: float) -> dict[str, Any]:
    """The raw loop over the same N objects; efficiency = its time / the controller's."""
    figures = await run_baseline(
        env.client, moto_url=env.moto_url, w=env.w, concurrency=env.cfg.concurrent
    )
    return {
        "seconds": round(figures["seconds"], 3),
        "syncs_per_second": round(figures["syncs_per_second"], 1),
        "controller_sync_seconds": controller_seconds,
        "efficiency": stats.ratio(figures["seconds"], controller_seconds),
    }
