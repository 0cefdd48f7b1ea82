"""Starting the processes under test: the local control plane, moto and ``eso run``.

Each is started with the harness's own interpreter (``python -m ...``) so the benchmark runs
the checked-out code, and waited for through its real readiness signal (the control plane's
``/readyz``, moto's printed URL, the controller's ``/readyz``). All addresses are on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import (
    HOST,
    Child,
    Children,
    free_port,
    python_module,
    wait_http_ok,
    wait_log_line,
)
from localkube.moto import fake_aws_env
from localkube.rawclient import RawClient

START_TIMEOUT = 60.0
REPO = Path(__file__).resolve().parent.parent


async def start_control_plane(children: Children, *, workdir: Path) -> tuple[Path, Child]:
    """``eso local-cluster`` in its own process; the kubeconfig it wrote, and the process.

    The "serving on" line is printed after the kubeconfig is written, so once it is in the
    log the kubeconfig is complete; a ``/readyz`` through that kubeconfig (its CA, over TLS)
    then proves the server answers.
    """
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.unlink(missing_ok=True)
    argv = python_module(
        "eso", "local-cluster", "--port", str(free_port()), "--kubeconfig", str(kubeconfig)
    )
    child = children.start("control-plane", argv)
    await wait_log_line(child, prefix="local control plane serving on", within=START_TIMEOUT)
    async with await RawClient.from_kubeconfig(kubeconfig) as client:
        await client.request("GET", "/readyz", auth=False, accept="text/plain")
    return kubeconfig, child


async def start_moto(children: Children, *, seed: int = 0) -> tuple[str, Child]:
    """moto (``bench.motoserver``) in its own process; its endpoint URL, and the process.

    ``seed``: the workload's AWS secrets ``0..seed-1`` exist before it serves.
    """
    argv = python_module(
        "bench.motoserver", "--host", HOST, "--port", str(free_port()), "--seed", str(seed)
    )
    # ``bench`` is not installed: let the child import it whatever its working directory
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    child = children.start("moto", argv, env={"PYTHONPATH": path})
    # seeding takes ~0.1-0.3 ms per secret
    url = await wait_log_line(child, prefix="http://", within=START_TIMEOUT + seed / 1000)
    # the dashboard page, not data.json: that dumps every seeded secret (minutes at 100k)
    await wait_http_ok(f"{url}/moto-api/", child=child, within=START_TIMEOUT)
    return url, child


@dataclass(frozen=True)
class ControllerOptions:
    """What ``eso run`` is started with."""

    kubeconfig: Path
    moto_url: str
    concurrent: int
    batch: bool
    cache: bool
    loglevel: str = "info"
    extra_args: tuple[str, ...] = ()


class Controller:
    """One ``eso run`` process: ``start``, wait for ``/readyz``, read ``/metrics``, ``stop``."""

    def __init__(self, children: Children, options: ControllerOptions, *, name: str) -> None:
        self._children = children
        self.options = options
        self.name = name
        self.metrics_url = ""
        self.ready_url = ""
        self.child: Child | None = None
        self.started = 0.0

    def start(self) -> Child:
        """Start the process; ``self.started`` is the monotonic time just before exec."""
        o = self.options
        metrics_port, live_port = free_port(), free_port()
        self.metrics_url = f"http://{HOST}:{metrics_port}/metrics"
        self.ready_url = f"http://{HOST}:{live_port}/readyz"
        argv = python_module(
            "eso",
            "run",
            "--kubeconfig",
            str(o.kubeconfig),
            "--metrics-addr",
            f"{HOST}:{metrics_port}",
            "--live-addr",
            f"{HOST}:{live_port}",
            "--concurrent",
            str(o.concurrent),
            "--aws-batch",
            "true" if o.batch else "false",
            "--aws-cache",
            "true" if o.cache else "false",
            "--loglevel",
            o.loglevel,
            "--log-format",
            "json",
            *o.extra_args,
        )
        self.started = time.monotonic()
        self.child = self._children.start(self.name, argv, env=fake_aws_env(o.moto_url))
        return self.child

    async def wait_ready(self, *, within: float = START_TIMEOUT) -> float:
        """Seconds from process start until ``/readyz`` first answered 200."""
        ready_at = await wait_http_ok(
            self.ready_url, child=self.child, within=within, interval=0.02
        )
        return ready_at - self.started

    @property
    def pid(self) -> int:
        assert self.child is not None, "start() first"
        return self.child.pid

    def check_alive(self) -> None:
        if self.child is not None:
            self.child.check_alive()

    def stop(self) -> None:
        if self.child is not None:
            self._children.stop(self.child)


async def sleep_alive(controllers: list[Controller], seconds: float) -> None:
    """Sleep ``seconds`` (nothing if <= 0), failing at once if a controller dies."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        for c in controllers:
            c.check_alive()
        await asyncio.sleep(min(left, 0.5))
