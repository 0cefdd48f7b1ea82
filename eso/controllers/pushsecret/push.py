"""Pushing a PushSecret's entries to its stores, and deleting what it no longer pushes.

ESO's ``PushSecretToProviders`` / ``DeleteSecretFromProviders``, restated over eso's provider
protocols. A ``Pusher`` lives for one reconcile: it builds one client per store (through the
shared ``ProviderAccess``), refuses stores whose client cannot write (a read-only store), and
closes them at the end.

For each store, every ``data[]`` entry is pushed in order: its ``conversionStrategy`` applied
to the source keys, its ``secretKey`` required to exist (none: the whole Secret), with
``updatePolicy: IfNotExists`` an existing remote secret left as it is (but still counted as
synced, as ESO does). The first failure stops the push; what was pushed before it is
returned with the error (``PushError.synced``), so the status still lists it and a later
``deletionPolicy: Delete`` can clean it up. Deletion only touches entries recorded in
``status.syncedPushSecrets`` and missing from the new map, and the provider deletes only
remote secrets eso manages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eso.api import conditions as c
from eso.api import pushconditions as pc
from eso.api.pushsecret import PushSecret, PushSecretData, status_ref, store_key
from eso.api.secretstore import AnyStore
from eso.controllers.pushsecret.datato import plan_for_store
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.pushsecret.keys import reverse_keys
from eso.controllers.pushsecret.metarefs import metadata_refs
from eso.controllers.pushsecret.source import Source
from eso.controllers.pushsecret.stores import assert_usable
from eso.controllers.secretstore.access import ProviderAccess
from eso.kube.events import EventRecorder
from eso.providers.base import (
    ConfigError,
    NotManagedError,
    ProviderError,
    SecretsClient,
    SecretsWriter,
)

SyncedMap = dict[str, dict[str, PushSecretData]]


@dataclass
class PushError(Exception):
    """A push or deletion failed part way; ``synced`` is the map to record meanwhile."""

    failure: PushFailedError
    synced: SyncedMap | None = None

    def __str__(self) -> str:
        return str(self.failure)


def merge_synced(new: SyncedMap, old: SyncedMap) -> SyncedMap:
    """ESO's ``mergeSecretState``: ``new`` with every entry of ``old`` added (old wins)."""
    out = {store: dict(entries) for store, entries in new.items()}
    for store, entries in old.items():
        out.setdefault(store, {}).update(entries)
    return out


def _retry(e: ProviderError) -> bool:
    """Whether a provider failure may heal by itself; the others wait for the refresh."""
    return not isinstance(e, ConfigError | NotManagedError)


class Pusher:
    """One reconcile's provider clients and push/delete steps for one PushSecret."""

    def __init__(self, ps: PushSecret, *, access: ProviderAccess, recorder: EventRecorder) -> None:
        self._ps = ps
        self._access = access
        self._recorder = recorder
        self._clients: dict[str, SecretsClient] = {}
        self._refs = metadata_refs(access.client, namespace=ps.namespace)

    async def writer(self, store: AnyStore) -> SecretsWriter:
        """The store's client, if it can write; raises ``PushFailedError``."""
        key = store_key(store.kind, store.name)
        client = self._clients.get(key)
        if client is None:
            await assert_usable(store, self._ps.namespace, client=self._access.client)
            try:
                client = await self._access.client_for(
                    store, namespace=self._ps.namespace, recorder=self._recorder
                )
            except ProviderError as e:
                raise PushFailedError(
                    pc.ERR_CLIENT.format(store=key, error=e), retry=_retry(e)
                ) from e
            self._clients[key] = client
        if not isinstance(client, SecretsWriter):
            raise PushFailedError(pc.ERR_READ_ONLY.format(store=key), retry=False)
        return client

    async def close(self) -> None:
        """Release every client built (idempotent)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()

    async def push(self, source: Source, stores: list[AnyStore]) -> SyncedMap:
        """Push every entry to every store; raises ``PushError`` with what was pushed."""
        out: SyncedMap = {}
        for store in stores:
            key = store_key(store.kind, store.name)
            out[key] = {}
            try:
                writer = await self.writer(store)
                plan = plan_for_store(self._ps, store, source.data)
                for entry in plan.entries:
                    data = plan.data_for(entry, source.data)
                    await self._push_entry(writer, data, entry, store=store.name)
                    out[key][status_ref(entry)] = entry
            except PushFailedError as e:
                raise PushError(e, out) from None
        return out

    async def _push_entry(
        self,
        writer: SecretsWriter,
        source: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        store: str,
    ) -> None:
        data = reverse_keys(entry.conversion_strategy, source)
        key = entry.secret_key
        if key and key not in data:
            raise PushFailedError(pc.ERR_KEY_MISSING.format(key=key))
        try:
            if self._ps.spec.update_policy == "IfNotExists" and await writer.secret_exists(
                entry.match.remote_ref
            ):
                return
        except ProviderError as e:
            raise PushFailedError(pc.ERR_EXISTS_CHECK.format(error=e), retry=_retry(e)) from e
        try:
            await writer.push_secret(data, entry, refs=self._refs)
        except ProviderError as e:
            detail = pc.ERR_WRITE_REMOTE.format(key=key, store=store, error=e)
            raise PushFailedError(detail, retry=_retry(e)) from e

    async def delete_stale(
        self, new: SyncedMap, *, stores: dict[str, AnyStore | None]
    ) -> SyncedMap:
        """Delete what the status records and ``new`` lacks; returns the map to record.

        ``stores`` maps each recorded ``Kind/name`` to its store (None: not found). Raises
        ``PushError`` (with the map left so far) at the first failure.
        """
        out = merge_synced(new, self._ps.status.synced_push_secrets)
        for key, old_entries in self._ps.status.synced_push_secrets.items():
            stale = [ref for ref in old_entries if ref not in new.get(key, {})]
            if not stale:
                continue
            try:
                writer = await self._writer_for(key, stores.get(key))
                for ref in stale:
                    await self._delete(writer, old_entries[ref])
                    del out[key][ref]
            except PushFailedError as e:
                raise PushError(e, out) from None
            if key not in new and not out[key]:
                del out[key]
        return out

    async def _writer_for(self, key: str, store: AnyStore | None) -> SecretsWriter:
        if store is None:
            kind, _, name = key.partition("/")
            error = (
                pc.ERR_GET_CLUSTER_SECRET_STORE
                if kind == c.KIND_CLUSTER_SECRET_STORE
                else pc.ERR_GET_SECRET_STORE
            )
            detail = error.format(name=name, error="not found")
            raise PushFailedError(pc.ERR_CLIENT.format(store=key, error=detail))
        return await self.writer(store)

    async def _delete(self, writer: SecretsWriter, entry: PushSecretData) -> None:
        try:
            await writer.delete_secret(entry.match.remote_ref)
        except ProviderError as e:
            raise PushFailedError(str(e), retry=_retry(e)) from e
