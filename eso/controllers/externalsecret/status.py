"""An ExternalSecret's status and refresh timing, as ESO computes them, without I/O.

Status follows ESO's ``markAsDone`` / ``markAsFailed`` (conditions from
``eso.controllers.runtime.conditions``). Refresh timing follows ESO's ``shouldRefresh`` /
``getRequeueResult`` with two deliberate changes: the delay gets random jitter
(``ControllerSettings.refresh_jitter``) so objects created together do not refresh in
lockstep, and ``refreshInterval: 0`` still re-syncs when the spec, labels or annotations
change (``syncedResourceVersion``), which ESO only does for the ``OnChange`` policy.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from eso.api.meta import format_time, parse_time
from eso.controllers.runtime.conditions import with_ready


def _parsed(text: str | None) -> datetime | None:
    """A status timestamp; None when missing or malformed (a human may have written it)."""
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def es_synced(
    status: Mapping[str, Any],
    *,
    reason: str,
    message: str,
    now: datetime,
    synced_resource_version: str,
    binding: str | None,
) -> dict[str, Any]:
    """ESO's ``markAsDone``: Ready True, refreshTime and syncedResourceVersion updated."""
    new = with_ready(status, ready=True, reason=reason, message=message, now=now)
    new["refreshTime"] = format_time(now)
    new["syncedResourceVersion"] = synced_resource_version
    if binding is not None:
        new["binding"] = {"name": binding}
    return new


def es_failed(
    status: Mapping[str, Any], *, reason: str, message: str, now: datetime
) -> dict[str, Any]:
    """ESO's ``markAsFailed``: Ready False; refresh bookkeeping untouched so it retries."""
    return with_ready(status, ready=False, reason=reason, message=message, now=now)


def should_refresh(
    *,
    status: Mapping[str, Any],
    refresh_interval: float,
    refresh_policy: str | None,
    current_version: str,
    now: datetime,
) -> bool:
    """Whether provider data must be fetched again (ESO's ``shouldRefresh``)."""
    synced_version = status.get("syncedResourceVersion") or ""
    refreshed = _parsed(status.get("refreshTime"))
    if not synced_version or refreshed is None:
        return True
    if refresh_policy == "CreatedOnce":
        return False
    if synced_version != current_version:
        return True
    if refresh_policy == "OnChange" or refresh_interval <= 0:
        return False
    if refreshed > now:
        return True
    return (now - refreshed).total_seconds() >= refresh_interval


def requeue_after(
    *,
    status: Mapping[str, Any],
    refresh_interval: float,
    refresh_policy: str | None,
    now: datetime,
    jitter: float,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds until the next periodic refresh, jittered; None when there is none.

    The jitter is a random fraction (up to ``jitter``) of the interval, added to the time
    left, so a fleet created at once spreads out over ``jitter * interval`` after a refresh.
    """
    if refresh_interval <= 0 or refresh_policy in (
        "CreatedOnce",
        "OnChange",
    ):
        return None
    refreshed = _parsed(status.get("refreshTime"))
    left = refresh_interval
    if refreshed is not None:
        elapsed = (now - refreshed).total_seconds()
        left = refresh_interval - elapsed if elapsed >= 0 else 0.0
    return max(0.0, left) + rand() * jitter * refresh_interval
