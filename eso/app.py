"""``eso run``: the controller process, from settings to a clean exit.

Order matters and is the same every time: logging, metrics, the Kubernetes client, the
manager (informers, queues, workers, leader election), then the metrics and probe listeners
so /readyz reflects the manager. On SIGTERM or SIGINT the manager stops taking keys, gives
in-flight reconciles ``controller.shutdown_grace`` seconds, releases the lease, and the
process exits 0. A manager that dies on its own (a bug) exits 1 so Kubernetes restarts us.

Memory diagnosis: with ``ESO_TRACEMALLOC=<frames>`` set, allocations are traced from the start
and ``SIGUSR1`` writes the top allocation sites to stderr (tracing costs memory and CPU of its
own, so it is never on by default).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tracemalloc

import structlog

from eso import heap
from eso.controllers.manager import Manager
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.tlsbuffer import limit_tls_read_buffer
from eso.logging import configure
from eso.metrics import Metrics
from eso.server import Endpoints
from eso.settings import Settings

log = structlog.get_logger("eso.app")


def run(settings: Settings) -> int:
    """Run the controllers until a stop signal; returns the process exit code."""
    try:
        configure(level=settings.log.level, fmt=settings.log.format)
    except ValueError as e:
        print(f"eso run: {e}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_main(settings))
    except KeyboardInterrupt:
        return 0


async def _main(settings: Settings) -> int:
    _start_tracing(os.environ.get("ESO_TRACEMALLOC", ""))
    limit_tls_read_buffer()  # before the first connection: 19 → 5 MiB at 10k (tlsbuffer)
    metrics = Metrics()
    try:
        client = await KubeClient.from_config(
            kubeconfig=settings.kubeconfig, settings=settings.client, metrics=metrics.client
        )
    except (KubeError, OSError, ValueError) as e:
        log.error("kube_config_failed", error=str(e))
        return 1
    try:
        return await _serve(settings, client=client, metrics=metrics)
    finally:
        await client.close()


async def _serve(settings: Settings, *, client: KubeClient, metrics: Metrics) -> int:
    manager = Manager(client, settings=settings, metrics=metrics)
    endpoints = Endpoints(
        metrics,
        ready=manager.ready,
        metrics_addr=settings.server.metrics_addr,
        live_addr=settings.server.live_addr,
    )
    try:
        await endpoints.start()
    except (OSError, ValueError) as e:  # address taken, or not a [host]:port
        log.error("listen_failed", error=str(e))
        await endpoints.stop()
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if tracemalloc.is_tracing():
        loop.add_signal_handler(signal.SIGUSR1, _dump_allocations)
    log.info(
        "started",
        metrics_addr=settings.server.metrics_addr,
        live_addr=settings.server.live_addr,
        concurrent=settings.controller.concurrent,
    )
    heap.settle_startup()  # everything imported and built: never scanned again (heap)
    # Not TaskSet.spawn: these three are awaited right here and cancelled in ``finally``, so no
    # exit can go unnoticed; TaskSet is for background tasks nobody awaits.
    runner = asyncio.create_task(manager.run(), name="manager")
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    settler = asyncio.create_task(_settle_when_synced(manager), name="heap-settle")
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            exc = runner.exception()
            log.error("manager_exited", error=repr(exc) if exc else "returned")
            return 1
        log.info("stopping")
        await manager.stop()
        # Before its caches synced (SIGTERM while the CRDs are missing or the API server is
        # slow) Manager.run still waits for a sync that can no longer happen; nothing is in
        # flight by now, so cancelling it is safe and keeps the exit prompt.
        if not runner.done():
            runner.cancel()
        (outcome,) = await asyncio.gather(runner, return_exceptions=True)
        if isinstance(outcome, Exception):
            log.error("manager_failed", error=repr(outcome))
            return 1
        log.info("stopped")
        return 0
    finally:
        stopper.cancel()
        runner.cancel()
        settler.cancel()
        await asyncio.gather(runner, stopper, settler, return_exceptions=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await endpoints.stop()


async def _settle_when_synced(manager: Manager) -> None:
    """``heap.settle_synced`` once every informer first synced (the process's, not a test's)."""
    await asyncio.gather(*(informer.wait_synced() for informer in manager.informers))
    heap.settle_synced()


_TOP_SITES = 30


def _start_tracing(frames: str) -> None:
    if frames.isdigit() and int(frames) > 0:
        tracemalloc.start(int(frames))


def _dump_allocations() -> None:
    """The allocation sites holding the most memory now, grouped by traceback (stderr)."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    current, peak = tracemalloc.get_traced_memory()
    lines = [f"tracemalloc: current={current / 2**20:.1f} MiB peak={peak / 2**20:.1f} MiB"]
    for stat in snapshot.statistics("traceback")[:_TOP_SITES]:
        lines.append(f"{stat.size / 2**20:8.2f} MiB {stat.count:8d} blocks")
        lines.extend(f"    {line}" for line in stat.traceback.format(limit=4))
    print("\n".join(lines), file=sys.stderr, flush=True)
