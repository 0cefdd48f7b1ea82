"""The apiextensions controllers: a new CRD's names are accepted, then it is Established.

kube-apiserver's naming controller and establishing controller work from an informer, so a
CRD's create returns before either has run: the stored CRD has ``status.conditions: null``
and is not served yet. Each controller then writes the status once (``NamesAccepted``, then
``Established``, two resourceVersions a watcher sees separately), and the CRD's versions are
served from the second write on. Reproducing the gap keeps clients honest: code that uses a
CRD right after creating it, or reads its conditions as a list, fails here as it would there.

Work is queued by a store listener at commit and done by one background task shortly after,
like the garbage collector; no delay is added beyond yielding to the event loop, because the
real controllers take milliseconds on a single-server cluster too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from localkube.apiserver import crds, objects
from localkube.apiserver.operations import CRDS, Operations
from localkube.apiserver.store import Event

JSONDict = dict[str, Any]


class EstablishingController:
    """Accepts names and establishes each new CRD; ``run`` until cancelled."""

    def __init__(self, ops: Operations) -> None:
        self._ops = ops
        self._wake = asyncio.Event()
        self._pending: set[str] = set()
        ops.store.listeners.append(self._on_event)

    def _on_event(self, event: Event) -> None:
        if event.storage != CRDS or event.type == "DELETED":
            return
        crd = event.obj
        if not crds.is_true(crd, crds.ESTABLISHED) and not crd["metadata"].get("deletionTimestamp"):
            self._pending.add(crd["metadata"]["name"])
            self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # the write that queued the work returns to its client first
            await asyncio.sleep(0)
            for name in sorted(self._pending):
                self._advance(name)

    def _advance(self, name: str) -> None:
        """One controller's write; its own commit queues the next step."""
        self._pending.discard(name)
        crd = self._ops.store.get(CRDS, ("", name))
        if crd is None or crd["metadata"].get("deletionTimestamp"):
            return
        status = crds.controller_step(crd, now=objects.timestamp(self._ops.clock.wall()))
        if status is None:
            return
        rt = self._ops.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert rt is not None
        self._ops.commit(rt, {**crd, "status": status}, crd)
