"""A PushSecret's status as ESO writes it, and the one patch that writes it.

ESO sets ``Ready`` (reasons ``Synced``, ``Errored``, ``SourceDeleted``), the
``syncedPushSecrets`` map, and on success ``refreshTime`` and ``syncedResourceVersion``
(``<generation>-<hash of labels and annotations>``, the same as an ExternalSecret's). The whole
status is written with one JSON patch ``add /status``: a merge patch would keep map entries
that were deleted (``syncedPushSecrets`` shrinks when a remote secret is cleaned up).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eso.api import pushconditions as pc
from eso.api.meta import format_time
from eso.api.pushsecret import PushSecret
from eso.controllers.externalsecret.versions import synced_resource_version
from eso.controllers.pushsecret.push import SyncedMap
from eso.controllers.runtime.conditions import set_condition
from eso.kube.cache import Obj


def synced_json(synced: SyncedMap) -> dict[str, Any]:
    """``syncedPushSecrets`` as the API stores it (camelCase, no defaults left out)."""
    return {
        store: {ref: entry.to_dict() for ref, entry in entries.items()}
        for store, entries in synced.items()
    }


def with_ready(
    raw: Obj, *, status: str, reason: str, message: str, now: datetime
) -> dict[str, Any]:
    """The current status with its Ready condition set (transition time kept if same)."""
    current = dict(raw.get("status") or {})
    current["conditions"] = set_condition(
        current.get("conditions"),
        type_="Ready",
        status=status,
        reason=reason,
        message=message,
        now=now,
    )
    return current


def done_status(
    ps: PushSecret, raw: Obj, *, synced: SyncedMap, started: datetime, now: datetime
) -> dict[str, Any]:
    """ESO's ``markAsDone``: Synced, the map, refreshTime and syncedResourceVersion."""
    message = (
        pc.MSG_SYNCED_IF_NOT_EXISTS if ps.spec.update_policy == "IfNotExists" else pc.MSG_SYNCED
    )
    status = with_ready(raw, status="True", reason=pc.REASON_SYNCED, message=message, now=now)
    status["syncedPushSecrets"] = synced_json(synced)
    status["refreshTime"] = format_time(started)
    status["syncedResourceVersion"] = synced_resource_version(raw.get("metadata") or {})
    return status


def status_patch(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON patch writing ``status`` whole."""
    return [{"op": "add", "path": "/status", "value": status}]
