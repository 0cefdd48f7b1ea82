"""A pushed secret's resource policy (``metadata.spec.resourcePolicy``), as ESO manages it.

ESO's ``manageResourcePolicy`` and ``resolveResourcePolicy``, restated: the policy JSON is the
``policySourceRef.key`` of a ConfigMap or Secret in the PushSecret's namespace. A new secret
gets it with ``PutResourcePolicy`` right after ``CreateSecret``. On an existing secret the
current policy is read (``GetResourcePolicy``) and put only when it differs as JSON; without
``resourcePolicy`` in the metadata (or with an empty policy) ESO deletes the secret's policy on
every push (``DeleteResourcePolicy``, "no policy" not an error), so a policy set by hand on a
secret eso pushes is removed at its next refresh, as under ESO. ``blockPublicPolicy`` is passed
when set.

Two deliberate differences, both so a failed push writes nothing: the policy is resolved and
parsed before any write (ESO resolves it after ``CreateSecret``), and a ``resourcePolicy``
without ``policySourceRef`` is refused on create too (ESO skips it there but fails on update).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

from eso.providers.aws.pushmeta import SecretsManagerMetadata
from eso.providers.base import (
    ConfigError,
    MetadataRefReader,
    ProviderError,
    SecretNotFoundError,
)

CALL_GET_POLICY: Final = "GetResourcePolicy"
CALL_PUT_POLICY: Final = "PutResourcePolicy"
CALL_DELETE_POLICY: Final = "DeleteResourcePolicy"
POLICY_CALLS: Final = (CALL_GET_POLICY, CALL_PUT_POLICY, CALL_DELETE_POLICY)
SOURCE_KINDS: Final = ("ConfigMap", "Secret")

ERR_RESOLVE: Final = "failed to resolve resource policy: {error}"
ERR_NO_SOURCE: Final = "policySourceRef is nil"
ERR_KIND: Final = "unsupported PolicySourceRef kind: {kind} (must be ConfigMap or Secret)"
ERR_NO_READER: Final = "this controller cannot read policy sources"
ERR_JSON: Final = "failed to unmarshal {which} resource policy"

Call = Callable[..., Awaitable[Any]]  # the writer's counted call: (call, name, **params)


def _parsed(policy: str, *, which: str) -> Any:
    if not policy:
        return None
    try:
        return json.loads(policy)
    except ValueError:
        raise ConfigError(ERR_JSON.format(which=which)) from None


async def desired_policy(meta: SecretsManagerMetadata, refs: MetadataRefReader | None) -> str:
    """The policy JSON the metadata asks for; ``""`` for none. Raises ``ProviderError``."""
    policy = meta.resource_policy
    if policy is None:
        return ""
    source = policy.policy_source_ref
    if source is None:
        raise ConfigError(ERR_RESOLVE.format(error=ERR_NO_SOURCE))
    if source.kind not in SOURCE_KINDS:
        raise ConfigError(ERR_RESOLVE.format(error=ERR_KIND.format(kind=source.kind)))
    if refs is None:
        raise ConfigError(ERR_RESOLVE.format(error=ERR_NO_READER))
    try:
        text = await refs(source.kind, source.name, source.key)
    except ProviderError as e:
        raise type(e)(ERR_RESOLVE.format(error=e)) from None
    _parsed(text, which="desired")
    return text


async def put_policy(
    call: Call, name: str, *, secret_id: str, policy: str, meta: SecretsManagerMetadata
) -> None:
    """PutResourcePolicy ``policy`` (with ``blockPublicPolicy`` when the metadata sets it)."""
    params: dict[str, Any] = {"SecretId": secret_id, "ResourcePolicy": policy}
    block = meta.resource_policy.block_public_policy if meta.resource_policy else None
    if block is not None:
        params["BlockPublicPolicy"] = block
    await call(CALL_PUT_POLICY, name, **params)


async def sync_policy(
    call: Call, name: str, *, secret_id: str, policy: str, meta: SecretsManagerMetadata
) -> None:
    """An existing secret: delete its policy (none wanted) or put ``policy`` if it differs."""
    if not policy:
        with contextlib.suppress(SecretNotFoundError):  # no policy is not an error
            await call(CALL_DELETE_POLICY, name, SecretId=secret_id)
        return
    try:
        current = await call(CALL_GET_POLICY, name, SecretId=secret_id)
    except SecretNotFoundError:
        current = {}
    existing = str(current.get("ResourcePolicy") or "")
    if _parsed(existing, which="current") == _parsed(policy, which="desired"):
        return
    await put_policy(call, name, secret_id=secret_id, policy=policy, meta=meta)
