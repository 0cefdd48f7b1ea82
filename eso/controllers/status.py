"""Status conditions and refresh timing, as ESO computes them, without I/O.

Conditions follow ESO's ``SetExternalSecretCondition`` / ``SetSecretStoreCondition``: one
condition per type; setting an identical condition is a no-op, and ``lastTransitionTime`` only
moves when the *status* changes (a new message or reason keeps it). That is what lets the
reconcilers write status only when something changed.

Refresh timing follows ESO's ``shouldRefresh`` / ``getRequeueResult`` with two deliberate
changes: the delay gets random jitter (``ControllerSettings.refresh_jitter``) so objects created
together do not refresh in lockstep, and ``refreshInterval: 0`` still re-syncs when the spec,
labels or annotations change (``syncedResourceVersion``), which ESO only does for the
``OnChange`` policy.

Condition messages are capped at ``MAX_CONDITION_MESSAGE`` characters (eso only): an
ExternalSecret with hundreds of failing items would otherwise write an unbounded status and
event. ``join_failures`` keeps the first failures whole and counts the rest.

Status bodies are plain camelCase dicts, exactly what is sent to the status subresource.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from eso.api import conditions as c

Condition = dict[str, str]


def format_time(moment: datetime) -> str:
    """RFC 3339 with second precision, as ``metav1.Time`` serialises."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """The inverse of ``format_time``; None for a missing or malformed value."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def get_condition(conditions: Sequence[Mapping[str, Any]] | None, type_: str) -> Condition | None:
    """The condition of ``type_``, or None."""
    for cond in conditions or []:
        if cond.get("type") == type_:
            return {k: str(v) for k, v in cond.items()}
    return None


def join_failures(
    prefix: str, failures: Sequence[str], *, limit: int = c.MAX_CONDITION_MESSAGE
) -> str:
    """``prefix`` and the failures joined by "; ", within ``limit`` characters.

    When they do not all fit, the first failures are kept whole (at least the first, cut if it
    alone is too long) and the rest counted: ``...; ... and 7 more``.
    """
    text = prefix + "; ".join(failures)
    if len(text) <= limit or not failures:
        return cap_message(text, limit=limit)
    shown = 1
    while shown < len(failures):
        more = c.MSG_MORE_FAILURES.format(count=len(failures) - shown - 1)
        candidate = prefix + "; ".join(failures[: shown + 1])
        if len(candidate) + len(f"; {more}") > limit:
            break
        shown += 1
    tail = "; " + c.MSG_MORE_FAILURES.format(count=len(failures) - shown)
    head = cap_message(prefix + "; ".join(failures[:shown]), limit=limit - len(tail))
    return head + tail


def cap_message(message: str, *, limit: int = c.MAX_CONDITION_MESSAGE) -> str:
    """``message`` cut to ``limit`` characters (ending in "..." when cut)."""
    if len(message) <= limit:
        return message
    return message[: limit - 3] + "..."


def set_condition(
    conditions: Sequence[Mapping[str, Any]] | None,
    *,
    type_: str,
    status: str,
    reason: str,
    message: str,
    now: datetime,
) -> list[Condition]:
    """A new condition list with ``type_`` set; other conditions are kept in order.

    Identical status, reason and message → the list is returned unchanged. Same status →
    ``lastTransitionTime`` is kept. ``message`` is capped (``cap_message``).
    """
    message = cap_message(message)
    current = [{k: str(v) for k, v in cond.items()} for cond in conditions or []]
    old = get_condition(current, type_)
    if (
        old is not None
        and old.get("status") == status
        and old.get("reason") == reason
        and old.get("message") == message
    ):
        return current
    transition = format_time(now)
    if old is not None and old.get("status") == status and old.get("lastTransitionTime"):
        transition = old["lastTransitionTime"]
    new: Condition = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
    }
    return [cond for cond in current if cond.get("type") != type_] + [new]


# --- ExternalSecret status ------------------------------------------------------------------


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
    new = dict(status)
    new["conditions"] = set_condition(
        status.get("conditions"),
        type_=c.CONDITION_READY,
        status="True",
        reason=reason,
        message=message,
        now=now,
    )
    new["refreshTime"] = format_time(now)
    new["syncedResourceVersion"] = synced_resource_version
    if binding is not None:
        new["binding"] = {"name": binding}
    return new


def es_failed(
    status: Mapping[str, Any], *, reason: str, message: str, now: datetime
) -> dict[str, Any]:
    """ESO's ``markAsFailed``: Ready False; refresh bookkeeping untouched so it retries."""
    new = dict(status)
    new["conditions"] = set_condition(
        status.get("conditions"),
        type_=c.CONDITION_READY,
        status="False",
        reason=reason,
        message=message,
        now=now,
    )
    return new


def store_ready(
    status: Mapping[str, Any],
    *,
    ready: bool,
    reason: str,
    message: str,
    now: datetime,
    capabilities: str | None = None,
) -> dict[str, Any]:
    """A store's status with its Ready condition (and capabilities once validated)."""
    new = dict(status)
    new["conditions"] = set_condition(
        status.get("conditions"),
        type_=c.CONDITION_READY,
        status="True" if ready else "False",
        reason=reason,
        message=message,
        now=now,
    )
    if capabilities is not None:
        new["capabilities"] = capabilities
    return new


def is_ready(status: Mapping[str, Any] | None) -> bool:
    """Whether an object's Ready condition is True."""
    cond = get_condition((status or {}).get("conditions"), c.CONDITION_READY)
    return cond is not None and cond.get("status") == "True"


# --- refresh timing -------------------------------------------------------------------------


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
    refreshed = parse_time(status.get("refreshTime"))
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
    refreshed = parse_time(status.get("refreshTime"))
    left = refresh_interval
    if refreshed is not None:
        elapsed = (now - refreshed).total_seconds()
        left = refresh_interval - elapsed if elapsed >= 0 else 0.0
    return max(0.0, left) + rand() * jitter * refresh_interval
