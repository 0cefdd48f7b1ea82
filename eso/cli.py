"""The command line: ``eso run`` (the controller), plus the dev-only ``local-cluster`` and ``demo``.

Only parsing lives here. ``eso run``'s flags are data (``RUN_FLAGS``): each names the settings
field it sets, so help texts show the field's unit and default, flags are grouped as the
settings are, and ``settings_from_args`` needs no hand-written mapping. Flag names are ESO's
where ESO has the flag (``--concurrent``, ``--client-qps``, ``--enable-leader-election``, ...)
so an ESO user's Helm ``extraArgs`` carry over.

``local-cluster`` and ``demo`` belong to the test harness (``localkube``), which the product
does not ship: they are reached through the one guarded import of the harness in the product,
and an installation without it prints what to install and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from eso.api.duration import DurationError, format_duration, parse_duration
from eso.settings import Settings

DESCRIPTION = (
    "eso: an asyncio External Secrets Operator for Kubernetes. It watches ExternalSecret "
    "resources (the external-secrets.io API of ESO), fetches their values from AWS Secrets "
    "Manager and writes ordinary Kubernetes Secrets."
)
HARNESS_MISSING = (
    "eso {command}: this command needs eso's test harness (localkube), which is not installed; "
    "from a checkout of eso run `make install` (or `pip install -e ./localkube`)"
)
HARNESS_COMMANDS = ("local-cluster", "demo")


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


@dataclass(frozen=True)
class RunFlag:
    """One ``eso run`` flag: the settings field it sets (``section.field``) and its help."""

    name: str
    field: str
    help: str
    parse: Callable[[str], Any] = str
    unit: str = ""
    choices: tuple[str, ...] = ()
    default_text: str | None = None
    """How the default reads when its value would not say it (None: all namespaces)."""


_GROUPS = {
    "controller": "controllers",
    "client": "Kubernetes API client",
    "leader": "leader election",
    "sharding": "active-active sharding",
    "server": "metrics and probes",
    "log": "logging",
    "aws": "AWS provider call economy",
}

# Table-like: one row per flag reads better than one function call per flag.
RUN_FLAGS: tuple[RunFlag, ...] = (
    RunFlag("--namespace", "controller.namespace", "watch only this namespace", default_text="all"),
    RunFlag("--concurrent", "controller.concurrent", "reconcile workers per controller", int),
    RunFlag(
        "--concurrent-waiting",
        "controller.concurrent_waiting",
        "reconciles beyond --concurrent that may wait on provider reads at once",
        int,
    ),
    RunFlag(
        "--controller-class",
        "controller.controller_class",
        "serve stores whose spec.controller is this class (or empty)",
    ),
    RunFlag(
        "--store-requeue-interval",
        "controller.store_requeue_interval",
        "how often stores are revalidated (Go duration, e.g. 5m)",
        _duration,
        "seconds",
    ),
    RunFlag(
        "--enable-cluster-store-reconciler",
        "controller.process_cluster_store",
        "reconcile ClusterSecretStores",
        _bool,
    ),
    RunFlag(
        "--template-left-delimiter",
        "controller.template_left_delimiter",
        "left delimiter of spec.target.template templates",
    ),
    RunFlag(
        "--template-right-delimiter",
        "controller.template_right_delimiter",
        "right delimiter of spec.target.template templates",
    ),
    RunFlag(
        "--enable-cluster-external-secret-reconciler",
        "controller.process_cluster_external_secret",
        "reconcile ClusterExternalSecrets (off when --namespace is set)",
        _bool,
    ),
    RunFlag(
        "--enable-push-secret-reconciler",
        "controller.process_push_secret",
        "reconcile PushSecrets",
        _bool,
    ),
    RunFlag(
        "--enable-cluster-push-secret-reconciler",
        "controller.process_cluster_push_secret",
        "reconcile ClusterPushSecrets (off when --namespace is set)",
        _bool,
    ),
    RunFlag(
        "--cluster-external-secret-selector",
        "controller.cluster_external_secret_selector",
        "serve only the ClusterExternalSecrets with these labels (label selector)",
        default_text="all",
    ),
    RunFlag(
        "--enable-rollout-on-change",
        "controller.rollout_on_change",
        "roll the workloads an ExternalSecret's eso.io/rollout-on-change annotation names "
        "when its Secret data changes",
        _bool,
    ),
    RunFlag(
        "--rollout-min-interval",
        "controller.rollout_min_interval",
        "least time between two rollouts of one workload (Go duration)",
        _duration,
        "seconds",
    ),
    RunFlag("--client-qps", "client.qps", "sustained requests/s to the API server", float),
    RunFlag("--client-burst", "client.burst", "API request burst (token bucket size)", int),
    RunFlag(
        "--enable-leader-election",
        "leader.enabled",
        "elect one active replica through a Lease (set with replicaCount > 1)",
        _bool,
    ),
    RunFlag("--leader-election-id", "leader.lease_name", "name of the Lease"),
    RunFlag(
        "--leader-election-namespace",
        "leader.lease_namespace",
        "namespace of the Lease",
        default_text="the pod's namespace",
    ),
    RunFlag(
        "--leader-election-lease-duration",
        "leader.lease_duration",
        "how long a Lease is valid without renewal",
        _duration,
        "seconds",
    ),
    RunFlag(
        "--leader-election-renew-deadline",
        "leader.renew_deadline",
        "how long the leader keeps trying to renew before it stops working",
        _duration,
        "seconds",
    ),
    RunFlag(
        "--leader-election-retry-period",
        "leader.retry_period",
        "time between attempts to acquire or renew the Lease",
        _duration,
        "seconds",
    ),
    RunFlag(
        "--shards",
        "sharding.shards",
        "split the work into this many slots, each owned through a Lease; above 1 every "
        "replica works on its share and leader election is not used",
        int,
    ),
    RunFlag("--metrics-addr", "server.metrics_addr", "host:port serving /metrics"),
    RunFlag("--live-addr", "server.live_addr", "host:port serving /healthz and /readyz"),
    RunFlag(
        "--loglevel",
        "log.level",
        "log level",
        choices=("debug", "info", "warning", "warn", "error"),
    ),
    RunFlag("--log-format", "log.format", "log format", choices=("auto", "json", "console")),
    RunFlag(
        "--aws-batch",
        "aws.batch_enabled",
        "gather concurrent reads into BatchGetSecretValue",
        _bool,
    ),
    RunFlag(
        "--aws-batch-window",
        "aws.batch_window",
        "how long a read waits for others to join its batch (Go duration)",
        _duration,
        "seconds",
    ),
    RunFlag("--aws-batch-size", "aws.batch_size", "secrets per BatchGetSecretValue (1-20)", int),
    RunFlag(
        "--aws-batch-max-inflight",
        "aws.batch_max_inflight",
        "batch calls in flight per identity before a partial batch waits for one",
        int,
    ),
    RunFlag(
        "--aws-batch-prefetch",
        "aws.batch_prefetch",
        "fill free batch seats with secrets whose refresh is due soon",
        _bool,
    ),
    RunFlag(
        "--aws-cache",
        "aws.cache_enabled",
        "share fetched values between ExternalSecrets of one credential identity",
        _bool,
    ),
    RunFlag(
        "--aws-cache-ttl",
        "aws.cache_ttl",
        "how long a fetched value may be reused (Go duration; 0 turns the cache off)",
        _duration,
        "seconds",
    ),
    RunFlag("--aws-cache-max-entries", "aws.cache_max_entries", "values kept in the cache", int),
    RunFlag(
        "--aws-throttle-decrease",
        "aws.throttle_decrease",
        "factor (0-1, exclusive) a credential identity's call rate is cut by when AWS throttles",
        float,
    ),
    RunFlag(
        "--aws-throttle-increase",
        "aws.throttle_increase",
        "how fast a throttled identity's rate grows back",
        float,
        "calls/s per second",
    ),
    RunFlag(
        "--aws-throttle-recovery",
        "aws.throttle_recovery",
        "share of the gap to the last throttled rate regained per second (0 turns it off)",
        float,
    ),
    RunFlag(
        "--aws-throttle-min-rate",
        "aws.throttle_min_rate",
        "rate below which throttling never pushes an identity",
        float,
        "calls/s",
    ),
    RunFlag(
        "--aws-throttle-reset-after",
        "aws.throttle_reset_after",
        "time without a throttled answer after which the rate limit is lifted (Go duration)",
        _duration,
        "seconds",
    ),
)


def _default(settings: Settings, field: str) -> Any:
    section, name = field.split(".")
    return getattr(getattr(settings, section), name)


_METAVARS: dict[Callable[[str], Any], str] = {
    _duration: "DURATION",
    _bool: "BOOL",
    int: "N",
    float: "N",
}


def _shown_default(flag: RunFlag, default: Any) -> str:
    if flag.default_text is not None:
        return flag.default_text
    if flag.parse is _duration:
        return format_duration(float(default))
    if flag.parse is _bool:
        return str(default).lower()
    return str(default)


def _add_flag(group: argparse._ArgumentGroup, flag: RunFlag, default: Any) -> None:
    unit = f"in {flag.unit}; " if flag.unit and flag.parse is not _duration else ""
    kwargs: dict[str, Any] = {
        "dest": flag.field.replace(".", "__"),
        "default": default,
        "help": f"{flag.help} ({unit}default: {_shown_default(flag, default)})",
        "type": flag.parse,
    }
    if flag.choices:
        kwargs["choices"] = flag.choices
    else:
        name = "ADDR" if flag.field.endswith("_addr") else "VALUE"
        kwargs["metavar"] = _METAVARS.get(flag.parse, name)
    if flag.parse is _bool:
        kwargs.update(nargs="?", const=True)
    group.add_argument(flag.name, **kwargs)


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = Settings()
    p = sub.add_parser(
        "run",
        help="run the controllers (what the image runs)",
        description="Run the ExternalSecret and store controllers until SIGTERM.",
    )
    p.add_argument(
        "--kubeconfig",
        default=None,
        help="path to a kubeconfig (default: $KUBECONFIG, then the in-cluster config, "
        "then ~/.kube/config)",
    )
    groups = {key: p.add_argument_group(title) for key, title in _GROUPS.items()}
    for flag in RUN_FLAGS:
        section = flag.field.split(".")[0]
        _add_flag(groups[section], flag, _default(defaults, flag.field))


def settings_from_args(a: argparse.Namespace) -> Settings:
    """Build the typed Settings from parsed ``eso run`` flags."""
    sections: dict[str, dict[str, Any]] = {}
    for flag in RUN_FLAGS:
        section, name = flag.field.split(".")
        sections.setdefault(section, {})[name] = getattr(a, flag.field.replace(".", "__"))
    return Settings.model_validate({"kubeconfig": a.kubeconfig, **sections})


def _version() -> str:
    try:
        return metadata.version("eso")
    except metadata.PackageNotFoundError:
        return "unknown"


def _harness() -> ModuleType | None:
    """The harness's command module, or None when the harness is not installed."""
    try:
        # The product's one import of the test harness: lazy, and guarded.
        return importlib.import_module("localkube.cli")
    except ImportError:
        return None


def _add_harness_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    harness = _harness()
    if harness is not None:
        harness.add_commands(sub)
        return
    for name in HARNESS_COMMANDS:
        sub.add_parser(name, help=f"{name} (needs the dev install: make install)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eso", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"eso {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub)
    _add_harness_commands(sub)
    return parser


def _run_harness(args: argparse.Namespace) -> int:
    harness = _harness()
    if harness is None:
        print(HARNESS_MISSING.format(command=args.command), file=sys.stderr)
        return 2
    code: int = harness.run_command(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "run":
        return _run_harness(args)
    try:
        settings = settings_from_args(args)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()
        )
        parser.error(f"invalid settings: {problems}")
    from eso.app import run

    return run(settings)
