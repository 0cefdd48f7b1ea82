"""ClusterPushSecrets are wired only with PushSecrets on and outside a scoped install."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.cli import build_parser, settings_from_args
from eso.controllers.manager import Manager
from eso.controllers.routing import CES, CPS
from eso.kube.client import KubeClient
from eso.metrics import Metrics
from eso.providers.registry import ProviderRegistry
from eso.settings import ControllerSettings, Settings


def manager(**controller: Any) -> Manager:
    return Manager(
        cast(KubeClient, object()),
        settings=Settings(controller=ControllerSettings(**controller)),
        metrics=Metrics(),
        registry=cast(ProviderRegistry, object()),
    )


def test_by_default_cluster_push_secrets_and_namespaces_are_watched() -> None:
    m = manager()
    assert {"clusterpushsecrets", "namespaces"} <= {i.name for i in m.informers}
    assert CPS in m._reconcilers


def test_namespaces_stay_watched_for_them_without_cluster_external_secrets() -> None:
    m = manager(process_cluster_external_secret=False)
    assert m._informers.namespaces is not None
    assert CES not in m._reconcilers and CPS in m._reconcilers


@pytest.mark.parametrize(
    "controller",
    [
        pytest.param({"process_cluster_push_secret": False}, id="flag-off"),
        pytest.param({"process_push_secret": False}, id="push-secrets-off"),
        pytest.param({"namespace": "team-a"}, id="scoped"),
    ],
)
def test_without_the_controller_nothing_of_it_is_built(controller: dict[str, Any]) -> None:
    m = manager(**controller)
    assert m._informers.cluster_push_secrets is None
    assert CPS not in m._reconcilers


def test_the_flag_reaches_the_settings() -> None:
    args = build_parser().parse_args(["run", "--enable-cluster-push-secret-reconciler=false"])
    assert settings_from_args(args).controller.process_cluster_push_secret is False
