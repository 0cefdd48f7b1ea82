"""One benchmark run, phase by phase, against fresh servers.

1. **setup**: control plane (unless ``--kubeconfig``) and moto in their own processes; CRDs,
   namespaces, credentials, stores; N + M AWS secrets.
2. **idle**: ``eso run`` with no ExternalSecrets; its RSS at ``/readyz`` is the fixed cost that
   the per-object memory figure is measured against. Stopped.
3. **cold sync**: N ExternalSecrets are created, then a fresh ``eso run`` starts; done when the
   watch has seen all N Ready. Metrics are scraped at the end (counters start at zero with the
   process, so the scrape is the phase's delta).
4. **storm**: every object's refreshInterval is short (``BenchConfig.refresh``), so once the
   cold sync's changes are served the refresh lane holds all N; after one more interval (all N
   due at once) M new ExternalSecrets are created at an even rate and their create→Ready
   latency is what a user waiting for a new Secret sees during a refresh storm.
5. **restart**: the controller is stopped and started again with N + M objects:
   process start → ``/readyz`` 200, and RSS at that moment.
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

import structlog

from bench import stats
from bench.baseline import run_baseline
from bench.config import BenchConfig
from bench.procs import Children, Child, cpu_seconds, peak_rss_bytes, rss_bytes
from bench.promtext import AWS_CALLS, REST_REQUESTS, SYNC_CALLS, Snapshot, scrape
from bench.services import Controller, ControllerOptions, start_control_plane, start_moto
from bench.watcher import ReadyWatcher
from bench.workload import (
    Workload,
    create_aws_secrets,
    create_cluster_objects,
    create_external_secret,
    create_external_secrets,
    delete_bench_namespaces,
    external_secret,
)
from eso.testing.rawclient import RawClient

log = structlog.get_logger(__name__)
NEW_PREFIX = "new"


class BenchError(RuntimeError):
    """The run could not complete (objects never Ready, a process died...)."""


@dataclass
class Env:
    """What the phases share: settings, servers, the API client and the watch."""

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
        opts = ControllerOptions(kubeconfig=self.kubeconfig, moto_url=self.moto_url,
                                 concurrent=self.cfg.concurrent, batch=self.batch,
                                 cache=self.cache, loglevel=self.cfg.controller_loglevel)  # fmt: skip
        return Controller(self.children, opts, name=name)


async def run_variant(cfg: BenchConfig, *, label: str, batch: bool, cache: bool) -> dict[str, Any]:
    """Every phase against servers of its own; the variant's results."""
    w = Workload(n=cfg.n, stores=cfg.stores, namespaces=cfg.namespaces,
                 refresh_interval=cfg.refresh, prefix=f"eso-bench-{label.replace('_', '-')}")  # fmt: skip
    with Children(cfg.out / "logs" / label) as children:
        servers: dict[str, Child] = {}
        kubeconfig = cfg.kubeconfig
        if kubeconfig is None:
            kubeconfig = await start_control_plane(children, workdir=cfg.out / "run" / label)
            servers["control_plane"] = children.last
        moto_url = await start_moto(children)
        servers["moto"] = children.last
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            env = Env(cfg=cfg, w=w, children=children, kubeconfig=kubeconfig, moto_url=moto_url,
                      client=client, batch=batch, cache=cache, servers=servers)  # fmt: skip
            try:
                return await _phases(env, label=label)
            finally:
                if cfg.kubeconfig is not None:
                    await delete_bench_namespaces(client, w)


async def _phases(env: Env, *, label: str) -> dict[str, Any]:
    result: dict[str, Any] = {"label": label, "batch": env.batch, "cache": env.cache}
    result["setup"] = await _setup(env)
    result["idle"] = await _idle(env)
    watcher = ReadyWatcher(env.client)
    try:
        controller, cold = await _cold_sync(env, watcher, result["setup"])
        result["cold_sync"] = cold
        try:
            result["storm"] = await _storm(env, watcher, controller, cold)
            result["controller"] = {"peak_rss_bytes": peak_rss_bytes(controller.pid),
                                    "cpu_seconds": cpu_seconds(controller.pid)}  # fmt: skip
        finally:
            controller.stop()
    finally:
        await watcher.stop()
    result["timeline"] = _timeline(watcher, origin=controller.started, cold=cold)
    result["restart"] = await _restart(env, idle_rss=result["idle"]["rss_at_ready_bytes"])
    if env.cfg.baseline:
        result["baseline"] = await _baseline(env, controller_seconds=cold["sync_seconds"])
    return result


async def _setup(env: Env) -> dict[str, Any]:
    t0 = time.monotonic()
    await create_cluster_objects(env.client, env.w)
    await create_aws_secrets(env.moto_url, range(env.cfg.n + env.cfg.storm_new))
    t1 = time.monotonic()
    created = await create_external_secrets(env.client, env.w, range(env.cfg.n))
    t2 = time.monotonic()
    return {"aws_secrets": env.cfg.n + env.cfg.storm_new, "aws_secrets_seconds": t1 - t0,
            "external_secrets_seconds": t2 - t1,
            "external_secrets_per_second": env.cfg.n / (t2 - t1), "created": created}  # fmt: skip


async def _idle(env: Env) -> dict[str, Any]:
    """A controller with no ExternalSecret of this run: the fixed memory cost.

    The objects are created already, so this runs on a copy that sees none: not possible with
    one cluster, hence the order in ``_phases``: the ExternalSecrets exist, so this controller
    would sync them. To keep it idle it is started before ``_setup`` creates them... see there.
    """
    raise NotImplementedError


def _timeline(watcher: ReadyWatcher, *, origin: float, cold: dict[str, Any]) -> dict[str, Any]:
    return {"syncs_per_second": stats.per_second(watcher.sync_times, origin=origin),
            "cold_latencies": cold.pop("_latencies")}  # fmt: skip


async def _restart(env: Env, *, idle_rss: int) -> dict[str, Any]:
    raise NotImplementedError


async def _baseline(env: Env, *, controller_seconds: float) -> dict[str, Any]:
    raise NotImplementedError


async def _cold_sync(
    env: Env, watcher: ReadyWatcher, setup: dict[str, Any]
) -> tuple[Controller, dict[str, Any]]:
    raise NotImplementedError


async def _storm(
    env: Env, watcher: ReadyWatcher, controller: Controller, cold: dict[str, Any]
) -> dict[str, Any]:
    raise NotImplementedError


__all__ = ["BenchError", "Snapshot", "asyncio", "create_external_secret", "external_secret",
           "AWS_CALLS", "REST_REQUESTS", "SYNC_CALLS", "scrape", "rss_bytes", "NEW_PREFIX"]  # fmt: skip
