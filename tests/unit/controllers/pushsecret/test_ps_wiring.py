"""The Manager wires the PushSecret controller only when asked; the flag reaches the settings."""

from __future__ import annotations

from typing import Any, cast

from eso.cli import build_parser, settings_from_args
from eso.controllers.manager import Manager
from eso.controllers.routing import PS
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


def test_by_default_push_secrets_are_watched_and_reconciled() -> None:
    m = manager()
    assert "pushsecrets" in {i.name for i in m.informers}
    assert PS in m._reconcilers


def test_with_the_flag_off_nothing_of_it_is_built() -> None:
    m = manager(process_push_secret=False)
    assert m._informers.push_secrets is None
    assert PS not in m._reconcilers


def test_the_flag_reaches_the_settings() -> None:
    args = build_parser().parse_args(["run", "--enable-push-secret-reconciler=false"])
    assert settings_from_args(args).controller.process_push_secret is False
