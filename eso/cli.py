"""Command line: ``eso run``, ``eso local-cluster``, ``eso demo``.

Only parsing lives here. Flag names are ESO's where the concept exists (``--concurrent``,
``--client-qps``, ``--enable-leader-election`` ...) so an ESO user's Helm ``extraArgs`` carry
over. Each subcommand's work is imported lazily so ``eso local-cluster`` does not pay for
aiobotocore and the controllers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eso.api.duration import DurationError, parse_duration
from eso.settings import (
    AWSSettings,
    ClientSettings,
    ControllerSettings,
    LeaderSettings,
    LogSettings,
    ServerSettings,
    Settings,
)


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except DurationError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = Settings()
    p = sub.add_parser("run", help="run the controllers (the default in the image)")
    p.add_argument(
        "--kubeconfig",
        default=None,
        help="path to a kubeconfig; default: "
        "$KUBECONFIG, then in-cluster config, then ~/.kube/config",
    )
    p.add_argument("--namespace", default=None, help="watch only this namespace")
    p.add_argument(
        "--concurrent",
        type=int,
        default=d.controller.concurrent,
        help="reconcile workers per controller",
    )
    p.add_argument("--client-qps", type=float, default=d.client.qps)
    p.add_argument("--client-burst", type=int, default=d.client.burst)
    p.add_argument("--metrics-addr", default=d.server.metrics_addr)
    p.add_argument("--live-addr", default=d.server.live_addr)
    p.add_argument("--loglevel", default=d.log.level)
    p.add_argument("--log-format", default=d.log.format, choices=["auto", "json", "console"])
    p.add_argument(
        "--enable-leader-election", type=_bool, nargs="?", const=True, default=d.leader.enabled
    )
    p.add_argument("--leader-election-id", default=d.leader.lease_name)
    p.add_argument("--leader-election-namespace", default=None)
    p.add_argument(
        "--store-requeue-interval", type=_duration, default=d.controller.store_requeue_interval
    )
    p.add_argument("--controller-class", default=d.controller.controller_class)
    p.add_argument(
        "--enable-cluster-store-reconciler",
        type=_bool,
        nargs="?",
        const=True,
        default=d.controller.process_cluster_store,
    )
    p.add_argument(
        "--aws-batch",
        type=_bool,
        nargs="?",
        const=True,
        default=d.aws.batch_enabled,
        help="batch reads with BatchGetSecretValue",
    )
    p.add_argument("--aws-batch-window", type=_duration, default=d.aws.batch_window)
    p.add_argument("--aws-batch-size", type=int, default=d.aws.batch_size)
    p.add_argument(
        "--aws-cache",
        type=_bool,
        nargs="?",
        const=True,
        default=d.aws.cache_enabled,
        help="share fetched values between ExternalSecrets briefly",
    )
    p.add_argument("--aws-cache-ttl", type=_duration, default=d.aws.cache_ttl)
    p.add_argument("--aws-cache-max-entries", type=int, default=d.aws.cache_max_entries)


def settings_from_args(a: argparse.Namespace) -> Settings:
    """Build the typed Settings from parsed ``eso run`` flags."""
    return Settings(
        kubeconfig=a.kubeconfig,
        client=ClientSettings(qps=a.client_qps, burst=a.client_burst),
        controller=ControllerSettings(
            concurrent=a.concurrent,
            namespace=a.namespace,
            controller_class=a.controller_class,
            store_requeue_interval=a.store_requeue_interval,
            process_cluster_store=a.enable_cluster_store_reconciler,
        ),
        leader=LeaderSettings(
            enabled=a.enable_leader_election,
            lease_name=a.leader_election_id,
            lease_namespace=a.leader_election_namespace,
        ),
        server=ServerSettings(metrics_addr=a.metrics_addr, live_addr=a.live_addr),
        log=LogSettings(level=a.loglevel, format=a.log_format),
        aws=AWSSettings(
            batch_enabled=a.aws_batch,
            batch_window=a.aws_batch_window,
            batch_size=a.aws_batch_size,
            cache_enabled=a.aws_cache,
            cache_ttl=a.aws_cache_ttl,
            cache_max_entries=a.aws_cache_max_entries,
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eso", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    lc = sub.add_parser("local-cluster", help="serve a local Kubernetes control plane")
    lc.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    lc.add_argument(
        "--kubeconfig",
        default="kubeconfig.local",
        help="where to write a kubeconfig for kubectl and eso",
    )
    demo = sub.add_parser("demo", help="the walkthrough on a local control plane and moto")
    demo.add_argument(
        "--keep-running",
        type=_bool,
        nargs="?",
        const=True,
        default=None,
        help="keep serving after the walkthrough (default: when on a terminal)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from eso.app import run

        return run(settings_from_args(args))
    if args.command == "local-cluster":
        from eso.testing.localcluster import main as local_cluster

        return local_cluster(port=args.port, kubeconfig=args.kubeconfig)
    if args.command == "demo":
        from eso.demo import main as demo

        keep = sys.stdin.isatty() if args.keep_running is None else args.keep_running
        return demo(keep_running=keep)
    raise AssertionError(args.command)
