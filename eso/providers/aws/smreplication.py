"""A pushed secret's replica regions (``metadata.spec.replicationLocations``), as ESO keeps them.

ESO's ``manageRegionReplication``, restated: a new secret is created with ``AddReplicaRegions``
(each region with the metadata's KMS key). On an existing secret nothing is done unless the
metadata sets ``replicationLocations``; when it does (``[]`` included), regions the secret
replicates to and the list lacks are removed (``RemoveRegionsFromReplication``) and the missing
ones added (``ReplicateSecretToRegions``, with the secret's own KMS key). Before deleting a
secret ESO removes its replicas, since Secrets Manager refuses to delete a secret that has any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

CALL_REPLICATE: Final = "ReplicateSecretToRegions"
CALL_REMOVE_REGIONS: Final = "RemoveRegionsFromReplication"
REPLICATION_CALLS: Final = (CALL_REPLICATE, CALL_REMOVE_REGIONS)

Call = Callable[..., Awaitable[Any]]  # the writer's counted call: (call, name, **params)


def replica_regions(regions: list[str] | None, kms_key_id: str | None) -> list[dict[str, str]]:
    """``AddReplicaRegions`` for ``regions`` (empty: none)."""
    extra = {"KmsKeyId": kms_key_id} if kms_key_id else {}
    return [{"Region": region, **extra} for region in regions or []]


def current_regions(described: Mapping[str, Any]) -> list[str]:
    """The regions a described secret replicates to."""
    return [str(s.get("Region", "")) for s in described.get("ReplicationStatus") or []]


async def sync_replication(
    call: Call,
    name: str,
    *,
    secret_id: str,
    wanted: list[str] | None,
    described: Mapping[str, Any],
) -> None:
    """Bring an existing secret's replica regions in line with ``wanted`` (None: leave them)."""
    if wanted is None:
        return
    current = current_regions(described)
    stale = [region for region in current if region not in wanted]
    if stale:
        await call(CALL_REMOVE_REGIONS, name, SecretId=secret_id, RemoveReplicaRegions=stale)
    missing = [region for region in wanted if region not in current]
    if missing:
        regions = replica_regions(missing, described.get("KmsKeyId"))
        await call(CALL_REPLICATE, name, SecretId=secret_id, AddReplicaRegions=regions)


async def remove_replicas(call: Call, name: str, *, described: Mapping[str, Any]) -> None:
    """Drop every replica before a deletion (Secrets Manager refuses it otherwise)."""
    regions = current_regions(described)
    if regions:
        await call(CALL_REMOVE_REGIONS, name, SecretId=name, RemoveReplicaRegions=regions)
