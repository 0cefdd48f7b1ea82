"""``python -m bench``: run the benchmark, write JSON + markdown + PNG, print the targets.

``run`` is the whole benchmark as a coroutine (the smoke test awaits it with a small N);
``main`` adds the process concerns: argument parsing, SIGTERM handled like Ctrl-C (every
child process is stopped either way), exit codes (0 done, 1 the run failed, 130 interrupted).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.config import BenchConfig, parse_args
from bench.plot import write_plot
from bench.procs import ChildError
from bench.scenario import BenchError, run_variant


def _variants(cfg: BenchConfig) -> list[tuple[str, bool, bool]]:
    """(label, batch, baseline) per run; with --compare-batching, on then off."""
    if cfg.compare_batching:
        return [("batch_on", True, cfg.baseline), ("batch_off", False, False)]
    label = f"batch_{'on' if cfg.batch else 'off'}" + ("" if cfg.cache else "_nocache")
    return [(label, cfg.batch, cfg.baseline)]


def _stem(cfg: BenchConfig) -> str:
    suffix = "-compare" if cfg.compare_batching else ("" if cfg.batch else "-nobatch")
    return f"bench-n{cfg.n}{suffix}{'' if cfg.cache else '-nocache'}"


def _settings(cfg: BenchConfig) -> dict[str, Any]:
    return {
        "n": cfg.n,
        "stores": cfg.stores,
        "namespaces": cfg.namespaces,
        "storm_new": cfg.storm_new,
        "storm_seconds": cfg.storm_seconds,
        "refresh_interval": cfg.refresh,
        "concurrent": cfg.concurrent,
        "batch": cfg.batch,
        "cache": cfg.cache,
        "profiled": cfg.profile,
        "controller_args": list(cfg.controller_args),
        "compare_batching": cfg.compare_batching,
        "cluster": "local control plane" if cfg.kubeconfig is None else str(cfg.kubeconfig),
    }


async def run(cfg: BenchConfig, *, command: str = "python -m bench") -> dict[str, Any]:
    """Run every variant, write ``<out>/<stem>.json``, ``.md`` and (optionally) ``.png``.

    If a variant fails or is interrupted, the phases finished so far are written to
    ``<out>/<stem>.partial.json`` before the error propagates.
    """
    cfg.out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": report.machine(),
        "git": _git_state(),
        "settings": _settings(cfg),
        # other work on the machine skews every figure; the 1-minute load says how much
        "load_average_1m": {"start": os.getloadavg()[0]},
        "runs": [],
    }
    for label, batch, baseline in _variants(cfg):
        variant_cfg = cfg if baseline == cfg.baseline else replace(cfg, baseline=False)
        partial: dict[str, Any] = {}
        doc["runs"].append(partial)
        try:
            await run_variant(variant_cfg, label=label, batch=batch, cache=cfg.cache, into=partial)
        except BaseException:
            path = (cfg.out / _stem(cfg)).with_suffix(".partial.json")
            path.write_text(json.dumps(_finite(doc), indent=1, default=str) + "\n")
            print(f"partial results: {path}", file=sys.stderr)
            raise
    doc["load_average_1m"]["end"] = os.getloadavg()[0]
    doc["targets"] = [t.as_dict() for t in report.targets(doc["runs"][0], n=cfg.n)]
    _write(doc, cfg)
    return doc


def _write(doc: dict[str, Any], cfg: BenchConfig) -> None:
    stem = cfg.out / _stem(cfg)
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(_finite(doc), indent=1, default=str) + "\n")
    table = report.markdown(doc)
    stem.with_suffix(".md").write_text(table)
    print(table)
    for line in report.target_lines(doc):
        print(line)
    print(f"results: {json_path} and {stem.with_suffix('.md')}")
    if cfg.plot:
        png = write_plot(doc, stem.with_suffix(".png"))
        print(
            f"plot: {png}"
            if png
            else "plot skipped: matplotlib is not installed (pip install -e '.[bench]')"
        )


def _git_state() -> str:
    """``<short commit>`` plus ``+dirty`` when the working tree differs: what was measured."""
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "eso"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.strip() + ("+dirty" if dirty.strip() else "")


def _finite(value: Any) -> Any:
    """NaN and infinities as null: the JSON standard has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _raise_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_args(args)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    command = shlex.join(["python", "-m", "bench", *args])
    try:
        asyncio.run(run(cfg, command=command))
    except KeyboardInterrupt:
        print("interrupted; every child process was stopped", file=sys.stderr)
        return 130
    except (BenchError, ChildError, TimeoutError) as e:
        print(f"benchmark failed: {e} (logs: {Path(cfg.out) / 'logs'})", file=sys.stderr)
        return 1
    return 0
