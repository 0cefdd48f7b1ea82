"""PushSecret's writes to AWS Secrets Manager: create, put a version, tag, delete, as ESO does.

The rules are ESO's (``providers/v1/aws/secretsmanager``), restated:

- Ownership: a secret eso creates carries ``managed-by: external-secrets``; an existing secret
  without that tag is never written to (``NotManagedError``) and never deleted (left alone).
- A push describes the secret first. Missing: ``CreateSecret`` with the metadata's tags,
  description and KMS key, and ESO's first ClientRequestToken. Present and managed: its tags
  are brought in line with the metadata's (only when the metadata names tags), then the
  current value is read and a new version is put only when the bytes differ, so a steady-state
  refresh writes no value (only ESO's ``DeleteResourcePolicy`` without a policy: ``smpolicy``).
- ``property`` merges the value into the current JSON document (``setpath``); a current value
  that is not JSON fails the push and is left untouched.
- ``secretPushFormat`` ``string`` writes SecretString, the default ``binary`` SecretBinary.
- Deletion honours the store's ``secretsManager.recoveryWindowInDays`` (7 to 30) and
  ``forceDeleteWithoutRecovery`` (not both), checked before any call.

Every write drops the shared value cache's entries of that secret id (all identities and
versions), so an ExternalSecret reading the same secret through this process sees the new
value on its next read instead of a cached old one. ``resourcePolicy`` is ``smpolicy``'s (read
through the controller's ``MetadataRefReader``), ``replicationLocations`` ``smreplication``'s.
Calls are counted in ``externalsecret_provider_api_calls_count`` with ESO's ``call`` labels.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from eso.metrics import ProviderMetrics
from eso.providers.aws.cache import ValueCache
from eso.providers.aws.errors import classify
from eso.providers.aws.pushmeta import (
    FORMAT_STRING,
    MANAGED_BY,
    SecretsManagerMetadata,
    is_managed,
    secrets_manager_metadata,
)
from eso.providers.aws.smpolicy import POLICY_CALLS, desired_policy, put_policy, sync_policy
from eso.providers.aws.smreplication import (
    REPLICATION_CALLS,
    remove_replicas,
    replica_regions,
    sync_replication,
)
from eso.providers.base import (
    ConfigError,
    MetadataRefReader,
    NotManagedError,
    SecretNotFoundError,
)
from eso.providers.pushvalue import extract_value
from eso.providers.setpath import NotJSONDocumentError, set_property

if TYPE_CHECKING:
    from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef
    from eso.api.secretstore import AWSSecretsManager

PROVIDER_LABEL = "AWS/SecretsManager"
CALL_DESCRIBE = "DescribeSecret"
CALL_GET = "GetSecretValue"
CALL_CREATE = "CreateSecret"
CALL_PUT = "PutSecretValue"
CALL_TAG = "TagResource"
CALL_UNTAG = "UntagResource"
CALL_DELETE = "DeleteSecret"
CALLS = (
    CALL_DESCRIBE,
    CALL_GET,
    CALL_CREATE,
    CALL_PUT,
    CALL_TAG,
    CALL_UNTAG,
    CALL_DELETE,
    *POLICY_CALLS,
    *REPLICATION_CALLS,
)
INITIAL_VERSION = "00000000-0000-0000-0000-000000000001"  # ESO's first ClientRequestToken

ERR_NOT_MANAGED = "secret {name!r}: secret not managed by external-secrets"
ERR_RECOVERY_WINDOW = (
    "invalid DeleteSecretInput: RecoveryWindowInDays must be between 7 and 30 days"
)
ERR_RECOVERY_CONFLICT = (
    "invalid DeleteSecretInput: ForceDeleteWithoutRecovery conflicts with RecoveryWindowInDays"
)


def delete_options(config: AWSSecretsManager | None) -> dict[str, Any]:
    """DeleteSecret's recovery options from the store; raises ``ConfigError`` like ESO's
    ``ValidateDeleteSecretInput``."""
    if config is None:
        return {}
    days, force = config.recovery_window_in_days, config.force_delete_without_recovery
    if days and not 7 <= days <= 30:
        raise ConfigError(ERR_RECOVERY_WINDOW)
    if days and force:
        raise ConfigError(ERR_RECOVERY_CONFLICT)
    if force:
        return {"ForceDeleteWithoutRecovery": True}
    return {"RecoveryWindowInDays": days} if days else {}


def _tags(resp: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in resp.get("Tags") or []}


def _payload(resp: Mapping[str, Any]) -> bytes | None:
    if resp.get("SecretString") is not None:
        return str(resp["SecretString"]).encode("utf-8", "surrogateescape")
    binary = resp.get("SecretBinary")
    return bytes(binary) if binary is not None else None


class SecretsManagerWriter:
    """PushSecret writes of one store (its prefix and deletion options) with one identity."""

    def __init__(
        self,
        client: Any,
        *,
        prefix: str,
        cache: ValueCache[Any],
        metrics: ProviderMetrics,
        config: AWSSecretsManager | None = None,
        new_token: Callable[[], str] | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._cache = cache
        self._metrics = metrics
        self._config = config
        self._new_token = new_token or (lambda: str(uuid.uuid4()))
        metrics.provider_started(PROVIDER_LABEL, calls=CALLS)

    async def push_secret(
        self,
        data: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        refs: MetadataRefReader | None = None,
    ) -> None:
        """Create or update ``prefix + remoteKey`` (see the module docstring for the rules)."""
        value = extract_value(data, entry.secret_key)
        meta = secrets_manager_metadata(entry.metadata)
        policy = await desired_policy(meta, refs)  # before any write: a failure writes nothing
        name = self._prefix + entry.remote_key
        try:
            await self._push(name, value, entry, meta, policy=policy)
        finally:
            self._cache.forget_secret(name)

    async def _push(
        self,
        name: str,
        value: bytes,
        entry: PushSecretData,
        meta: SecretsManagerMetadata,
        *,
        policy: str,
    ) -> None:
        try:
            described = await self._call(CALL_DESCRIBE, name, SecretId=name)
        except SecretNotFoundError:
            await self._create(name, _merged(None, entry, value), meta, policy=policy)
            return
        tags = _tags(described)
        if not is_managed(tags):
            raise NotManagedError(ERR_NOT_MANAGED.format(name=name))
        current: bytes | None = None
        if described.get("VersionIdsToStages"):
            current = _payload(await self._call(CALL_GET, name, SecretId=name))
        final = _merged(current, entry, value)
        if entry.metadata and (entry.metadata.get("spec") or {}).get("tags"):
            await self._patch_tags(name, tags, meta.tags)
        secret_id = str(described.get("ARN") or name)
        await sync_policy(self._call, name, secret_id=secret_id, policy=policy, meta=meta)
        wanted = meta.replication_locations
        await sync_replication(
            self._call, name, secret_id=secret_id, wanted=wanted, described=described
        )
        if current is not None and current == final:
            return
        token = INITIAL_VERSION if current is None else self._new_token()
        body = _value_param(final, meta)
        await self._call(CALL_PUT, name, SecretId=name, ClientRequestToken=token, **body)

    async def _create(
        self, name: str, value: bytes, meta: SecretsManagerMetadata, *, policy: str
    ) -> None:
        created = await self._call(
            CALL_CREATE,
            name,
            Name=name,
            Tags=[{"Key": k, "Value": v} for k, v in meta.tags.items()],
            Description=meta.description,
            ClientRequestToken=INITIAL_VERSION,
            KmsKeyId=meta.kms_key_id,
            **_value_param(value, meta),
            **_replicas(meta),
        )
        if policy:
            secret_id = str(created.get("ARN") or name)
            await put_policy(self._call, name, secret_id=secret_id, policy=policy, meta=meta)

    async def _patch_tags(self, name: str, current: dict[str, str], wanted: dict[str, str]) -> None:
        """ESO's patchTags: drop tags the metadata no longer names, then set changed ones."""
        stale = [k for k in current if k not in wanted]
        if stale:
            await self._call(CALL_UNTAG, name, SecretId=name, TagKeys=stale)
        changed = any(current.get(k) != v for k, v in wanted.items() if k != MANAGED_BY)
        if changed:
            tags = [{"Key": k, "Value": v} for k, v in wanted.items()]
            await self._call(CALL_TAG, name, SecretId=name, Tags=tags)

    async def delete_secret(self, ref: PushSecretRemoteRef) -> None:
        """Delete ``prefix + remoteKey`` if eso manages it; missing or foreign: no-op."""
        options = delete_options(self._config)
        name = self._prefix + ref.remote_key
        try:
            described = await self._call(CALL_DESCRIBE, name, SecretId=name)
            if described.get("DeletedDate") is not None or not is_managed(_tags(described)):
                return
            secret_id = described.get("ARN") or name
            await remove_replicas(self._call, name, described=described)
            await self._call(CALL_DELETE, name, SecretId=secret_id, **options)
        except SecretNotFoundError:
            return
        finally:
            self._cache.forget_secret(name)

    async def secret_exists(self, ref: PushSecretRemoteRef) -> bool:
        """Whether ``prefix + remoteKey`` exists (one DescribeSecret)."""
        name = self._prefix + ref.remote_key
        try:
            await self._call(CALL_DESCRIBE, name, SecretId=name)
        except SecretNotFoundError:
            return False
        return True

    async def _call(self, call: str, name: str, **params: Any) -> Any:
        method = getattr(self._client, _snake(call))
        try:
            resp = await method(**params)
        except Exception as e:
            self._metrics.api_calls.labels(PROVIDER_LABEL, call, "error").inc()
            raise classify(e, what=f"secret {name!r}") from e
        self._metrics.api_calls.labels(PROVIDER_LABEL, call, "success").inc()
        return resp


def _merged(current: bytes | None, entry: PushSecretData, value: bytes) -> bytes:
    if not entry.remote_property:
        return value
    try:
        return set_property(current, entry.remote_property, value)
    except NotJSONDocumentError as e:
        raise ConfigError(str(e)) from None


def _value_param(value: bytes, meta: SecretsManagerMetadata) -> dict[str, Any]:
    if meta.secret_push_format == FORMAT_STRING:
        return {"SecretString": value.decode("utf-8", "surrogateescape")}
    return {"SecretBinary": value}


def _replicas(meta: SecretsManagerMetadata) -> dict[str, Any]:
    regions = replica_regions(meta.replication_locations, meta.kms_key_id)
    return {"AddReplicaRegions": regions} if regions else {}


def _snake(call: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in call).lstrip("_")
