"""Parameter Store failures → our ``ProviderError`` hierarchy, on top of ``errors.py``.

SSM has its own error codes for what Secrets Manager calls ``ResourceNotFoundException``:
``ParameterNotFound`` is a missing parameter (``SecretNotFoundError``, as ESO's ``NoSecretErr``,
so deletionPolicy Delete may act on it), while a missing version or label
(``ParameterVersionNotFound``, ``ParameterVersionLabelNotFound``) is a mistake in the
ExternalSecret that must never delete anything, as in ESO. A SecureString whose KMS key the
caller may not use comes back as ``AccessDeniedException`` (or ``InvalidKeyId``, ``KMS*``)
naming KMS; it is an ``AuthError`` about that parameter alone. Everything else is mapped by
``errors.classify``; messages are sanitised there and never contain a value.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from eso.providers.aws.errors import classify, error_code, from_code, sanitize
from eso.providers.base import AuthError, ProviderError, SecretNotFoundError

PARAMETER_NOT_FOUND = "ParameterNotFound"
VERSION_NOT_FOUND_CODES = frozenset({"ParameterVersionNotFound", "ParameterVersionLabelNotFound"})
KMS_CODES = frozenset(
    {"InvalidKeyId", "KMSAccessDeniedException", "KMSDisabledException", "KMSNotFoundException"}
)

MSG_NOT_FOUND = "{what}: parameter not found ({code})"
MSG_VERSION_NOT_FOUND = "{what}: version not found ({code})"
MSG_KMS = "{what}: cannot decrypt the SecureString with its KMS key ({code}): {message}"


def from_ssm_code(code: str, message: str, *, what: str) -> ProviderError:
    """The ``ProviderError`` for an SSM error ``code`` about ``what`` (a parameter)."""
    if code == PARAMETER_NOT_FOUND:
        return SecretNotFoundError(MSG_NOT_FOUND.format(what=what, code=code))
    if code in VERSION_NOT_FOUND_CODES:
        return ProviderError(MSG_VERSION_NOT_FOUND.format(what=what, code=code))
    if _is_kms(code, message):
        return AuthError(MSG_KMS.format(what=what, code=code, message=sanitize(message)))
    return from_code(code, message, what=what)


def classify_ssm(e: BaseException, *, what: str) -> ProviderError:
    """Map any exception of an SSM call about ``what`` to a sanitised ``ProviderError``."""
    if isinstance(e, ClientError):
        code = error_code(e)
        message = str(e.response.get("Error", {}).get("Message", ""))
        if code == PARAMETER_NOT_FOUND or code in VERSION_NOT_FOUND_CODES or _is_kms(code, message):
            return from_ssm_code(code, message, what=what)
    return classify(e, what=what)


def denied_action(e: BaseException) -> str:
    """The error message of an AccessDenied ``ClientError`` (to see which action was denied)."""
    if isinstance(e, ClientError):
        return str(e.response.get("Error", {}).get("Message", ""))
    return ""


def _is_kms(code: str, message: str) -> bool:
    return code in KMS_CODES or (code.startswith("AccessDenied") and "kms" in message.lower())
