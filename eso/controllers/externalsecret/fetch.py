"""Fetch every value an ExternalSecret asks for, and say precisely what failed.

All reads of one ExternalSecret are started together so the provider can batch and coalesce
them (the AWS provider gathers concurrent reads into BatchGetSecretValue). The result keeps
ESO's merge order - ``dataFrom`` entries in order, then ``data`` entries on top - and every
failure is described the way ESO words it (``error processing spec.data[0] (key: db),
err: ...``), naming the item and the provider's sanitised error, never a value.

Values are decoded (``decodingStrategy``) and the keys of extracted and found maps renamed
here, after the read: by ``rewrite`` when the entry has one, else by ``transform``'s
``conversionStrategy`` (ESO never does both); empty keys are dropped and the rest checked.
ESO's rules, applied outside the provider cache. ``find.name.regexp`` is compiled here with
Go's RE2 rules and handed to the provider as a matcher.

Each entry reads from its own store when it names one (``sourceRef.storeRef``): one client
per distinct store per sync, built concurrently; a per-entry store that is missing, unusable
or fails to give a client fails only its entries, each labelled as ESO labels them.

Entries with ``sourceRef.generatorRef`` call their generator (``generators.GeneratorReader``)
concurrently with the reads; its values are another map, rewritten and key-checked as ESO
does (no conversion or decoding). ``data[].sourceRef.generatorRef``, deprecated and never
implemented by ESO, fails its item with a message pointing at ``dataFrom``.

Unlike ESO, nothing is dropped silently: a missing provider secret is reported in ``missing``
and the caller decides (deletionPolicy Delete with everything gone deletes the Secret; any
other missing or failed item fails the sync and leaves the Secret untouched).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from eso.api import conditions as c
from eso.api.meta import SECRET_KEY_PATTERN
from eso.api.models import (
    AnyStore,
    ExternalSecret,
    ExternalSecretData,
    ExternalSecretDataFromRemoteRef,
    ExternalSecretFind,
    GeneratorRef,
    StoreGeneratorSourceRef,
    StoreSourceRef,
)
from eso.controllers.externalsecret.errors import (
    StoreUnavailableError,
    SyncFailedError,
    provider_failure,
)
from eso.controllers.externalsecret.rewrite import RewriteError, rewrite_map
from eso.controllers.externalsecret.storeaccess import (
    StoreKey,
    Stores,
    StoreUnusableError,
    assert_store_usable,
    ref_key,
)
from eso.controllers.externalsecret.transform import (
    TransformError,
    convert_keys,
    decode,
    decode_map,
)
from eso.controllers.runtime.conditions import join_failures
from eso.controllers.secretstore.access import ProviderAccess
from eso.generators.base import GeneratorError
from eso.kube.events import EventRecorder
from eso.providers.base import (
    ConfigError,
    ProviderError,
    ProviderUnavailableError,
    SecretNotFoundError,
    SecretsClient,
)
from eso.template import re2

_VALID_KEY = re.compile(SECRET_KEY_PATTERN)
ERR_GET_ALL_SECRETS: Final = "error getting all secrets: {error}"
ERR_FIND_REGEXP: Final = "could not compile find.name.regexp [{regexp}]: {error}"
ERR_DATA_GENERATOR: Final = (
    "sourceRef.generatorRef is not supported in spec.data[] (deprecated and never implemented"
    " by ESO); use spec.dataFrom[].sourceRef.generatorRef"
)
ERR_NO_GENERATORS: Final = "generators are not available in this controller"

T = TypeVar("T")

Generate = Callable[[GeneratorRef], Awaitable[dict[str, bytes]]]
"""Fresh values from the generator a ref names (in the ExternalSecret's namespace)."""


@dataclass
class Fetched:
    """What a fetch produced: values by Secret key, plus what went wrong, per item."""

    data: dict[str, bytes] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transient: bool = False


EntryClients = Mapping[StoreKey, "SecretsClient | EntryStoreError"]


class EntryStoreError(Exception):
    """A per-entry store could not give a client; fails only the entries reading from it."""

    def __init__(self, detail: str, *, transient: bool) -> None:
        super().__init__(detail)
        self.transient = transient


class _FindError(Exception):
    """A provider error of ``find``, worded as ESO wraps it."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(ERR_GET_ALL_SECRETS.format(error=error))
        self.error = error


def _name_matcher(find: ExternalSecretFind) -> Callable[[str], bool] | None:
    """``find.name.regexp`` with Go's RE2 rules (ESO's ``find.New``): a ConfigError if RE2
    rejects it, worded as ESO."""
    if find.name is None:
        return None
    try:
        return re2.compile(find.name.regexp).match_string
    except re2.RegexpError as e:
        raise ConfigError(ERR_FIND_REGEXP.format(regexp=find.name.regexp, error=e)) from None


def _data_label(index: int, key: str) -> str:
    return f"spec.data[{index}] (key: {key})"


def _data_from_label(index: int, entry: ExternalSecretDataFromRemoteRef) -> str:
    if _generator_ref(entry) is not None:
        return f"spec.dataFrom[{index}].sourceRef.generatorRef"
    return f"spec.dataFrom[{index}].{'find' if entry.find else 'extract'}"


def _generator_ref(entry: ExternalSecretDataFromRemoteRef) -> GeneratorRef | None:
    return entry.source_ref.generator_ref if entry.source_ref is not None else None


@dataclass(frozen=True)
class _Clients:
    """The client of the main store and of each per-entry store (or why there is none)."""

    main: SecretsClient | None
    entries: EntryClients

    def for_ref(self, ref: StoreSourceRef | StoreGeneratorSourceRef | None) -> SecretsClient:
        store_ref = ref.store_ref if ref is not None else None
        got = self.entries.get(ref_key(store_ref)) if store_ref is not None else self.main
        if got is None:  # lookup_stores resolves every store an entry names
            raise EntryStoreError("store not resolved", transient=True)
        if isinstance(got, EntryStoreError):
            raise got
        return got


async def fetch_all(
    es: ExternalSecret,
    client: SecretsClient | None,
    *,
    max_age: float | None,
    entries: EntryClients | None = None,
    generate: Generate | None = None,
) -> Fetched:
    """Read every ``dataFrom[]`` (extract, find, generatorRef) and ``data[]`` item of ``es``
    concurrently.

    ``client`` reads entries without a ``sourceRef.storeRef``; ``entries`` holds the client
    (or the error) of each per-entry store; ``generate`` serves ``generatorRef`` entries.
    """
    clients = _Clients(main=client, entries=entries or {})
    sources = [
        (i, e)
        for i, e in enumerate(es.spec.data_from)
        if e.extract or e.find or _generator_ref(e) is not None
    ]
    maps: list[Awaitable[dict[str, bytes]]] = [
        _read_map(entry, clients=clients, max_age=max_age, generate=generate)
        for _, entry in sources
    ]
    values: list[Awaitable[bytes]] = [
        _read_value(item, clients=clients, max_age=max_age) for item in es.spec.data
    ]
    # maps and values read at once (a batch call carries them together)
    settled: list[Any] = await _settle([*maps, *values])
    map_results: list[dict[str, bytes] | BaseException] = settled[: len(maps)]
    value_results: list[bytes | BaseException] = settled[len(maps) :]
    out = Fetched()
    for (index, entry), got in zip(sources, map_results, strict=True):
        _file_map(out, _data_from_label(index, entry), entry, got)
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


async def _settle(reads: list[Awaitable[T]]) -> list[T | BaseException]:
    """Every read's result or exception, all awaited together; a lone read (most
    ExternalSecrets make one) is awaited directly, which spares a task and two trips through
    the event loop."""
    if len(reads) != 1:
        return await asyncio.gather(*reads, return_exceptions=True)
    try:
        return [await reads[0]]
    except Exception as e:
        return [e]


async def _read_map(
    entry: ExternalSecretDataFromRemoteRef,
    *,
    clients: _Clients,
    max_age: float | None,
    generate: Generate | None,
) -> dict[str, bytes]:
    generator = _generator_ref(entry)
    if generator is not None:
        if generate is None:
            raise GeneratorError(ERR_NO_GENERATORS)
        return await generate(generator)
    client = clients.for_ref(entry.source_ref)
    if entry.find is not None:
        try:
            match = _name_matcher(entry.find)
            return await client.get_all_secrets(entry.find, max_age=max_age, match=match)
        except ProviderError as e:
            raise _FindError(e) from e
    assert entry.extract is not None  # fetch_all reads only entries with one of them
    return await client.get_secret_map(entry.extract, max_age=max_age)


async def _read_value(
    item: ExternalSecretData,
    *,
    clients: _Clients,
    max_age: float | None,
) -> bytes:
    if item.source_ref is not None and item.source_ref.generator_ref is not None:
        raise GeneratorError(ERR_DATA_GENERATOR)
    client = clients.for_ref(item.source_ref)
    return await client.get_secret(item.remote_ref, max_age=max_age)


def _file_map(
    out: Fetched,
    label: str,
    entry: ExternalSecretDataFromRemoteRef,
    got: dict[str, bytes] | BaseException,
) -> None:
    if isinstance(got, BaseException):
        _record_failure(out, label, got)
        return
    try:
        out.data.update(_extracted(entry, got))
    except (TransformError, RewriteError) as e:
        out.errors.append(f"error processing {label}, err: {e}")


def _extracted(entry: ExternalSecretDataFromRemoteRef, got: dict[str, bytes]) -> dict[str, bytes]:
    """ESO's order for an extracted or found map: rewrite the keys, or convert them when
    there is no rewrite; drop empty keys, check the rest; then decode the values. A
    generator's map is only rewritten and checked (ESO's ``handleGenerateSecrets``)."""
    ref = entry.find or entry.extract
    if entry.rewrite:
        keyed = rewrite_map(entry.rewrite, got)
    else:
        keyed = got if ref is None else convert_keys(ref.conversion_strategy, got)
    keyed = {k: v for k, v in keyed.items() if k}
    bad = sorted(k for k in keyed if not _VALID_KEY.match(k))
    if bad:
        raise TransformError(c.ERR_INVALID_KEYS.format(error=f"invalid keys {bad}"))
    return keyed if ref is None else decode_map(ref.decoding_strategy, keyed)


def _record_failure(out: Fetched, label: str, error: BaseException) -> None:
    if isinstance(error, asyncio.CancelledError):
        raise error
    if not isinstance(error, Exception):
        raise error
    message = f"error processing {label}, err: {_describe(error)}"
    cause = error.error if isinstance(error, _FindError) else error
    if isinstance(cause, SecretNotFoundError):
        out.missing.append(message)
        return
    out.errors.append(message)
    if isinstance(cause, EntryStoreError | GeneratorError):
        out.transient = out.transient or cause.transient
    elif not isinstance(cause, ProviderError) or _is_transient(cause):
        out.transient = True


def _describe(error: Exception) -> str:
    """A provider or store error's own (sanitised) text; other exceptions only by type."""
    if isinstance(error, ProviderError | EntryStoreError | _FindError | GeneratorError):
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
    stores: Stores,
    *,
    access: ProviderAccess,
    recorder: EventRecorder,
    policy: ReadPolicy,
    generate: Generate | None = None,
) -> dict[str, bytes] | None:
    """Every requested value; None when deletionPolicy Delete and all of them are gone.

    One provider client per distinct store, closed before returning. The main store failing
    to give a client fails the sync; a per-entry store failing fails its entries, a failing
    generator its entry. Raises ``SyncFailedError`` naming every failed item (never a value).
    """
    main = stores.main
    where = f'{main.kind} "{main.name}": ' if main is not None else ""
    opened: list[SecretsClient] = []
    try:
        client = None if main is None else await _main_client(es, main, access, recorder, policy)
        if client is not None:
            opened.append(client)
        entries = await _entry_clients(es, stores, access=access, recorder=recorder)
        opened.extend(v for v in entries.values() if not isinstance(v, EntryStoreError))
        fetched = await fetch_all(
            es, client, max_age=policy.max_age, entries=entries, generate=generate
        )
    finally:
        await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)
    if es.spec.target.deletion_policy == "Delete" and not fetched.errors and not fetched.data:
        return None
    problems = fetched.errors + fetched.missing
    if problems:
        detail = join_failures(where, problems)
        raise _failure(detail, transient=fetched.transient, policy=policy)
    return fetched.data


