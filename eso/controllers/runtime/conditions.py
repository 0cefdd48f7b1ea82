"""Status conditions as ESO computes them, without I/O; shared by every controller.

Conditions follow ESO's ``SetExternalSecretCondition`` / ``SetSecretStoreCondition``: one
condition per type; setting an identical condition is a no-op, and ``lastTransitionTime`` only
moves when the *status* changes (a new message or reason keeps it). That is what lets the
reconcilers write status only when something changed. ``ready_status`` is the one way a raw
object's Ready condition is read.

Condition messages are capped at ``MAX_CONDITION_MESSAGE`` characters (eso only): an object
with hundreds of failing items would otherwise write an unbounded status and event.
``join_failures`` keeps the first failures whole and counts the rest.

Status bodies are plain camelCase dicts, exactly what is sent to the status subresource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from eso.api import conditions as c
from eso.api.meta import format_time
from eso.kube.objects import Condition


def get_condition(conditions: Sequence[Mapping[str, Any]] | None, type_: str) -> Condition | None:
    """The condition of ``type_``, or None."""
    for cond in conditions or []:
        if cond.get("type") == type_:
            return _as_condition(cond)
    return None


def _as_condition(raw: Mapping[str, Any]) -> Condition:
    return cast(Condition, {k: str(v) for k, v in raw.items()})


def ready_status(status: Mapping[str, Any] | None) -> str | None:
    """The status (``True``/``False``/``Unknown``) of the Ready condition; None without one."""
    cond = get_condition((status or {}).get("conditions"), c.CONDITION_READY)
    return None if cond is None else cond.get("status")


def is_ready(status: Mapping[str, Any] | None) -> bool:
    """Whether the Ready condition of ``status`` is True."""
    return ready_status(status) == c.STATUS_TRUE


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
    current = [_as_condition(cond) for cond in conditions or []]
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


def with_ready(
    status: Mapping[str, Any], *, ready: bool, reason: str, message: str, now: datetime
) -> dict[str, Any]:
    """A copy of ``status`` with its Ready condition set (``set_condition``'s rules)."""
    new = dict(status)
    new["conditions"] = set_condition(
        status.get("conditions"),
        type_=c.CONDITION_READY,
        status=c.STATUS_TRUE if ready else c.STATUS_FALSE,
        reason=reason,
        message=message,
        now=now,
    )
    return new
