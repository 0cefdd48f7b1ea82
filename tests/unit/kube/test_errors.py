"""Status bodies map to typed errors; only transient ones are retryable."""

from __future__ import annotations

import json

import pytest

from eso.kube import errors as kerr


def status(code: int, reason: str = "", **details: object) -> bytes:
    body: dict[str, object] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": f"m{code}",
    }
    if details:
        body["details"] = details
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        pytest.param(400, "BadRequest", kerr.BadRequest, id="400"),
        pytest.param(401, "Unauthorized", kerr.Unauthorized, id="401"),
        pytest.param(403, "Forbidden", kerr.Forbidden, id="403"),
        pytest.param(404, "NotFound", kerr.NotFound, id="404"),
        pytest.param(409, "Conflict", kerr.Conflict, id="409-conflict"),
        pytest.param(409, "AlreadyExists", kerr.AlreadyExists, id="409-exists"),
        pytest.param(410, "Expired", kerr.Gone, id="410"),
        pytest.param(422, "Invalid", kerr.Invalid, id="422"),
        pytest.param(429, "TooManyRequests", kerr.TooManyRequests, id="429"),
        pytest.param(500, "InternalError", kerr.ServerError, id="500"),
        pytest.param(504, "Timeout", kerr.ServerTimeout, id="504-timeout"),
        pytest.param(405, "MethodNotAllowed", kerr.ApiError, id="405-generic"),
    ],
)
def test_status_maps_to_typed_error(code: int, reason: str, cls: type[kerr.ApiError]) -> None:
    err = kerr.error_from_response(code, status(code, reason))
    assert type(err) is cls
    assert (err.status, err.reason, err.message) == (code, reason, f"m{code}")


@pytest.mark.parametrize(
    ("code", "body"),
    [
        pytest.param(504, status(504, "Timeout"), id="504-timeout"),
        pytest.param(504, b"upstream request timeout", id="504-from-a-proxy"),
        pytest.param(500, status(500, "ServerTimeout", retryAfterSeconds=2), id="server-timeout"),
        pytest.param(503, status(503, "Timeout"), id="reason-timeout"),
    ],
)
def test_timeouts_are_a_transient_server_timeout(code: int, body: bytes) -> None:
    err = kerr.error_from_response(code, body)
    assert isinstance(err, kerr.ServerTimeout) and isinstance(err, kerr.ServerError)
    assert err.status == code
    assert kerr.is_transient(err)


def test_already_exists_is_a_conflict() -> None:
    assert isinstance(kerr.error_from_response(409, status(409, "AlreadyExists")), kerr.Conflict)


def test_invalid_carries_field_causes() -> None:
    body = status(
        422,
        "Invalid",
        causes=[{"reason": "FieldValueRequired", "message": "Required", "field": "spec.x"}],
    )
    err = kerr.error_from_response(422, body)
    assert err.causes == (kerr.Cause("FieldValueRequired", "Required", "spec.x"),)


def test_retry_after_header_wins_over_details() -> None:
    err = kerr.error_from_response(429, status(429, retryAfterSeconds=7), {"Retry-After": "3"})
    assert err.retry_after == 3.0


def test_retry_after_from_status_details() -> None:
    assert kerr.error_from_response(429, status(429, retryAfterSeconds=7)).retry_after == 7.0


def test_non_status_body_keeps_a_short_message() -> None:
    err = kerr.error_from_response(502, b"<html>bad gateway</html>" + b"x" * 1000)
    assert isinstance(err, kerr.ServerError)
    assert err.message.startswith("<html>bad gateway")
    assert len(err.message) <= 200


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        pytest.param(kerr.TooManyRequests(429), True, id="429"),
        pytest.param(kerr.ServerError(500), True, id="500"),
        pytest.param(kerr.ServerError(503), True, id="503"),
        pytest.param(kerr.ServerError(501), False, id="501"),
        pytest.param(kerr.KubeTimeout("t"), True, id="timeout"),
        pytest.param(kerr.KubeConnectionError("c"), True, id="connection"),
        pytest.param(kerr.Conflict(409), False, id="409"),
        pytest.param(kerr.NotFound(404), False, id="404"),
        pytest.param(kerr.Gone(410), False, id="410"),
    ],
)
def test_only_transient_errors_are_retryable(exc: kerr.KubeError, transient: bool) -> None:
    assert kerr.is_transient(exc) is transient


def test_unparseable_retry_after_is_ignored() -> None:
    assert kerr.parse_retry_after("soon") is None
    assert kerr.parse_retry_after(None) is None
