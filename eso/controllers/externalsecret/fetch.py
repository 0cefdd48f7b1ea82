"""Fetch every value an ExternalSecret asks for, and say precisely what failed.

All reads of one ExternalSecret are started together so the provider can batch and coalesce
them (the AWS provider gathers concurrent reads into BatchGetSecretValue). The result keeps
ESO's merge order - ``dataFrom`` entries in order, then ``data`` entries on top - and every
failure is described the way ESO words it (``error processing spec.data[0] (key: db),
err: ...``), naming the item and the provider's sanitised error, never a value.

Values are decoded (``decodingStrategy``) and extracted keys converted (``conversionStrategy``)
here, after the read, by ``transform``: ESO's rules, applied outside the provider cache.

Unlike ESO, nothing is dropped silently: a missing provider secret is reported in ``missing``
and the caller decides (deletionPolicy Delete with everything gone deletes the Secret; any
other missing or failed item fails the sync and leaves the Secret untouched).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field

from eso.api import conditions as c
from eso.api.meta import SECRET_KEY_PATTERN
from eso.api.models import AnyStore, ExternalSecret, ExternalSecretDataRemoteRef
from eso.controllers.externalsecret.errors import provider_failure
from eso.controllers.externalsecret.transform import (
    TransformError,
    convert_keys,
    decode,
    decode_map,
)
from eso.controllers.runtime.conditions import join_failures
from eso.controllers.secretstore.access import ProviderAccess
from eso.kube.events import EventRecorder
from eso.providers.base import (
    ProviderError,
    ProviderUnavailableError,
    SecretNotFoundError,
    SecretsClient,
)

_VALID_KEY = re.compile(SECRET_KEY_PATTERN)


@dataclass
class Fetched:
    """What a fetch produced: values by Secret key, plus what went wrong, per item."""

    data: dict[str, bytes] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transient: bool = False


def _data_label(index: int, key: str) -> str:
    return f"spec.data[{index}] (key: {key})"


def _data_from_label(index: int) -> str:
    return f"spec.dataFrom[{index}].extract"


async def fetch_all(es: ExternalSecret, client: SecretsClient, *, max_age: float | None) -> Fetched:
    """Read every ``dataFrom[].extract`` and ``data[]`` item of ``es`` concurrently."""
    extracts = [(i, ref.extract) for i, ref in enumerate(es.spec.data_from) if ref.extract]
    maps: list[Awaitable[dict[str, bytes]]] = [
        client.get_secret_map(ref, max_age=max_age) for _, ref in extracts
    ]
    values: list[Awaitable[bytes]] = [
        client.get_secret(item.remote_ref, max_age=max_age) for item in es.spec.data
    ]
    map_results = await asyncio.gather(*maps, return_exceptions=True)
    value_results = await asyncio.gather(*values, return_exceptions=True)
    out = Fetched()
    for (index, ref), got in zip(extracts, map_results, strict=True):
        label = _data_from_label(index)
        if isinstance(got, BaseException):
            _record_failure(out, label, got)
            continue
        try:
            out.data.update(_extracted(ref, got))
        except TransformError as e:
            out.errors.append(f"error processing {label}, err: {e}")
    for index, (item, value) in enumerate(zip(es.spec.data, value_results, strict=True)):
        label = _data_label(index, item.remote_ref.key)
        if isinstance(value, BaseException):
            _record_failure(out, label, value)
            continue
        try:
            out.data[item.secret_key] = decode(item.remote_ref.decoding_strategy, value)
        except TransformError as e:
            out.errors.append(f"error processing {label}, err: {e}")
    return out


def _extracted(ref: ExternalSecretDataRemoteRef, got: dict[str, bytes]) -> dict[str, bytes]:
    """ESO's order for an extracted map: convert keys, check them, then decode values.

    ESO converts keys only when the entry has no ``rewrite``; eso refuses ``rewrite`` for now
    (``eso.api.features``), so every extracted map is converted.
    """
    converted = convert_keys(ref.conversion_strategy, got)
    bad = sorted(k for k in converted if not _VALID_KEY.match(k))
    if bad:
        raise TransformError(c.ERR_INVALID_KEYS.format(error=f"invalid keys {bad}"))
    return decode_map(ref.decoding_strategy, converted)


def _record_failure(out: Fetched, label: str, error: BaseException) -> None:
    if isinstance(error, asyncio.CancelledError):
        raise error
    if not isinstance(error, Exception):
        raise error
    message = f"error processing {label}, err: {_describe(error)}"
    if isinstance(error, SecretNotFoundError):
        out.missing.append(message)
        return
    out.errors.append(message)
    if not isinstance(error, ProviderError) or _is_transient(error):
        out.transient = True


def _describe(error: Exception) -> str:
    """A provider error's own (sanitised) text; other exceptions only by type."""
    if isinstance(error, ProviderError):
        return str(error)
    return f"unexpected {type(error).__name__}"


def _is_transient(error: ProviderError) -> bool:
    return isinstance(error, ProviderUnavailableError)


@dataclass(frozen=True)
class ReadPolicy:
    """How fresh values must be and how a failed read comes back (``provider_failure``)."""

    max_age: float | None
    interval: float
    slow: float


async def read_store(
    es: ExternalSecret,
    store: AnyStore,
    *,
    access: ProviderAccess,
    recorder: EventRecorder,
    policy: ReadPolicy,
) -> dict[str, bytes] | None:
    """Every requested value; None when deletionPolicy Delete and all of them are gone.

    Raises ``SyncFailedError`` naming every failed item (never a value).
    """
    where = f'{store.kind} "{store.name}"'
    try:
        client = await access.client_for(store, namespace=es.namespace, recorder=recorder)
    except ProviderError as e:
        transient = isinstance(e, ProviderUnavailableError)
        raise _failure(f"{where}: {e}", transient=transient, policy=policy) from e
    try:
        fetched = await fetch_all(es, client, max_age=policy.max_age)
    finally:
        await client.close()
    if es.spec.target.deletion_policy == "Delete" and not fetched.errors and not fetched.data:
        return None
    problems = fetched.errors + fetched.missing
    if problems:
        detail = join_failures(f"{where}: ", problems)
        raise _failure(detail, transient=fetched.transient, policy=policy)
    return fetched.data


def _failure(detail: str, *, transient: bool, policy: ReadPolicy) -> Exception:
    return provider_failure(detail, transient=transient, interval=policy.interval, slow=policy.slow)
