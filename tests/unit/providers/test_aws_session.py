"""Credential identity and endpoint resolution of the shared AWS clients."""

from __future__ import annotations

import pytest

from eso.providers.aws.auth import StaticCredentials
from eso.providers.aws.session import ClientSpec, resolve_endpoint

CREDS = StaticCredentials("AKIAEXAMPLEEXAMPLE01", "secret-key", "token")
BASE = ClientSpec(region="eu-west-1", credentials=CREDS)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(ClientSpec(region="us-east-1", credentials=CREDS), id="region"),
        pytest.param(ClientSpec(region="eu-west-1", endpoint_url="http://x"), id="endpoint"),
        pytest.param(
            ClientSpec(region="eu-west-1", credentials=StaticCredentials(CREDS.access_key_id, "x")),
            id="secret-key",
        ),
        pytest.param(
            ClientSpec(region="eu-west-1", credentials=CREDS, roles=("arn:aws:iam::1:role/r",)),
            id="role",
        ),
        pytest.param(ClientSpec(region="eu-west-1"), id="default-chain"),
    ],
)
def test_anything_that_changes_the_principal_changes_the_identity(other: ClientSpec) -> None:
    assert other.identity != BASE.identity


def test_identity_is_stable_and_reveals_no_key_material() -> None:
    again = ClientSpec(region="eu-west-1", credentials=StaticCredentials(*vars(CREDS).values()))
    assert again.identity == BASE.identity
    assert all(part not in BASE.identity for part in ("AKIA", "secret-key", "token"))
    assert "secret-key" not in repr(BASE) and "token" not in repr(BASE)


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        (None, {}, None),
        (None, {"AWS_ENDPOINT_URL": "http://all"}, "http://all"),
        (
            None,
            {"AWS_SECRETSMANAGER_ENDPOINT": "http://eso", "AWS_ENDPOINT_URL": "http://all"},
            "http://eso",
        ),
        (
            None,
            {
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm",
                "AWS_SECRETSMANAGER_ENDPOINT": "http://eso",
            },
            "http://sm",
        ),
        ("http://flag", {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm"}, "http://flag"),
    ],
)
def test_endpoint_override_precedence(
    explicit: str | None, env: dict[str, str], expected: str | None
) -> None:
    assert resolve_endpoint(explicit, environ=env) == expected
