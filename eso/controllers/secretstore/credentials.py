"""Credential Secrets for providers: read once, served from memory until they change.

``CredentialReader`` is the ``SecretDataGetter`` handed to providers. Credential Secrets are
few but read on every reconcile (the provider derives its session identity from them), so
values are cached and the cache is validated against a metadata-only informer of all Secrets
(``secret_stub`` is what that informer keeps): a read costs a GET only when the Secret's
resourceVersion moved. It also refuses, whatever the provider does, a reference the store kind
may not use (``eso.api.credentialrefs``).

Contract between the two paths: the reconcile path reads (``read``); the informer path only
calls ``forget`` when a Secret is deleted, to free its value early. Neither reaches into the
other's state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from eso.api.credentialrefs import CredentialRefError, credential_namespace
from eso.api.models import AnyStore
from eso.kube.cache import Obj
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.keys import ObjectKey, make_key
from eso.kube.objects import decode_data
from eso.kube.resources import SECRETS
from eso.providers.base import ConfigError, SecretDataGetter


def secret_stub(obj: Obj) -> Obj:
    """What the secret-versions informer keeps of a Secret: identity and resourceVersion."""
    meta = obj.get("metadata") or {}
    keep = ("name", "namespace", "uid", "resourceVersion")
    return {"metadata": {k: meta[k] for k in keep if k in meta}}


class CredentialReader:
    """Reads credential Secrets for providers; values cached per resourceVersion.

    ``current_version(key)`` returns the resourceVersion the Secret informer last saw for
    ``namespace/name`` (None when it has not seen it): a cached value is served while it
    matches, otherwise the Secret is fetched again. Values never leave this object except to
    the provider that asked.
    """

    def __init__(
        self, client: KubeClient, *, current_version: Callable[[ObjectKey], str | None]
    ) -> None:
        self._client = client
        self._current_version = current_version
        self._values: dict[ObjectKey, tuple[str, dict[str, bytes]]] = {}

    def getter(self, store: AnyStore) -> SecretDataGetter:
        """The ``SecretDataGetter`` for ``store``: enforces the store kind's namespace rules."""
        kind, own = store.kind, store.metadata.namespace

        async def get(namespace: str, name: str) -> Mapping[str, bytes] | None:
            try:
                allowed = credential_namespace(
                    store_kind=kind, store_namespace=own, ref_namespace=namespace
                )
            except CredentialRefError as e:
                raise ConfigError(str(e)) from None
            return await self.read(allowed, name)

        return get

    async def read(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The Secret's decoded data, or None when it does not exist."""
        key = make_key(namespace, name)
        seen = self._current_version(key)
        cached = self._values.get(key)
        if cached is not None and seen is not None and cached[0] == seen:
            return cached[1]
        try:
            secret = await self._client.get(SECRETS, name=name, namespace=namespace)
        except NotFound:
            self._values.pop(key, None)
            return None
        data = decode_data(secret.get("data"))
        version = str((secret.get("metadata") or {}).get("resourceVersion") or "")
        self._values[key] = (version, data)
        return data

    def forget(self, key: ObjectKey) -> None:
        """Drop a cached value (its Secret was deleted)."""
        self._values.pop(key, None)