async def _main_client(
    es: ExternalSecret,
    store: AnyStore,
    access: ProviderAccess,
    recorder: EventRecorder,
    policy: ReadPolicy,
) -> SecretsClient:
    try:
        return await access.client_for(store, namespace=es.namespace, recorder=recorder)
    except ProviderError as e:
        transient = isinstance(e, ProviderUnavailableError)
        where = f'{store.kind} "{store.name}"'
        raise _failure(f"{where}: {e}", transient=transient, policy=policy) from e


async def _entry_clients(
    es: ExternalSecret, stores: Stores, *, access: ProviderAccess, recorder: EventRecorder
) -> dict[StoreKey, SecretsClient | EntryStoreError]:
    """A client (or the reason there is none) for every per-entry store, built concurrently."""
    keys = list(stores.entries)
    got = await asyncio.gather(
        *(_entry_client(es, stores.entries[k], access=access, recorder=recorder) for k in keys),
        return_exceptions=True,
    )
    out: dict[StoreKey, SecretsClient | EntryStoreError] = {}
    for key, client in zip(keys, got, strict=True):
        if isinstance(client, EntryStoreError):
            out[key] = client
        elif isinstance(client, Exception):
            out[key] = EntryStoreError(f"unexpected {type(client).__name__}", transient=True)
        elif isinstance(client, BaseException):
            raise client  # cancellation
        else:
            out[key] = client
    return out


async def _entry_client(
    es: ExternalSecret,
    store: AnyStore | StoreUnavailableError,
    *,
    access: ProviderAccess,
    recorder: EventRecorder,
) -> SecretsClient | EntryStoreError:
    if isinstance(store, StoreUnavailableError):
        return EntryStoreError(str(store), transient=False)
    try:
        await assert_store_usable(es, store, client=access.client)
        return await access.client_for(store, namespace=es.namespace, recorder=recorder)
    except StoreUnusableError as e:
        return EntryStoreError(str(e), transient=e.retry)
    except ProviderError as e:
        transient = isinstance(e, ProviderUnavailableError)
        return EntryStoreError(f'{store.kind} "{store.name}": {e}', transient=transient)


def _failure(detail: str, *, transient: bool, policy: ReadPolicy) -> SyncFailedError:
    return provider_failure(detail, transient=transient, interval=policy.interval, slow=policy.slow)
