"""Sampling the controller with py-spy during the cold sync, and the top costs from it.

py-spy is not a dependency (``pip install py-spy`` for ``--profile``): it attaches to the
running ``eso run`` by pid, samples its Python stacks at 100 Hz without stopping it and writes
collapsed stacks ("frame;frame;frame count" lines) on SIGINT. ``summarise`` turns them into
the functions with the most samples on top of the stack (self) and anywhere in it (inclusive),
which is what the README's profile notes are read from. Attaching needs ptrace rights (root
or CAP_SYS_PTRACE); without py-spy the run continues unprofiled, with a note.
"""

from __future__ import annotations

import re
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.procs import Child, Children

_LINE_NO = re.compile(r":\d+\)$")
TOP = 15
_ENTRY_POINTS = ("__main__.py", "cli.py", "app.py")


def py_spy() -> str | None:
    """The py-spy executable beside our interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(children: Children, *, pid: int, out: Path) -> Child | None:
    """Attach py-spy to ``pid``, writing collapsed stacks to ``out``; None without py-spy."""
    exe = py_spy()
    if exe is None:
        return None
    argv = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--rate",
        "100",
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
    ]
    return children.start("py-spy", argv)


def stop(children: Children, child: Child) -> None:
    """SIGINT makes py-spy write its output; give it time to do so."""
    children.stop(child, grace=30.0, sig=signal.SIGINT)


def _function(frame: str) -> str:
    """``reconcile (eso/controllers/externalsecret.py:120)`` without the line number."""
    name = _LINE_NO.sub(")", frame.strip())
    return name.replace(str(Path(sys.prefix)), "<venv>")


def _is_ours(frame: str) -> bool:
    """eso's own functions below the process entry points (which are in every stack)."""
    return "(eso/" in frame and not any(f"(eso/{m}" in frame for m in _ENTRY_POINTS)


def summarise(path: Path, *, top: int = TOP) -> dict[str, Any]:
    """Samples, the top functions by self share, and eso's own functions by inclusive share."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in {f for f in frames if _is_ours(f)}:
            inclusive[name] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "percent": round(100 * c / total, 1)}
            for name, c in counter.most_common(top)
        ]

    return {"samples": total, "self": share(own), "inclusive": share(inclusive)} if total else {}
