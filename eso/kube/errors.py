"""Typed Kubernetes API errors, built from the server's ``Status`` body.

Callers branch on type (``except NotFound``), never on status codes or message text, like
client-go's ``apierrors.IsNotFound``. ``is_transient`` is the one place deciding what the client
retries: 429, 5xx except 501 (``ServerTimeout`` among them), timeouts and connection errors.
Messages come from the API server, which never echoes object data in a Status, so they are safe
to log.
"""

# The names are client-go's (apierrors.IsNotFound, ...) and part of our contract.
# ruff: noqa: N818

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any


class KubeError(Exception):
    """Base of every error raised by ``eso.kube``."""


@dataclass(frozen=True, slots=True)
class Cause:
    """One entry of ``Status.details.causes`` (a field validation failure for 422)."""

    reason: str
    message: str
    field: str


class ApiError(KubeError):
    """The API server answered with an error ``Status``."""

    def __init__(
        self,
        status: int,
        reason: str = "",
        message: str = "",
        causes: tuple[Cause, ...] = (),
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {reason}: {message}" if reason else f"{status}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.causes = causes
        self.retry_after = retry_after


class BadRequest(ApiError):
    """400."""


class Unauthorized(ApiError):
    """401: credentials missing, expired or rejected."""


class Forbidden(ApiError):
    """403: RBAC denies the request."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409 other than AlreadyExists: a resourceVersion or precondition mismatch."""


class AlreadyExists(Conflict):
    """409 with reason AlreadyExists (a create of an existing name)."""


class Gone(ApiError):
    """410 (reason Expired or Gone): the requested resourceVersion is too old; relist."""


class Invalid(ApiError):
    """422: the object failed validation; ``causes`` name the fields."""


class TooManyRequests(ApiError):
    """429: the server shed the request; ``retry_after`` is its hint in seconds (or None)."""


class ServerError(ApiError):
    """5xx."""


class ServerTimeout(ServerError):
    """504, or reason Timeout / ServerTimeout: the server gave up in time; retry later.

    client-go's IsTimeout and IsServerTimeout; kube-apiserver answers ServerTimeout with a 500
    (and ``retryAfterSeconds``) and Timeout with a 504, and a proxy may send a bare 504.
    """


class KubeTimeout(KubeError):
    """No answer within the client's timeout (the request may or may not have been applied)."""


class KubeConnectionError(KubeError):
    """The TCP/TLS connection failed or broke before a response arrived."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


_TIMEOUT_REASONS = frozenset({"Timeout", "ServerTimeout"})


def error_from_status(
    status: int, body: Mapping[str, Any] | None, *, retry_after: float | None = None
) -> ApiError:
    """Build the typed error for an HTTP status and a decoded ``Status`` body (may be None)."""
    body = body or {}
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or "")
    details = body.get("details") or {}
    causes = tuple(
        Cause(
            reason=str(c.get("reason", "")),
            message=str(c.get("message", "")),
            field=str(c.get("field", "")),
        )
        for c in details.get("causes") or ()
        if isinstance(c, Mapping)
    )
    if retry_after is None and details.get("retryAfterSeconds"):
        retry_after = float(details["retryAfterSeconds"])
    cls = _BY_STATUS.get(status)
    if status == 409 and reason == "AlreadyExists":
        cls = AlreadyExists
    elif status == 504 or reason in _TIMEOUT_REASONS:
        cls = ServerTimeout
    elif cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(status, reason, message, causes, retry_after=retry_after)


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> ApiError:
    """Typed error from a raw HTTP error response; tolerates non-JSON bodies (proxies)."""
    decoded: Any = None
    try:
        decoded = json.loads(body) if body else None
    except ValueError:
        decoded = None
    if not isinstance(decoded, Mapping) or decoded.get("kind") != "Status":
        text = body[:200].decode("utf-8", "replace").strip() if body else ""
        decoded = {"message": text}
    retry_after = parse_retry_after((headers or {}).get("Retry-After"))
    return error_from_status(status, decoded, retry_after=retry_after)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same request later may succeed (429, 5xx but 501, I/O)."""
    if isinstance(exc, KubeTimeout | KubeConnectionError | TooManyRequests):
        return True
    return isinstance(exc, ServerError) and exc.status != 501
