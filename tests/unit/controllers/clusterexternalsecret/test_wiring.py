"""The Manager wires the CES controller only when asked and never in a scoped install."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.cli import build_parser, settings_from_args
from eso.controllers.manager import CES, Manager
from eso.kube.client import KubeClient
from eso.metrics import Metrics
from eso.providers.registry import ProviderRegistry
from eso.settings import ControllerSettings, Settings


def manager(**controller: Any) -> Manager:
    # Construction does no I/O: a placeholder client and registry are enough to inspect wiring.
    return Manager(
        cast(KubeClient, object()),
        settings=Settings(controller=ControllerSettings(**controller)),
        metrics=Metrics(),
        registry=cast(ProviderRegistry, object()),
    )


def test_by_default_namespaces_and_cess_are_watched_and_reconciled() -> None:
    m = manager()
    names = {i.name for i in m.informers}
    assert {"namespaces", "clusterexternalsecrets"} <= names
    assert CES in m._reconcilers


@pytest.mark.parametrize(
    "controller",
    [
        # Namespaces are shared with ClusterPushSecrets: both off for none to be watched.
        pytest.param(
            {"process_cluster_external_secret": False, "process_cluster_push_secret": False},
            id="flag-off",
        ),
        pytest.param({"namespace": "team-a"}, id="scoped"),
    ],
)
def test_without_the_ces_controller_nothing_of_it_is_built(controller: dict[str, Any]) -> None:
    m = manager(**controller)
    assert m._informers.namespaces is None and m._informers.cluster_external_secrets is None
    assert CES not in m._reconcilers


def test_the_flags_reach_the_settings() -> None:
    args = build_parser().parse_args(
        [
            "run",
            "--enable-cluster-external-secret-reconciler=false",
            "--cluster-external-secret-selector=shard=a",
        ]
    )
    ctl = settings_from_args(args).controller
    assert ctl.process_cluster_external_secret is False
    assert ctl.cluster_external_secret_selector == "shard=a"
