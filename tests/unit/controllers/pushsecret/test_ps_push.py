"""The push steps without a provider: a read-only store is refused, stale entries are found."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.api.pushsecret import PushSecret
from eso.api.secretstore import SecretStore
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.pushsecret.push import Pusher, merge_synced
from eso.controllers.secretstore.access import ProviderAccess
from eso.kube.events import EventRecorder


class ReadOnlyClient:
    """A store client with reads only, as a provider without PushSecret support gives."""

    async def get_secret(self, ref: Any, *, max_age: float | None = None) -> bytes:
        return b""

    async def close(self) -> None:
        pass


class FakeAccess:
    client = None

    async def client_for(self, store: Any, **_: Any) -> ReadOnlyClient:
        return ReadOnlyClient()


def ready_store() -> SecretStore:
    return SecretStore.model_validate(
        {
            "metadata": {"name": "vault", "namespace": "ns"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    )


def push_secret(**status: Any) -> PushSecret:
    return PushSecret.model_validate(
        {"metadata": {"name": "p", "namespace": "ns"}, "status": status}
    )


async def test_a_read_only_store_is_refused_without_retrying() -> None:
    pusher = Pusher(
        push_secret(),
        access=cast(ProviderAccess, FakeAccess()),
        recorder=cast(EventRecorder, object()),
    )
    with pytest.raises(PushFailedError, match="capabilities ReadOnly") as caught:
        await pusher.writer(ready_store())
    assert caught.value.retry is False
    await pusher.close()


async def test_a_store_that_is_not_ready_is_retried() -> None:
    store = SecretStore.model_validate({"metadata": {"name": "s", "namespace": "ns"}})
    pusher = Pusher(
        push_secret(),
        access=cast(ProviderAccess, FakeAccess()),
        recorder=cast(EventRecorder, object()),
    )
    with pytest.raises(PushFailedError, match="is not ready") as caught:
        await pusher.writer(store)
    assert caught.value.retry is True


def test_merge_keeps_old_entries_beside_new_ones() -> None:
    ps = push_secret(
        syncedPushSecrets={"SecretStore/a": {"old": {"match": {"remoteRef": {"remoteKey": "old"}}}}}
    )
    new = push_secret(
        syncedPushSecrets={
            "SecretStore/a": {"new": {"match": {"remoteRef": {"remoteKey": "new"}}}},
            "SecretStore/b": {"x": {"match": {"remoteRef": {"remoteKey": "x"}}}},
        }
    )
    merged = merge_synced(new.status.synced_push_secrets, ps.status.synced_push_secrets)
    assert {k: sorted(v) for k, v in merged.items()} == {
        "SecretStore/a": ["new", "old"],
        "SecretStore/b": ["x"],
    }
