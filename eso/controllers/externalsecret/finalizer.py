"""ESO's ExternalSecret finalizer, left behind by a migration from ESO: honour it, release it.

eso itself adds no finalizer (Owner Secrets are garbage-collected by the control plane through
their owner reference). An ExternalSecret that ESO marked with its finalizer would otherwise
never finish deleting once ESO is gone, so eso does ESO's cleanup (deletionPolicy Delete:
delete the Secret it controls) and removes the finalizer, with a resourceVersion precondition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eso.api import conditions as c
from eso.api.models import ExternalSecret
from eso.controllers.externalsecret.desired import Target
from eso.controllers.externalsecret.errors import SyncError
from eso.controllers.externalsecret.writer import SecretWriter
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.resources import EXTERNAL_SECRETS


def has_eso_finalizer(raw: Mapping[str, Any]) -> bool:
    return c.FINALIZER_EXTERNAL_SECRET in ((raw.get("metadata") or {}).get("finalizers") or [])


async def release(
    raw: Mapping[str, Any], *, target: Target, client: KubeClient, writer: SecretWriter
) -> None:
    """ESO's cleanup for a deleted ExternalSecret, then drop its finalizer; raises SyncError."""
    meta = raw.get("metadata") or {}
    es = ExternalSecret.model_validate(raw)
    kept = [f for f in meta.get("finalizers") or [] if f != c.FINALIZER_EXTERNAL_SECRET]
    body = {"metadata": {"finalizers": kept, "resourceVersion": meta.get("resourceVersion")}}
    try:
        if es.spec.target.deletion_policy == "Delete":
            await writer.delete_if_controlled(target)
        await client.patch(EXTERNAL_SECRETS, name=es.name, namespace=es.namespace, body=body)
    except KubeError as e:
        raise SyncError(f"could not finalize ExternalSecret: {e}") from e
