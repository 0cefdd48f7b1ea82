"""The benchmark's settings and its command line.

``python -m bench --n 1000 --out bench/results`` is what ``make bench`` runs. Defaults are the
workload the README's figures come from; every field says why it is what it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eso.settings import ControllerSettings


@dataclass(frozen=True)
class BenchConfig:
    """One benchmark invocation."""

    n: int = 1000
    out: Path = Path("bench/results")
    # None: start a local control plane; else run against this cluster
    kubeconfig: Path | None = None
    # a few teams, each with its own credentials (distinct AWS credential identities)
    stores: int = 4
    # objects spread like a multi-tenant cluster; namespaces cost nothing in the controller
    namespaces: int = 10
    # new ExternalSecrets created during the refresh storm (their p99 is the target)
    storm_new: int = 100
    # seconds over which the storm's new objects are created, at an even rate
    storm_seconds: float = 10.0
    # refreshInterval of every ExternalSecret; None: N/1000 s (at least 1 s), which makes the
    # refresh demand about 1,000 syncs/s at any N, above what the machine can serve, so the
    # refresh lane always holds a backlog of due objects: the storm
    refresh_interval: str | None = None
    # reconcile workers, passed to ``eso run --concurrent`` and used by the baseline
    concurrent: int = ControllerSettings().concurrent
    batch: bool = True
    cache: bool = True
    # run everything twice, BatchGetSecretValue on and off, and report both
    compare_batching: bool = False
    baseline: bool = True
    plot: bool = True
    # seconds any single wait (all Ready, a process ready) may take before the run fails;
    # None: 900 s, or 20 ms per object above 45k (a loaded 2-core machine syncs 100k in ~10 min)
    timeout_seconds: float | None = None
    controller_loglevel: str = "info"
    # sample the controller with py-spy during the cold sync (slows it a little)
    profile: bool = False
    # extra ``eso run`` flags, e.g. ("--client-qps=1000",), for experiments
    controller_args: tuple[str, ...] = ()

    @property
    def timeout(self) -> float:
        return self.timeout_seconds or max(900.0, self.n * 0.02)

    @property
    def refresh(self) -> str:
        return self.refresh_interval or f"{max(1, self.n // 1000)}s"

    @property
    def refresh_seconds(self) -> float:
        from eso.api.duration import parse_duration

        return parse_duration(self.refresh)


def parser() -> argparse.ArgumentParser:
    d = BenchConfig()
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=d.n, help="ExternalSecrets to sync (default 1000)")
    p.add_argument("--out", type=Path, default=d.out, help="directory for results")
    p.add_argument(
        "--kubeconfig",
        type=Path,
        default=None,
        help="use this cluster instead of starting a local control plane",
    )
    p.add_argument("--stores", type=int, default=d.stores)
    p.add_argument("--namespaces", type=int, default=d.namespaces)
    p.add_argument(
        "--storm-new",
        type=int,
        default=d.storm_new,
        help="new ExternalSecrets created during the refresh storm",
    )
    p.add_argument("--storm-seconds", type=float, default=d.storm_seconds)
    p.add_argument(
        "--refresh-interval",
        default=None,
        help="refreshInterval of the ExternalSecrets (default: N/1000 s, min 1s)",
    )
    p.add_argument("--concurrent", type=int, default=d.concurrent)
    p.add_argument(
        "--no-batch", dest="batch", action="store_false", help="eso run --aws-batch false"
    )
    p.add_argument(
        "--no-cache", dest="cache", action="store_false", help="eso run --aws-cache false"
    )
    p.add_argument(
        "--compare-batching",
        action="store_true",
        help="run twice, batching on and off, and report both",
    )
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=d.baseline)
    p.add_argument("--plot", action=argparse.BooleanOptionalAction, default=d.plot)
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds per wait (default: max(900, N/50))"
    )
    p.add_argument("--controller-loglevel", default=d.controller_loglevel)
    p.add_argument(
        "--controller-arg",
        action="append",
        default=[],
        metavar="FLAG",
        help="extra flag for eso run, repeatable (--controller-arg=--client-qps=1000)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="sample the controller with py-spy during the cold sync (pip install py-spy)",
    )
    return p


def parse_args(argv: Sequence[str] | None = None) -> BenchConfig:
    a = parser().parse_args(argv)
    if a.n < 1 or a.stores < 1 or a.namespaces < 1 or a.storm_new < 0:
        parser().error("--n, --stores and --namespaces must be positive, --storm-new >= 0")
    return BenchConfig(
        n=a.n,
        out=a.out,
        kubeconfig=a.kubeconfig,
        stores=a.stores,
        namespaces=a.namespaces,
        storm_new=a.storm_new,
        storm_seconds=a.storm_seconds,
        refresh_interval=a.refresh_interval,
        concurrent=a.concurrent,
        batch=a.batch,
        cache=a.cache,
        compare_batching=a.compare_batching,
        baseline=a.baseline,
        plot=a.plot,
        timeout_seconds=a.timeout,
        controller_loglevel=a.controller_loglevel,
        profile=a.profile,
        controller_args=tuple(a.controller_arg),
    )
