"""Kubernetes ``Status`` bodies and the error that carries them out of a handler.

Clients branch on ``code`` and ``reason`` and show ``message`` to people, so each
constructor reproduces kube-apiserver's wording (``k8s.io/apimachinery/pkg/api/errors``):
a test that passes here must pass against a real cluster and vice versa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class Cause:
    """One entry of ``details.causes``: a field error or an internal reason."""

    reason: str
    message: str
    field: str = ""

    def as_dict(self) -> JSONDict:
        out: JSONDict = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class ApiError(Exception):
    """An HTTP failure rendered as a ``Status`` body; handlers raise, the server renders."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: JSONDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> JSONDict:
        return failure_status(self.code, self.reason, self.message, details=self.details)


def failure_status(code: int, reason: str, message: str, *, details: JSONDict | None) -> JSONDict:
    out: JSONDict = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
    }
    if reason:  # Go omits an empty (Unknown) reason
        out["reason"] = reason
    if details is not None:
        out["details"] = details
    out["code"] = code
    return out


def success_status(*, name: str, group: str, plural: str, uid: str) -> JSONDict:
    """What DELETE returns for kinds whose storage does not return the deleted object."""
    details: JSONDict = {"name": name, "kind": plural, "uid": uid}
    if group:
        details["group"] = group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def qualified(plural_or_kind: str, group: str) -> str:
    """``secrets`` or ``externalsecrets.external-secrets.io``, as in messages."""
    return f"{plural_or_kind}.{group}" if group else plural_or_kind


def _details(name: str, group: str, kind: str, **extra: Any) -> JSONDict:
    out: JSONDict = {"name": name}
    if group:
        out["group"] = group
    out["kind"] = kind
    out.update(extra)
    return out


def not_found(*, plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{qualified(plural, group)} "{name}" not found',
        details=_details(name, group, plural),
    )


def already_exists(*, plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{qualified(plural, group)} "{name}" already exists',
        details=_details(name, group, plural),
    )


def conflict(*, plural: str, group: str, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": {why}',
        details=_details(name, group, plural),
    )


MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)
# a second DELETE of a Namespace the namespace controller is still emptying (namespace REST)
NAMESPACE_TERMINATING = (
    "The system is ensuring all content is removed from this namespace.  Upon completion, "
    "this namespace will automatically be purged by the system."
)
# rest.BeforeDelete's precondition checks (k8s.io/apiserver/pkg/registry/rest/delete.go)
UID_PRECONDITION = (
    "the UID in the precondition ({sent}) does not match the UID in record ({stored}). "
    "The object might have been deleted and then recreated"
)
RV_PRECONDITION = (
    "the ResourceVersion in the precondition ({sent}) does not match the ResourceVersion in "
    "record ({stored}). The object might have been modified"
)


def invalid(*, kind: str, group: str, name: str, causes: list[Cause]) -> ApiError:
    """422 like ``errors.NewInvalid``: one message listing every field error.

    The message lists each distinct error once (``ErrorList.ToAggregate``); the causes keep
    every one, in order.
    """
    parts = list(dict.fromkeys(f"{c.field}: {c.message}" if c.field else c.message for c in causes))
    listed = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(
        422,
        "Invalid",
        f'{qualified(kind, group)} "{name}" is invalid: {listed}',
        details=_details(name, group, kind, causes=[c.as_dict() for c in causes]),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(*, plural: str, group: str, name: str, why: str, causes: list[Cause]) -> ApiError:
    named = f'{qualified(plural, group)} "{name}"' if name else qualified(plural, group)
    return ApiError(
        403,
        "Forbidden",
        f"{named} is forbidden: {why}",
        details=_details(
            name, group, plural, **({"causes": [c.as_dict() for c in causes]} if causes else {})
        ),
    )


def method_not_supported(*, plural: str, group: str, verb: str) -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        f"{verb} is not supported on resources of kind {qualified(plural, group)!r}",
        details={"group": group, "kind": plural} if group else {"kind": plural},
    )


def unsupported_media_type(content_type: str) -> ApiError:
    accepted = "application/json, application/yaml"
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{accepted} (got {content_type or 'none'})",
    )


def unsupported_patch_type(accepted: Sequence[str]) -> ApiError:
    """negotiation.NewUnsupportedMediaTypeError(patchTypes), as the PATCH handler answers."""
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def resource_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", details={})


def too_many_requests(*, retry_after: int) -> ApiError:
    return ApiError(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        details={"retryAfterSeconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def internal_error(message: str) -> ApiError:
    return ApiError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        details={"causes": [{"message": message}]},
    )
