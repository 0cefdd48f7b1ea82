"""``StatusWriter``: writes ExternalSecret status and bridges the gap until the watch shows it.

After a status write, the informer cache still holds the old object until the watch delivers
the new one. A reconcile in that gap (a requeue, a Secret event) must start from what was
written, or it would see stale conditions and write again. So the writer keeps the status it
wrote, keyed by the resourceVersion it wrote over, and only while the cache still shows that
version. Contract between the two paths:

- the reconcile path calls ``current(key, raw)`` for the status to start from and
  ``write(key, raw, old=, new=)`` to patch it (only when it changed);
- the informer path calls ``observed(key, obj)`` when the cache moved past that version, which
  drops the copy (10k statuses would otherwise be held until each object's next refresh);
- ``forget(key)`` when the ExternalSecret is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from eso.api import conditions as c
from eso.controllers.runtime.conditions import get_condition
from eso.kube.cache import Cache, resource_version
from eso.kube.client import KubeClient
from eso.kube.keys import ObjectKey
from eso.kube.resources import EXTERNAL_SECRETS

log = structlog.get_logger(__name__)


class StatusWriter:
    """Patches ExternalSecret status; remembers a write until the cache catches up."""

    def __init__(self, *, client: KubeClient, external_secrets: Cache) -> None:
        self._client = client
        self._es = external_secrets
        self._written: dict[ObjectKey, tuple[str, dict[str, Any]]] = {}

    def current(self, key: ObjectKey, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The status, including our last write if the cache has not caught up with it yet."""
        written = self._written.get(key)
        if written is not None and written[0] == resource_version(raw):
            return dict(written[1])
        self._written.pop(key, None)
        return dict(raw.get("status") or {})

    async def write(
        self, key: ObjectKey, raw: Mapping[str, Any], *, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        """Patch the status subresource with ``new`` unless it equals ``old``; raises KubeError."""
        if new == old:
            return
        _log_transition(old, new)
        meta = raw.get("metadata") or {}
        await self._client.patch(
            EXTERNAL_SECRETS,
            name=meta.get("name", ""),
            namespace=meta.get("namespace"),
            body={"status": new},
            subresource="status",
        )
        before = resource_version(raw)
        if resource_version(self._es.get(key) or {}) == before:
            self._written[key] = (before, new)
        else:  # the watch already delivered our write (or a newer change): nothing to bridge
            self._written.pop(key, None)

    def observed(self, key: ObjectKey, obj: Mapping[str, Any]) -> None:
        """The informer cached a new version of ``key``: a write over an older one is in it."""
        written = self._written.get(key)
        if written is not None and written[0] != resource_version(obj):
            del self._written[key]

    def forget(self, key: ObjectKey) -> None:
        self._written.pop(key, None)


def _log_transition(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    was = get_condition(old.get("conditions"), c.CONDITION_READY)
    now = get_condition(new.get("conditions"), c.CONDITION_READY)
    if now is not None and (was is None or was.get("reason") != now.get("reason")):
        log.info("status_changed", reason=now.get("reason"))
