"""AWS failures → our ``ProviderError`` hierarchy, with messages safe to show anywhere.

botocore errors carry request ids, sometimes the signing ``Credential=AKIA.../scope`` string,
and occasionally an access key id; status conditions and events are readable by anyone who can
read the object, so every message is rebuilt from the error code and a sanitised message
(ESO's ``SanitizeErr`` strips the same things). The classification drives behaviour: a missing
secret is ``SecretNotFoundError`` (ESO also treats "marked for deletion" that way), bad or
forbidden credentials are ``AuthError``, throttling, 5xx and network trouble are
``ProviderUnavailableError`` (retried with backoff by the worker loop).
"""

from __future__ import annotations

import re

import aiohttp
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from eso.providers.base import (
    AuthError,
    ConfigError,
    ProviderError,
    ProviderUnavailableError,
    SecretNotFoundError,
)

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException"})
AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthFailure",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidIdentityToken",  # AssumeRoleWithWebIdentity: token not trusted (issuer, audience)
        "IDPRejectedClaim",
    }
)
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServiceError",
        "InternalServiceErrorException",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "IDPCommunicationError",
    }
)
CONFIG_CODES = frozenset({"ValidationException", "InvalidParameterException"})

_SCRUB = (
    re.compile(r"(?i)request[ _-]?id:?\s*[\w-]+"),
    re.compile(r" ?Credential=\S+"),
    re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b"),
    re.compile(r"(?i)(signature|security token|session token)[=:]\s*\S+"),
    re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"),  # a JWT (web identity token) echoed back
)


def sanitize(message: str) -> str:
    """Strip request ids, signing credentials and access key ids from ``message``."""
    for pattern in _SCRUB:
        message = pattern.sub("", message)
    return " ".join(message.split())


def is_access_denied(e: BaseException) -> bool:
    return error_code(e) in ACCESS_DENIED_CODES


def _is_marked_for_deletion(code: str, message: str) -> bool:
    return code in ("InvalidRequestException", "InvalidParameterException") and (
        "marked for deletion" in message
    )


def from_code(code: str, message: str, *, what: str) -> ProviderError:
    """The ``ProviderError`` for an AWS error ``code`` about ``what`` (e.g. a secret id)."""
    text = f"{what}: {code}: {sanitize(message)}" if message else f"{what}: {code}"
    if code in NOT_FOUND_CODES or _is_marked_for_deletion(code, message):
        return SecretNotFoundError(f"{what}: secret not found ({code})")
    if code in AUTH_CODES:
        return AuthError(text)
    if code in UNAVAILABLE_CODES:
        return ProviderUnavailableError(text)
    if code in CONFIG_CODES:
        return ConfigError(text)
    return ProviderError(text)


_XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def _code_and_message(e: ClientError) -> tuple[str, str]:
    """The error code and message, also from an XML error body botocore could not parse.

    Secrets Manager speaks JSON, but an authentication failure rendered by a generic front end
    can come back as an XML ``ErrorResponse`` (moto does this for IAM auth failures); botocore
    then reports the HTTP status as the code and the raw XML as the message.
    """
    err = e.response.get("Error", {})
    code, message = str(err.get("Code", "")), str(err.get("Message", ""))
    xml_code = _XML_CODE.search(message)
    if xml_code is not None and (not code or code.isdigit()):
        xml_message = _XML_MESSAGE.search(message)
        return xml_code.group(1), xml_message.group(1) if xml_message else ""
    return code or "UnknownError", message


def error_code(e: BaseException) -> str:
    """The AWS error code of a ``ClientError`` (``""`` for anything else)."""
    if isinstance(e, ClientError):
        return _code_and_message(e)[0]
    return ""


def _client_error(e: ClientError, what: str) -> ProviderError:
    code, message = _code_and_message(e)
    status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    mapped = from_code(code, message, what=what)
    if type(mapped) is ProviderError and status >= 500:
        return ProviderUnavailableError(str(mapped))
    return mapped


def classify(e: BaseException, *, what: str) -> ProviderError:
    """Map any exception raised by an AWS call about ``what`` to a sanitised ``ProviderError``."""
    if isinstance(e, ProviderError):
        return e
    if isinstance(e, ClientError):
        return _client_error(e, what)
    if isinstance(e, NoCredentialsError | PartialCredentialsError):
        return AuthError(f"{what}: no usable AWS credentials: {sanitize(str(e))}")
    if isinstance(e, NoRegionError):
        return ConfigError(f"{what}: no AWS region configured")
    if isinstance(e, ConnectionError | HTTPClientError | aiohttp.ClientError | TimeoutError):
        return ProviderUnavailableError(f"{what}: cannot reach AWS: {type(e).__name__}")
    if isinstance(e, BotoCoreError):
        return ProviderError(f"{what}: {sanitize(str(e))}")
    return ProviderError(f"{what}: unexpected error {type(e).__name__}")
