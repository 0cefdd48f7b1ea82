"""Starting the processes under test: the local control plane, moto and ``eso run``.

Each is started with the harness's own interpreter (``python -m ...``) so the benchmark runs
the checked-out code, and waited for through its real readiness signal (the control plane's
``/readyz``, moto's printed URL, the controller's ``/readyz``). All addresses are on 127.0.0.1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.procs import (
    HOST,
    Child,
    Children,
    free_port,
    python_module,
    wait_file,
    wait_http_ok,
    wait_log_line,
)
from eso.testing.moto import fake_aws_env

START_TIMEOUT = 60.0


async def start_control_plane(children: Children, *, workdir: Path) -> Path:
    """``eso local-cluster`` in its own process; the kubeconfig it wrote."""
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.unlink(missing_ok=True)
    argv = python_module("eso", "local-cluster", "--port", str(free_port()),
                         "--kubeconfig", str(kubeconfig))  # fmt: skip
    child = children.start("control-plane", argv)
    await wait_file(kubeconfig, child=child, timeout=START_TIMEOUT)
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    await wait_http_ok(f"{server}/readyz", child=child, timeout=START_TIMEOUT)
    return kubeconfig


async def start_moto(children: Children) -> str:
    """moto's server in its own process; its endpoint URL."""
    argv = python_module("eso.testing.moto", "--host", HOST, "--port", str(free_port()))
    child = children.start("moto", argv)
    url = await wait_log_line(child, prefix="http://", timeout=START_TIMEOUT)
    await wait_http_ok(f"{url}/moto-api/data.json", child=child, timeout=START_TIMEOUT)
    return url


@dataclass(frozen=True)
class ControllerOptions:
    """What ``eso run`` is started with."""

    kubeconfig: Path
    moto_url: str
    concurrent: int
    batch: bool
    cache: bool
    loglevel: str = "info"


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
            "eso", "run",
            "--kubeconfig", str(o.kubeconfig),
            "--metrics-addr", f"{HOST}:{metrics_port}",
            "--live-addr", f"{HOST}:{live_port}",
            "--concurrent", str(o.concurrent),
            "--aws-batch", "true" if o.batch else "false",
            "--aws-cache", "true" if o.cache else "false",
            "--loglevel", o.loglevel,
            "--log-format", "json",
        )  # fmt: skip
        self.started = time.monotonic()
        self.child = self._children.start(self.name, argv, env=fake_aws_env(o.moto_url))
        return self.child

    async def wait_ready(self, *, timeout: float = START_TIMEOUT) -> float:
        """Seconds from process start until ``/readyz`` first answered 200."""
        ready_at = await wait_http_ok(self.ready_url, child=self.child, timeout=timeout,
                                      interval=0.02)  # fmt: skip
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
