"""A deleted store gives back what its provider holds for it (its shared AWS client slot)."""

from __future__ import annotations

from typing import Any, cast

from eso.api import conditions as c
from eso.controllers.runtime.worker import Result
from eso.controllers.secretstore.access import ProviderAccess
from eso.controllers.secretstore.reconciler import StoreReconciler
from eso.kube.cache import Cache
from eso.metrics import Metrics
from eso.settings import ControllerSettings


class _Registry:
    def __init__(self) -> None:
        self.forgotten: list[tuple[str, str | None, str]] = []

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        self.forgotten.append((kind, namespace, name))


def _reconciler(kind: str, registry: _Registry) -> StoreReconciler:
    unused = cast(Any, None)  # never reached on the delete path
    return StoreReconciler(
        kind,
        cache=Cache(),
        access=ProviderAccess(client=unused, registry=cast(Any, registry), credentials=unused),
        recorder=unused,
        metrics=Metrics().stores,
        settings=ControllerSettings(),
    )


async def test_a_deleted_secret_store_is_forgotten_by_the_providers() -> None:
    registry = _Registry()
    result = await _reconciler(c.KIND_SECRET_STORE, registry).reconcile("team/aws-store")
    assert result == Result()
    assert registry.forgotten == [(c.KIND_SECRET_STORE, "team", "aws-store")]


async def test_a_deleted_cluster_secret_store_is_forgotten_by_the_providers() -> None:
    registry = _Registry()
    await _reconciler(c.KIND_CLUSTER_SECRET_STORE, registry).reconcile("global")
    assert registry.forgotten == [(c.KIND_CLUSTER_SECRET_STORE, None, "global")]
