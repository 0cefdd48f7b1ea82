"""The store controller's error vocabulary: how a store fails validation.

``StoreValidationError`` carries the Ready condition message (ESO's "unable to create client" /
"unable to validate store") and the cause for the Warning event; ``transient`` says whether the
worker should retry it with backoff (provider unavailable) or wait for the next revalidation.
"""

from __future__ import annotations

from eso.controllers.runtime.worker import HandledError
from eso.providers.base import ProviderError, ProviderUnavailableError


class StoreValidationError(HandledError):
    """Validation failed; ``message`` is the condition message, ``cause`` the event text.

    A ``HandledError``: the reconciler logs it (``store_invalid``) and writes status and an
    event before re-raising a transient one, so the worker only retries it.
    """

    def __init__(self, message: str, cause: str, *, transient: bool = False) -> None:
        super().__init__(f"{message}: {cause}")
        self.message = message
        self.cause = cause
        self.transient = transient


def invalid(message: str, error: ProviderError) -> StoreValidationError:
    """A ``StoreValidationError`` for a provider failure; transient when it may heal."""
    transient = isinstance(error, ProviderUnavailableError)
    return StoreValidationError(message, str(error), transient=transient)
