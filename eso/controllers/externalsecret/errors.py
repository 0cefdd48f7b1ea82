"""The ExternalSecret controller's error vocabulary: one place for how a sync fails.

- ``SyncFailedError`` ends a sync with the Ready condition to write (reason, message) and how
  to come back: retried with backoff (``retry``) or at a fixed time (``requeue_after``).
  Messages are ESO's wording (``could not get secret data from provider: ...``) with the
  sanitised cause; never a value.
- ``SyncError`` is a failure that may heal by itself and was not reported (a Conflict: someone
  wrote first); the worker retries it with backoff.
- ``SyncReportedError`` is a ``SyncError`` already logged and written to status and events.
- ``StoreUnavailableError`` is what store lookup raises for a store that is missing.
"""

from __future__ import annotations

from eso.api import conditions as c
from eso.controllers.runtime.worker import HandledError
from eso.kube.errors import KubeError


class SyncError(Exception):
    """A sync failed in a way that may heal; the worker retries with backoff."""


class SyncReportedError(SyncError, HandledError):
    """A SyncError whose failure was already logged and written to status and events."""


class SyncFailedError(Exception):
    """Ends a sync: the Ready condition to write, and whether to retry with backoff."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = c.REASON_SECRET_SYNCED_ERROR,
        retry: bool = True,
        requeue_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.reason, self.retry = message, reason, retry
        self.requeue_after = requeue_after


def update_failed(error: KubeError, what: str = c.MSG_ERROR_UPDATE_SECRET) -> SyncFailedError:
    return SyncFailedError(c.MSG_ERROR_DETAIL.format(message=what, detail=str(error)))


def get_data_failed(
    detail: str, *, retry: bool = True, requeue_after: float | None = None
) -> SyncFailedError:
    """ESO's "could not get secret data from provider: <detail>" failure."""
    message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_GET_SECRET_DATA, detail=detail)
    return SyncFailedError(message, retry=retry, requeue_after=requeue_after)


def provider_failure(
    detail: str, *, transient: bool, interval: float, slow: float
) -> SyncFailedError:
    """A provider failure, retried according to whether it may heal by itself.

    Transient failures (provider unavailable, throttled, unexpected errors) are retried by the
    worker with per-key exponential backoff, as ESO retries every error. Permanent ones (secret
    or property not found, denied, bad config) do not heal in seconds: someone must change AWS
    or the spec. A spec change reconciles at once (watch); an AWS change is seen at the next
    attempt, so those retry on a fixed schedule - the refresh interval, at most ``slow`` (the
    store requeue interval: 5 min by default, like the backoff cap, so never slower than
    backoff's steady state; also when refreshInterval is 0, which must still sync once) -
    instead of calls at 1, 2, 4 ... s that cannot succeed. Errors of any other kind and any
    failure mixed with a transient one keep the backoff.
    """
    if transient:
        return get_data_failed(detail)
    after = min(interval, slow) if interval > 0 else slow
    return get_data_failed(detail, retry=False, requeue_after=after)


def template_failed(detail: str, *, interval: float, slow: float) -> SyncFailedError:
    """ESO's "could not update secret: could not apply template: ..." failure.

    Not retried with backoff: a template, its sources or the fetched values must change
    first. Spec and source edits reconcile at once (watches); provider changes are seen on the
    same fixed schedule as permanent provider failures (``provider_failure``).
    """
    message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=detail)
    after = min(interval, slow) if interval > 0 else slow
    return SyncFailedError(message, retry=False, requeue_after=after)


class StoreUnavailableError(Exception):
    """The referenced store does not exist (yet); the message is ESO's."""
