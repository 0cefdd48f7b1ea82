"""``ServiceAccountTokens``: ServiceAccount reads cached briefly, tokens until near expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from structlog.testing import capture_logs

from eso.api.secretstore import ClusterSecretStore, SecretStore
from eso.clock import FakeClock
from eso.controllers.secretstore.tokens import ServiceAccountTokens
from eso.kube.errors import Forbidden, NotFound
from eso.providers.base import AuthError, ConfigError

LIFETIME = 3600


class FakeKube:
    """GET of ServiceAccounts and TokenRequest over a dict; counts calls."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.accounts: dict[tuple[str, str], dict[str, Any]] = {}
        self.gets = 0
        self.token_requests: list[tuple[str, str, list[str]]] = []

    def add(self, namespace: str, name: str, *, uid: str = "uid-1") -> None:
        meta = {"name": name, "namespace": namespace, "uid": uid, "annotations": {"a": "b"}}
        self.accounts[(namespace, name)] = {"metadata": meta}

    async def get(self, resource: Any, *, name: str, namespace: str) -> dict[str, Any]:
        self.gets += 1
        if (namespace, name) not in self.accounts:
            raise NotFound(404, "NotFound", f'serviceaccounts "{name}" not found')
        return self.accounts[(namespace, name)]

    async def create_token(
        self, *, namespace: str, name: str, audiences: Any, expiration_seconds: Any = None
    ) -> dict[str, Any]:
        if (namespace, name) not in self.accounts:
            raise NotFound(404, "NotFound", f'serviceaccounts "{name}" not found')
        n = len(self.token_requests)
        self.token_requests.append((namespace, name, list(audiences)))
        expires = self.clock.wall() + timedelta(seconds=LIFETIME)
        expiry = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"status": {"token": f"eyJtoken{n}.x.y", "expirationTimestamp": expiry}}


def setup() -> tuple[FakeClock, FakeKube, ServiceAccountTokens]:
    clock = FakeClock(wall_start=datetime(2026, 1, 1, 0, 0, 0).astimezone())
    kube = FakeKube(clock)
    kube.add("team", "sa")
    tokens = ServiceAccountTokens(cast(Any, kube), service_account_ttl=30.0, clock=clock)
    return clock, kube, tokens


def secret_store(namespace: str = "team") -> SecretStore:
    return SecretStore.model_validate(
        {"kind": "SecretStore", "metadata": {"name": "s", "namespace": namespace}, "spec": {}}
    )


async def test_token_is_reused_until_a_fifth_of_its_lifetime_is_left() -> None:
    clock, kube, tokens = setup()
    first = await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))
    await clock.advance(LIFETIME * 0.79)
    again = await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))
    assert again is first and len(kube.token_requests) == 1
    await clock.advance(LIFETIME * 0.02)
    renewed = await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))
    assert renewed.token != first.token and len(kube.token_requests) == 2
    assert kube.token_requests[0] == ("team", "sa", ["sts.amazonaws.com"])


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"uid": "uid-2", "audiences": ("sts.amazonaws.com",)}, id="recreated-sa"),
        pytest.param({"uid": "uid-1", "audiences": ("sts.amazonaws.com", "x")}, id="audiences"),
    ],
)
async def test_a_token_is_never_served_for_another_uid_or_audience(other: dict[str, Any]) -> None:
    _, kube, tokens = setup()
    await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))
    await tokens.token("team", "sa", **other)
    assert len(kube.token_requests) == 2


async def test_service_account_is_cached_briefly_and_read_fresh_for_validation() -> None:
    clock, kube, tokens = setup()
    assert (await tokens.service_account("team", "sa")) is not None
    await tokens.service_account("team", "sa")
    assert kube.gets == 1
    del kube.accounts[("team", "sa")]
    assert await tokens.service_account("team", "sa", fresh=True) is None  # store validation
    await clock.advance(31)
    assert await tokens.service_account("team", "sa") is None
    assert kube.gets == 3


async def test_token_for_a_missing_service_account_is_an_auth_error_without_a_token() -> None:
    _, _, tokens = setup()
    with capture_logs() as logs, pytest.raises(AuthError) as e:
        await tokens.token("team", "gone", uid="u", audiences=("sts.amazonaws.com",))
    assert str(e.value) == (
        'cannot request Kubernetes service account token for service account "gone" '
        'in namespace "team": not found'
    )
    assert "eyJ" not in repr(logs)


async def test_a_forbidden_token_request_is_an_auth_error() -> None:
    """The controller's RBAC lacks serviceaccounts/token: a store condition, not a crash."""
    _, kube, tokens = setup()

    async def forbidden(**kwargs: Any) -> dict[str, Any]:
        raise Forbidden(403, "Forbidden", "cannot create resource serviceaccounts/token")

    kube.create_token = forbidden  # type: ignore[method-assign]
    with pytest.raises(AuthError, match='service account "sa" in namespace "team": forbidden'):
        await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))


async def test_secret_store_getter_answers_only_for_its_own_namespace() -> None:
    _, kube, tokens = setup()
    kube.add("other", "sa")
    getter = tokens.getter(secret_store())
    assert await getter.service_account("team", "sa") is not None
    with pytest.raises(ConfigError):
        await getter.service_account("other", "sa")
    cluster = ClusterSecretStore.model_validate(
        {"kind": "ClusterSecretStore", "metadata": {"name": "c"}, "spec": {}}
    )
    assert await tokens.getter(cluster).service_account("other", "sa") is not None


async def test_logs_never_contain_a_token() -> None:
    _, _, tokens = setup()
    with capture_logs() as logs:
        token = await tokens.token("team", "sa", uid="uid-1", audiences=("sts.amazonaws.com",))
    assert token.token not in repr(logs) and token.token not in repr(token)
