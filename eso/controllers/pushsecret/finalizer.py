"""ESO's PushSecret finalizer (``pushsecret.externalsecrets.io/finalizer``), added and removed.

With ``deletionPolicy: Delete`` the finalizer holds a deleted PushSecret until its remote
secrets are deleted; with ``None`` it is removed (left from an earlier Delete). The write is
a merge patch carrying the resourceVersion read, so a concurrent edit fails with Conflict
(retried) instead of losing someone else's finalizer.
"""

from __future__ import annotations

from eso.api.pushsecret import FINALIZER
from eso.kube.cache import Obj
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.resources import PUSH_SECRETS


def has_finalizer(raw: Obj) -> bool:
    return FINALIZER in ((raw.get("metadata") or {}).get("finalizers") or [])


async def set_finalizer(client: KubeClient, raw: Obj, *, present: bool) -> Obj | None:
    """Add (``present``) or remove ESO's finalizer; returns the object written (None: gone)."""
    meta = raw.get("metadata") or {}
    current = list(meta.get("finalizers") or [])
    wanted = [f for f in current if f != FINALIZER] + ([FINALIZER] if present else [])
    body = {"metadata": {"finalizers": wanted, "resourceVersion": meta.get("resourceVersion")}}
    try:
        return await client.patch(
            PUSH_SECRETS, name=meta.get("name", ""), namespace=meta.get("namespace"), body=body
        )
    except NotFound:
        return None
