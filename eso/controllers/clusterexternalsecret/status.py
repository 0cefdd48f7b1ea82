"""A ClusterExternalSecret's status, as ESO computes it, and whether it needs writing.

ESO sets ``Ready`` True (no message) when every selected namespace got its ExternalSecret and
False with ``one or more namespaces failed`` otherwise; ``failedNamespaces`` lists each failure
(sorted by namespace) and ``provisionedNamespaces`` the successes (sorted). ESO patches the
status on every reconcile; eso compares with the cached status first and writes only on a
difference, so a refresh with nothing new writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eso.api import conditions as c


def ready_condition(failures: Mapping[str, str]) -> dict[str, str]:
    """ESO's ``NewClusterExternalSecretCondition``."""
    if not failures:
        return {"type": c.CONDITION_READY, "status": c.STATUS_TRUE}
    return {
        "type": c.CONDITION_READY,
        "status": c.STATUS_FALSE,
        "message": c.MSG_CES_NAMESPACES_FAILED,
    }


def desired_status(
    current: Mapping[str, Any] | None,
    *,
    external_secret_name: str,
    provisioned: list[str] | None,
    failures: Mapping[str, str],
) -> dict[str, Any]:
    """The status to hold; ``provisioned`` None keeps the current list (ESO on selector errors)."""
    current = current or {}
    others = [
        dict(cond)
        for cond in current.get("conditions") or []
        if cond.get("type") != c.CONDITION_READY
    ]
    kept = current.get("provisionedNamespaces") or []
    return {
        "externalSecretName": external_secret_name,
        "failedNamespaces": [{"namespace": ns, "reason": failures[ns]} for ns in sorted(failures)],
        "provisionedNamespaces": sorted(kept if provisioned is None else provisioned),
        "conditions": [*others, ready_condition(failures)],
    }


def status_changed(current: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> bool:
    """Whether ``desired`` differs from what the object shows (absent lists are empty)."""
    current = current or {}
    return any(
        (current.get(field) or _EMPTY[field]) != (desired.get(field) or _EMPTY[field])
        for field in _EMPTY
    )


_EMPTY: dict[str, Any] = {
    "externalSecretName": "",
    "failedNamespaces": [],
    "provisionedNamespaces": [],
    "conditions": [],
}


def status_patch(desired: Mapping[str, Any]) -> dict[str, Any]:
    """A merge patch writing ``desired``; empty lists become null, as ESO omits them."""
    return {"status": {k: (v if v else None) for k, v in desired.items()}}


def ready_of(status: Mapping[str, Any]) -> str:
    """The Ready status in a status dict ("Unknown" without one)."""
    for cond in status.get("conditions") or []:
        if cond.get("type") == c.CONDITION_READY:
            return str(cond.get("status", c.STATUS_UNKNOWN))
    return c.STATUS_UNKNOWN
