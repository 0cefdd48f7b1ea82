"""``auth.jwt`` on the provider side: ESO's role and audience rules, refresh, no token leaks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from structlog.testing import capture_logs

from eso.api.secretstore import AnyStore, ClusterSecretStore, SecretStore
from eso.clock import FakeClock
from eso.metrics import Metrics
from eso.providers.aws.principal import client_spec, session_tags
from eso.providers.aws.secretsmanager import AWSProvider
from eso.providers.aws.webidentity import (
    ROLE_SESSION_NAME,
    WebIdentity,
    WebIdentityCredentials,
    resolve_web_identity,
)
from eso.providers.base import (
    AuthError,
    ConfigError,
    ServiceAccountInfo,
    ServiceAccountToken,
)
from eso.settings import AWSSettings

ANNOTATED_ROLE = "arn:aws:iam::111111111111:role/from-annotation"
STORE_ROLE = "arn:aws:iam::222222222222:role/from-store"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def store(kind: str = "SecretStore", *, sa_ref: dict[str, Any], **aws: Any) -> AnyStore:
    meta: dict[str, Any] = {"name": "s"}
    if kind == "SecretStore":
        meta["namespace"] = "team"
    doc = {
        "kind": kind,
        "metadata": meta,
        "spec": {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": sa_ref}},
                    **aws,
                }
            }
        },
    }
    model = SecretStore if kind == "SecretStore" else ClusterSecretStore
    return model.model_validate(doc)


class FakeTokens:
    """A ServiceAccountTokenGetter over a dict of ServiceAccounts; counts token requests."""

    def __init__(self, accounts: Mapping[tuple[str, str], Mapping[str, str]], *, clock: FakeClock):
        self.accounts = accounts
        self.clock = clock
        self.requests: list[tuple[str, str, tuple[str, ...]]] = []

    async def service_account(self, namespace: str, name: str) -> ServiceAccountInfo | None:
        annotations = self.accounts.get((namespace, name))
        if annotations is None:
            return None
        return ServiceAccountInfo(namespace, name, f"uid-{namespace}-{name}", annotations)

    async def token(
        self, namespace: str, name: str, *, uid: str, audiences: tuple[str, ...]
    ) -> ServiceAccountToken:
        self.requests.append((namespace, name, audiences))
        return ServiceAccountToken(TOKEN, self.clock.wall() + timedelta(hours=1))


def tokens(annotations: Mapping[str, str] | None = None, *, where: str = "team") -> FakeTokens:
    role = {"eks.amazonaws.com/role-arn": ANNOTATED_ROLE}
    return FakeTokens({(where, "sa"): {**role, **(annotations or {})}}, clock=FakeClock())


async def resolve(s: AnyStore, getter: Any, *, reader: str = "team") -> WebIdentity | None:
    aws = s.spec.provider.aws
    assert aws is not None
    return await resolve_web_identity(
        aws,
        store_kind=s.kind,
        store_namespace=s.metadata.namespace,
        reader=reader,
        get_token=getter,
    )


# --- ESO's rules -----------------------------------------------------------------------------


async def test_web_identity_role_is_the_annotation_and_store_role_is_assumed_after() -> None:
    """ESO: AssumeRoleWithWebIdentity uses the annotation; `role` is chained on top."""
    s = store(sa_ref={"name": "sa"}, role=STORE_ROLE, additionalRoles=["arn:aws:iam::3:role/h"])
    provider = AWSProvider(settings=AWSSettings(), metrics=Metrics().provider)
    aws = s.spec.provider.aws
    assert aws is not None

    async def no_secret(namespace: str, name: str) -> None:
        return None

    spec = await client_spec(
        s, aws, namespace="team", endpoint_url=None, get_secret=no_secret, get_token=tokens()
    )
    assert spec.web_identity is not None and spec.web_identity.role_arn == ANNOTATED_ROLE
    assert spec.roles == ("arn:aws:iam::3:role/h", STORE_ROLE)
    assert spec.credentials is None
    await provider.close()


@pytest.mark.parametrize(
    ("annotations", "listed", "expected"),
    [
        pytest.param({}, None, ("sts.amazonaws.com",), id="default"),
        pytest.param({}, ["a", "b"], ("sts.amazonaws.com", "a", "b"), id="listed-after-default"),
        pytest.param(
            {"eks.amazonaws.com/audience": "custom"}, ["a"], ("custom", "a"), id="annotation"
        ),
    ],
)
async def test_token_audiences_follow_eso(
    annotations: dict[str, str], listed: list[str] | None, expected: tuple[str, ...]
) -> None:
    ref: dict[str, Any] = {"name": "sa"}
    if listed is not None:
        ref["audiences"] = listed
    identity = await resolve(store(sa_ref=ref), tokens(annotations))
    assert identity is not None and identity.audiences == expected


@pytest.mark.parametrize(
    ("kind", "ref", "reader", "expected"),
    [
        pytest.param("SecretStore", {"name": "sa"}, "team", "team", id="own-namespace"),
        pytest.param(
            "ClusterSecretStore", {"name": "sa", "namespace": "ops"}, "team", "ops", id="named"
        ),
        pytest.param("ClusterSecretStore", {"name": "sa"}, "team", "team", id="referent"),
    ],
)
async def test_service_account_namespace_follows_the_store_kind(
    kind: str, ref: dict[str, str], reader: str, expected: str
) -> None:
    identity = await resolve(store(kind, sa_ref=ref), tokens(where=expected), reader=reader)
    assert identity is not None and identity.namespace == expected


async def test_secret_store_may_not_use_another_namespaces_service_account() -> None:
    with pytest.raises(ConfigError, match="namespace should either be empty or match"):
        await resolve(store(sa_ref={"name": "sa", "namespace": "other"}), tokens())


async def test_missing_service_account_and_missing_role_are_auth_errors() -> None:
    with pytest.raises(AuthError, match='cannot get service account "sa" in namespace "team"'):
        await resolve(store(sa_ref={"name": "sa"}), FakeTokens({}, clock=FakeClock()))
    no_role = FakeTokens({("team", "sa"): {}}, clock=FakeClock())
    with pytest.raises(AuthError, match="an IAM role must be associated with service account sa"):
        await resolve(store(sa_ref={"name": "sa"}), no_role)


async def test_jwt_without_a_token_getter_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot request service account tokens"):
        await resolve(store(sa_ref={"name": "sa"}), None)


# --- STS credentials: cached, refreshed before expiry, never leaked ---------------------------


class FakeSts:
    """AssumeRoleWithWebIdentity answering credentials valid for ``lifetime``; can fail."""

    def __init__(self, clock: FakeClock, *, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[dict[str, Any]] = []
        self.fail_with: str | None = None

    @asynccontextmanager
    async def client(self) -> AsyncIterator[FakeSts]:
        yield self

    async def assume_role_with_web_identity(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.fail_with is not None:
            error = {"Code": self.fail_with, "Message": f"token {kwargs['WebIdentityToken']} bad"}
            raise ClientError({"Error": error}, "AssumeRoleWithWebIdentity")
        n = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIAKEY{n}",
                "SecretAccessKey": f"secret-{n}",
                "SessionToken": f"session-{n}",
                "Expiration": self.clock.wall() + self.lifetime,
            }
        }


def web_credentials(clock: FakeClock, sts: FakeSts, getter: FakeTokens) -> Any:
    identity = WebIdentity("team", "sa", "uid-1", ANNOTATED_ROLE, ("sts.amazonaws.com",))
    return WebIdentityCredentials(
        identity, get_token=getter, create_sts=sts.client, clock=clock
    ).credentials()


async def test_credentials_are_cached_then_refreshed_before_they_expire() -> None:
    clock = FakeClock()
    sts, getter = FakeSts(clock), tokens()
    creds = web_credentials(clock, sts, getter)

    first = await creds.get_frozen_credentials()
    assert first.access_key == "ASIAKEY1"
    assert sts.calls[0] == {
        "RoleArn": ANNOTATED_ROLE,
        "RoleSessionName": ROLE_SESSION_NAME,
        "WebIdentityToken": TOKEN,
    }
    await clock.advance(30 * 60)  # 30 min left: still fresh
    assert (await creds.get_frozen_credentials()).access_key == "ASIAKEY1"
    assert len(sts.calls) == 1
    await clock.advance(16 * 60)  # 14 min left: inside the advisory window, refreshed
    assert (await creds.get_frozen_credentials()).access_key == "ASIAKEY2"
    assert len(sts.calls) == 2


async def test_a_failed_early_refresh_keeps_serving_the_current_credentials() -> None:
    """No gap: a refresh that fails while the credentials are still valid is not an outage."""
    clock = FakeClock()
    sts, getter = FakeSts(clock), tokens()
    creds = web_credentials(clock, sts, getter)
    await creds.get_frozen_credentials()

    sts.fail_with = "InvalidIdentityToken"
    await clock.advance(47 * 60)  # 13 min left: advisory refresh fails
    with capture_logs() as logs:
        assert (await creds.get_frozen_credentials()).access_key == "ASIAKEY1"
    assert TOKEN not in repr(logs)


@pytest.mark.parametrize("code", ["InvalidIdentityToken", "AccessDenied", "IDPRejectedClaim"])
async def test_a_refused_web_identity_is_an_auth_error_without_the_token(code: str) -> None:
    """Wrong audience, untrusted issuer, a role that cannot be assumed: AuthError, no token."""
    clock = FakeClock()
    sts = FakeSts(clock)
    sts.fail_with = code
    with capture_logs() as logs, pytest.raises(AuthError) as e:
        await web_credentials(clock, sts, tokens()).get_frozen_credentials()
    assert code in str(e.value) and ANNOTATED_ROLE in str(e.value)
    assert TOKEN not in str(e.value) and e.value.__cause__ is None
    assert TOKEN not in repr(logs)


def test_web_identity_token_has_no_repr() -> None:
    assert TOKEN not in repr(ServiceAccountToken(TOKEN, datetime(2026, 1, 1)))


# --- sessionTagsPolicy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "custom", "expected"),
    [
        pytest.param("None", {}, (("fixed", "v"),), id="none-keeps-sessionTags"),
        pytest.param(
            "Simple",
            {"ignored": "x"},
            (("esoNamespace", "team"), ("esoStoreKind", "SecretStore"), ("esoStoreName", "s")),
            id="simple",
        ),
        pytest.param(
            "Custom",
            {"env": "prod", "empty": ""},
            (
                ("env", "prod"),
                ("esoNamespace", "team"),
                ("esoStoreKind", "SecretStore"),
                ("esoStoreName", "s"),
            ),
            id="custom-drops-empty-values",
        ),
    ],
)
def test_session_tags_policy(
    policy: str, custom: dict[str, str], expected: tuple[tuple[str, str], ...]
) -> None:
    s = store(
        sa_ref={"name": "sa"},
        sessionTags=[{"key": "fixed", "value": "v"}],
        sessionTagsPolicy=policy,
        customSessionTags=custom,
    )
    aws = s.spec.provider.aws
    assert aws is not None
    assert session_tags(aws, store=s, namespace="team") == expected
