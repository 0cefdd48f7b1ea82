"""PushSecret's writes to AWS Parameter Store: put, tag, delete, as ESO does.

ESO's rules (``providers/v1/aws/parameterstore``), restated:

- The value is the entry's key, or without one the whole Secret as JSON (values base64 as Go
  marshals ``[]byte``, or plain strings with ``encodeAsDecoded``). ``property`` is not used
  by Parameter Store, as in ESO.
- The parameter is read first (decrypted). Missing: ``PutParameter`` with ``Overwrite=false``
  and the metadata's tags (``managed-by: external-secrets`` always among them), type,
  description, KMS key (SecureString only) and tier (``Advanced`` with its policies).
- Present: its tags must say eso manages it (else ``NotManagedError``, nothing written); the
  same value means no write at all; a new value is put with ``Overwrite=true`` and the tags
  are then brought in line with the metadata's.
- Deletion deletes a parameter only when eso manages it; missing or foreign is a no-op.

Every write drops the shared value cache's entries of that name (every version, every
identity), so an ExternalSecret reading it sees the new value on its next read. Calls are
counted with ESO's labels (``PutParameter``, ``DeleteParameter``, ``AddTagsToResource``,
``RemoveTagsFromResource``, ``GetParameter``, ``ListTagsForResource``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eso.metrics import ProviderMetrics
from eso.providers.aws.cache import ValueCache
from eso.providers.aws.pushmeta import (
    MANAGED_BY,
    ParameterStoreMetadata,
    is_managed,
    parameter_store_metadata,
)
from eso.providers.aws.ssmerrors import classify_ssm
from eso.providers.base import (
    MetadataRefReader,
    NotManagedError,
    ProviderError,
    SecretNotFoundError,
)
from eso.providers.pushvalue import extract_value, json_of_base64, json_of_strings

if TYPE_CHECKING:
    from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef

PROVIDER_LABEL = "AWS/ParameterStore"
CALL_GET = "GetParameter"
CALL_TAGS = "ListTagsForResource"
CALL_PUT = "PutParameter"
CALL_DELETE = "DeleteParameter"
CALL_ADD_TAGS = "AddTagsToResource"
CALL_REMOVE_TAGS = "RemoveTagsFromResource"
CALLS = (CALL_GET, CALL_TAGS, CALL_PUT, CALL_DELETE, CALL_ADD_TAGS, CALL_REMOVE_TAGS)
RESOURCE_TYPE = "Parameter"
SENSITIVE = "sensitive"  # what SSM shows for an undecrypted SecureString

ERR_NOT_MANAGED = "parameter {name!r}: secret not managed by external-secrets"
ERR_SENSITIVE = (
    "parameter {name!r}: unable to compare 'sensitive' result, ensure to request a decrypted value"
)


def _value(data: Mapping[str, bytes], entry: PushSecretData, meta: ParameterStoreMetadata) -> str:
    if entry.secret_key:
        raw = extract_value(data, entry.secret_key)
    else:
        raw = json_of_strings(data) if meta.encode_as_decoded else json_of_base64(data)
    return raw.decode("utf-8", "surrogateescape")


def _put_params(name: str, value: str, meta: ParameterStoreMetadata) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Name": name,
        "Value": value,
        "Type": meta.secret_type,
        "Description": meta.description,
    }
    if meta.secret_type == "SecureString":
        params["KeyId"] = meta.kms_key_id
    if meta.tier.type == "Advanced":
        params["Tier"] = "Advanced"
        if meta.tier.policies is not None:
            params["Policies"] = json.dumps(meta.tier.policies, separators=(",", ":"))
    return params


class ParameterStoreWriter:
    """PushSecret writes of one store (its prefix) with one identity."""

    def __init__(
        self, client: Any, *, prefix: str, cache: ValueCache[Any], metrics: ProviderMetrics
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._cache = cache
        self._metrics = metrics
        metrics.provider_started(PROVIDER_LABEL, calls=CALLS)

    async def push_secret(
        self,
        data: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        refs: MetadataRefReader | None = None,
    ) -> None:
        """Create or update ``prefix + remoteKey`` (see the module docstring for the rules)."""
        meta = parameter_store_metadata(entry.metadata)
        value = _value(data, entry, meta)
        name = self._prefix + entry.remote_key
        try:
            await self._push(name, value, meta)
        finally:
            self._cache.forget_secret(name)

    async def _push(self, name: str, value: str, meta: ParameterStoreMetadata) -> None:
        params = _put_params(name, value, meta)
        current = await self._current(name)
        if current is None:
            tags = [{"Key": k, "Value": v} for k, v in meta.tags.items()]
            await self._call(CALL_PUT, name, Overwrite=False, Tags=tags, **params)
            return
        tags_now = await self._tags(name)
        if not is_managed(tags_now):
            raise NotManagedError(ERR_NOT_MANAGED.format(name=name))
        if current == SENSITIVE:
            raise ProviderError(ERR_SENSITIVE.format(name=name))
        if current == value:
            return
        await self._call(CALL_PUT, name, Overwrite=True, **params)
        await self._patch_tags(name, tags_now, meta.tags)

    async def _current(self, name: str) -> str | None:
        """The decrypted value, or None when the parameter does not exist."""
        try:
            resp = await self._call(CALL_GET, name, Name=name, WithDecryption=True)
        except SecretNotFoundError:
            return None
        return str((resp.get("Parameter") or {}).get("Value", ""))

    async def _tags(self, name: str) -> dict[str, str]:
        resp = await self._call(CALL_TAGS, name, ResourceType=RESOURCE_TYPE, ResourceId=name)
        return {str(t.get("Key", "")): str(t.get("Value", "")) for t in resp.get("TagList") or []}

    async def _patch_tags(self, name: str, current: dict[str, str], wanted: dict[str, str]) -> None:
        stale = [k for k in current if k not in wanted]
        ident = {"ResourceType": RESOURCE_TYPE, "ResourceId": name}
        if stale:
            await self._call(CALL_REMOVE_TAGS, name, TagKeys=stale, **ident)
        if any(current.get(k) != v for k, v in wanted.items() if k != MANAGED_BY):
            tags = [{"Key": k, "Value": v} for k, v in wanted.items()]
            await self._call(CALL_ADD_TAGS, name, Tags=tags, **ident)

    async def delete_secret(self, ref: PushSecretRemoteRef) -> None:
        """Delete ``prefix + remoteKey`` if eso manages it; missing or foreign: no-op."""
        name = self._prefix + ref.remote_key
        try:
            if await self._current(name) is None or not is_managed(await self._tags(name)):
                return
            await self._call(CALL_DELETE, name, Name=name)
        except SecretNotFoundError:
            return
        finally:
            self._cache.forget_secret(name)

    async def secret_exists(self, ref: PushSecretRemoteRef) -> bool:
        """Whether ``prefix + remoteKey`` exists (one GetParameter)."""
        return await self._current(self._prefix + ref.remote_key) is not None

    async def _call(self, call: str, name: str, **params: Any) -> Any:
        method = getattr(self._client, _snake(call))
        try:
            resp = await method(**params)
        except Exception as e:
            self._metrics.api_calls.labels(PROVIDER_LABEL, call, "error").inc()
            raise classify_ssm(e, what=f"parameter {name!r}") from e
        self._metrics.api_calls.labels(PROVIDER_LABEL, call, "success").inc()
        return resp


def _snake(call: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in call).lstrip("_")
