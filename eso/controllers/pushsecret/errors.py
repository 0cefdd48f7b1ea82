"""The PushSecret controller's error vocabulary: how a push fails, and whether to retry.

One exception type carries the condition message (already safe to show: provider messages are
sanitised, values never appear) and whether the failure may heal by itself. ``retry=False`` is
for what only an edit can fix (an unimplemented field, a bad refresh interval): reported once
and left until the PushSecret changes, so one bad object never becomes a hot retry loop.
"""

from __future__ import annotations


class PushFailedError(Exception):
    """A push (or a cleanup) failed; ``str(e)`` is the condition message."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class SourceMissingError(PushFailedError):
    """The source Secret named by ``selector.secret.name`` does not exist."""
