"""Child processes of the benchmark and what the kernel says about them.

Every component under test runs in its own process (control plane, moto, controller) so their
CPU and memory are measured separately and none of them shares the harness's event loop. All
children are registered in one ``Children`` set that kills them on exit: normally, on an error
and on Ctrl-C (``KeyboardInterrupt`` unwinds through the ``with``), plus an ``atexit`` hook as a
last resort. Children get their own session, so a Ctrl-C in the terminal reaches the harness
only and the harness decides the order of shutdown.

Resource figures come from ``/proc`` (psutil is not a dependency): ``VmHWM`` is the kernel's
peak resident set, ``VmRSS`` the current one, and ``utime + stime`` of ``/proc/<pid>/stat`` the
CPU seconds the process has used.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

HOST = "127.0.0.1"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


class ChildError(RuntimeError):
    """A child process failed to start or died; the message names it and its log file."""


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (the child binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Child:
    """One running child: its ``Popen``, name and log file (stdout and stderr together)."""

    def __init__(self, name: str, proc: subprocess.Popen[bytes], *, log_path: Path) -> None:
        self.name = name
        self.proc = proc
        self.log_path = log_path
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def check_alive(self) -> None:
        """Raise ``ChildError`` if the process has exited."""
        code = self.proc.poll()
        if code is not None:
            raise ChildError(f"{self.name} exited with {code}; see {self.log_path}")

    def stop(self, *, grace: float = 10.0, sig: signal.Signals = signal.SIGTERM) -> None:
        """``sig`` (SIGTERM), then SIGKILL after ``grace`` seconds; idempotent."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                self.proc.wait(timeout=5)


class Children:
    """Starts children and guarantees they are all gone when the ``with`` block ends."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._children: list[Child] = []
        atexit.register(self.stop_all)

    def start(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None
    ) -> Child:
        """Start ``argv`` with ``env`` added to ours; output replaces ``<log_dir>/<name>.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        full_env = {**os.environ, **(env or {})}
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=full_env,
                start_new_session=True,
            )
        child = Child(name, proc, log_path=log_path)
        self._children.append(child)
        return child

    def stop(
        self, child: Child, *, grace: float = 10.0, sig: signal.Signals = signal.SIGTERM
    ) -> None:
        child.stop(grace=grace, sig=sig)
        if child in self._children:
            self._children.remove(child)

    def stop_all(self) -> None:
        """Stop every child still registered, newest first (the controller before its servers)."""
        while self._children:
            self._children.pop().stop()

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
        atexit.unregister(self.stop_all)


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args`` with the harness's own interpreter."""
    return [sys.executable, "-m", module, *args]


# --- /proc ----------------------------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ChildError(f"/proc/{pid}/status has no {field}")


def rss_bytes(pid: int) -> int:
    """Current resident set size."""
    return _status_kib(pid, "VmRSS") * 1024


def peak_rss_bytes(pid: int) -> int:
    """Peak resident set size since the process started (VmHWM)."""
    return _status_kib(pid, "VmHWM") * 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by the process itself."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # the command name (field 2) may contain spaces; fields after its ')' are space separated
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLK_TCK


# --- waiting for children -------------------------------------------------------------------


async def wait_http_ok(
    url: str, *, child: Child | None, within: float, interval: float = 0.05
) -> float:
    """Poll ``url`` until it answers 200; the monotonic time it first did.

    Raises ``ChildError`` if ``child`` dies meanwhile, ``TimeoutError`` after ``within`` seconds.
    """
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if child is not None:
                child.check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return time.monotonic()
            await asyncio.sleep(interval)
    raise TimeoutError(f"{url} did not answer 200 within {within:.0f} s")


async def wait_log_line(child: Child, *, prefix: str, within: float) -> str:
    """The first line of ``child``'s log starting with ``prefix`` (e.g. moto's URL)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        child.check_alive()
        for line in child.log_path.read_text(errors="replace").splitlines():
            if line.startswith(prefix):
                return line.strip()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{child.name} printed no line starting {prefix!r} in {within:.0f} s")


def _non_empty(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


async def wait_file(path: Path, *, child: Child, within: float) -> None:
    """Wait until ``path`` exists and is not empty."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        child.check_alive()
        if _non_empty(path):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{child.name} did not write {path} in {within:.0f} s")
