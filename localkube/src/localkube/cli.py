"""The harness's commands: ``local-cluster`` and ``demo`` (also reached as ``eso local-cluster``
and ``eso demo`` from a dev install).

Kept in the harness because both need what the product does not ship: the local control plane,
moto and the repository's manifests. ``eso``'s own command line reaches this module through one
guarded import, so an installation without the harness says what to install instead of failing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``local-cluster`` and ``demo`` to a command line (eso's or localkube's own)."""
    lc = sub.add_parser(
        "local-cluster",
        help="serve a local Kubernetes control plane (dev install only)",
        description="Serve a local Kubernetes control plane on 127.0.0.1 until Ctrl-C.",
    )
    lc.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free)")
    lc.add_argument(
        "--kubeconfig",
        default="kubeconfig.local",
        help="where to write a kubeconfig for kubectl and eso (default: kubeconfig.local)",
    )
    demo = sub.add_parser(
        "demo",
        help="the walkthrough on a local control plane and moto (dev install only)",
        description="Play the README's walkthrough on a local control plane and moto.",
    )
    demo.add_argument(
        "--keep-running",
        type=_bool,
        nargs="?",
        const=True,
        default=None,
        help="keep serving after the walkthrough (default: when on a terminal)",
    )


def run_command(args: argparse.Namespace) -> int:
    """Run a command added by ``add_commands``; returns the exit code."""
    if args.command == "local-cluster":
        from localkube.localcluster import main as local_cluster

        return local_cluster(port=args.port, kubeconfig=args.kubeconfig)
    from localkube.demo import main as demo

    keep = sys.stdin.isatty() if args.keep_running is None else args.keep_running
    return demo(keep_running=keep)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="localkube", description=__doc__.splitlines()[0])
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))
