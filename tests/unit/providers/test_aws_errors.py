"""AWS errors become our hierarchy with messages safe for status, events and logs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from eso.providers.aws.errors import classify, sanitize
from eso.providers.base import (
    AuthError,
    ConfigError,
    ProviderError,
    ProviderUnavailableError,
    SecretNotFoundError,
)


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": "0a1b2c3d-req", "HTTPStatusCode": status},
    }
    return ClientError(response, "GetSecretValue")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("ResourceNotFoundException", 400, SecretNotFoundError),
        ("UnrecognizedClientException", 400, AuthError),
        ("InvalidSignatureException", 400, AuthError),
        ("AccessDeniedException", 400, AuthError),
        ("ExpiredTokenException", 400, AuthError),
        ("ThrottlingException", 400, ProviderUnavailableError),
        ("InternalServiceError", 500, ProviderUnavailableError),
        ("SomethingNew", 503, ProviderUnavailableError),
        ("InvalidParameterException", 400, ConfigError),
        ("DecryptionFailure", 400, ProviderError),
    ],
)
def test_aws_error_codes_are_classified(code: str, status: int, kind: type[ProviderError]) -> None:
    assert type(classify(client_error(code, "msg", status), what="secret 'x'")) is kind


def test_secret_marked_for_deletion_counts_as_not_found() -> None:
    e = client_error("InvalidRequestException", "secret was marked for deletion.")
    assert isinstance(classify(e, what="secret 'x'"), SecretNotFoundError)


def test_xml_error_bodies_are_understood() -> None:
    body = (
        '<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code>'
        "<Message>The security token included in the request is invalid.</Message>"
        "</Error></Errors></ErrorResponse>"
    )
    error = classify(client_error("403", body, 403), what="ListSecrets")
    assert isinstance(error, AuthError)
    assert str(error) == (
        "ListSecrets: InvalidClientTokenId: The security token included in the request is invalid."
    )


def test_messages_lose_request_ids_and_credentials() -> None:
    raw = (
        "An error occurred, request id: 7f3e-aa12-bb, Credential=AKIAABCDEFGHIJKLMNOP/20260101/"
        "us-east-1/secretsmanager/aws4_request, key AKIAABCDEFGHIJKLMNOP rejected"
    )
    clean = sanitize(raw)
    assert "7f3e" not in clean
    assert "AKIA" not in clean
    assert "aws4_request" not in clean
    message = str(classify(client_error("UnrecognizedClientException", raw), what="x"))
    assert "AKIA" not in message and "7f3e" not in message


def test_transport_and_credential_failures_are_classified() -> None:
    unreachable = EndpointConnectionError(endpoint_url="https://secretsmanager.example")
    assert isinstance(classify(unreachable, what="x"), ProviderUnavailableError)
    assert isinstance(classify(NoCredentialsError(), what="x"), AuthError)
    assert type(classify(RuntimeError("boom"), what="x")) is ProviderError
