"""Template sources (``templateFrom[].configMap`` / ``.secret``): read once, served until changed.

ESO GETs every source ConfigMap and Secret on every reconcile. eso reads them the way it reads
credential Secrets (``secretstore.credentials``): contents are cached per resourceVersion and
validated against metadata-only "stub" informers (ConfigMaps: the manager's
``config-map-versions``; Secrets: the existing ``secret-versions``), so the steady state costs
no GET and no source value sits in an informer. The same stubs drive the watch: the
ExternalSecret informer indexes each ExternalSecret by the sources it names
(``indexes.es_template_source_index``), and a changed source enqueues exactly those.

Contract between the two paths: the reconcile path reads (``TemplateSourceReader.read``); the
informer path only calls ``forget`` when a source is deleted, to free its contents early.
Sources live in the ExternalSecret's namespace (ESO's rule); nothing else is ever read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from eso.api import conditions as c
from eso.api.models import ExternalSecret
from eso.controllers.externalsecret.errors import SyncFailedError
from eso.controllers.externalsecret.indexes import template_source_key
from eso.controllers.externalsecret.templating import (
    ERR_APPLY_TEMPLATE,
    ERR_FETCH_TPL_FROM,
    TemplateSources,
    source_name,
    template_source_names,
)
from eso.kube.cache import Obj, unwrap
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError, NotFound
from eso.kube.informer import Informer
from eso.kube.keys import ObjectKey, make_key, object_key, split_key
from eso.kube.objects import decode_data
from eso.kube.resources import CONFIGMAPS, SECRETS, Resource

T = TypeVar("T")
CM = "ConfigMap"
SECRET = "Secret"

VersionOf = Callable[[ObjectKey], str | None]


def config_map_contents(obj: dict[str, Any]) -> dict[str, str]:
    """A ConfigMap's ``data`` (ESO reads templates from ``data`` only, not ``binaryData``)."""
    return {str(k): str(v) for k, v in (obj.get("data") or {}).items()}


def secret_contents(obj: dict[str, Any]) -> dict[str, bytes]:
    return decode_data(obj.get("data"))


class VersionedReader(Generic[T]):
    """Reads one resource kind by key; contents cached while the stub's version matches.

    ``current_version(key)`` is the resourceVersion the stub informer last saw (None: not
    seen, so always read). ``contents`` turns a fetched object into what is cached.
    """

    def __init__(
        self,
        client: KubeClient,
        resource: Resource,
        *,
        current_version: VersionOf,
        contents: Callable[[dict[str, Any]], T],
    ) -> None:
        self._client = client
        self._resource = resource
        self._current_version = current_version
        self._contents = contents
        self._values: dict[ObjectKey, tuple[str, T]] = {}

    async def read(self, namespace: str, name: str) -> tuple[str, T] | None:
        """(resourceVersion, contents), or None when it does not exist. Raises ``KubeError``."""
        key = make_key(namespace, name)
        seen = self._current_version(key)
        cached = self._values.get(key)
        if cached is not None and seen is not None and cached[0] == seen:
            return cached
        try:
            obj = await self._client.get(self._resource, name=name, namespace=namespace)
        except NotFound:
            self._values.pop(key, None)
            return None
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        self._values[key] = (version, self._contents(obj))
        return self._values[key]

    def version(self, namespace: str, name: str) -> str | None:
        """The resourceVersion the stub informer holds (no I/O)."""
        return self._current_version(make_key(namespace, name))

    def forget(self, key: ObjectKey) -> None:
        """Drop cached contents (the object was deleted)."""
        self._values.pop(key, None)


class TemplateSourceReader:
    """Reads the template sources of an ExternalSecret for ``templating.render``."""

    def __init__(
        self,
        client: KubeClient,
        *,
        config_map_version: VersionOf,
        secret_version: VersionOf,
    ) -> None:
        self.config_maps = VersionedReader(
            client, CONFIGMAPS, current_version=config_map_version, contents=config_map_contents
        )
        self.secrets = VersionedReader(
            client, SECRETS, current_version=secret_version, contents=secret_contents
        )

    async def read(self, es: ExternalSecret) -> TemplateSources:
        """Every source ``es`` names; a missing one is left out (render reports it as ESO).

        An API failure other than NotFound is a ``SyncFailedError`` retried with backoff.
        """
        cm_names, secret_names = template_source_names(es.spec.target.template)
        config_maps: dict[str, dict[str, str]] = {}
        secrets: dict[str, dict[str, bytes]] = {}
        versions: dict[str, str] = {}
        try:
            for name in sorted(cm_names):
                if (cm := await self.config_maps.read(es.namespace, name)) is not None:
                    versions[source_name(CM, name)], config_maps[name] = cm
            for name in sorted(secret_names):
                if (secret := await self.secrets.read(es.namespace, name)) is not None:
                    versions[source_name(SECRET, name)], secrets[name] = secret
        except KubeError as e:
            detail = ERR_APPLY_TEMPLATE.format(error=ERR_FETCH_TPL_FROM.format(error=e))
            raise SyncFailedError(
                c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=detail)
            ) from e
        return TemplateSources(config_maps=config_maps, secrets=secrets, versions=versions)

    def versions(self, es: ExternalSecret) -> dict[str, str]:
        """The sources' resourceVersions as the stub informers see them now (no I/O).

        Compared with the versions the last render recorded (``Shape.sources``) to tell
        whether a source changed since; a source not seen is left out.
        """
        cm_names, secret_names = template_source_names(es.spec.target.template)
        found: dict[str, str] = {}
        for kind, names, reader in (
            (CM, cm_names, self.config_maps),
            (SECRET, secret_names, self.secrets),
        ):
            for name in names:
                version = reader.version(es.namespace, name)
                if version is not None:
                    found[source_name(kind, name)] = version
        return found

    def forget(self, key: ObjectKey, *, kind: str) -> None:
        """Drop a deleted source's contents (``kind`` "ConfigMap" or "Secret")."""
        (self.config_maps if kind == CM else self.secrets).forget(key)


def stub_version(informer: Informer) -> VersionOf:
    """``current_version`` for a reader, from a stub informer's cache (no I/O)."""

    def version_of(key: ObjectKey) -> str | None:
        stub = informer.cache.get(key)
        return None if stub is None else str(stub["metadata"].get("resourceVersion", ""))

    return version_of


def watch_sources(
    informer: Informer,
    *,
    kind: str,
    reader: TemplateSourceReader,
    enqueue: Callable[[str], None],
) -> None:
    """On any change of a ``kind`` stub, ``enqueue`` its ``template_source_key``.

    The caller maps that key to the ExternalSecrets indexed under it; a deletion also drops
    the cached contents (the informer path's only call into the reader).
    """

    def changed(stub: Obj, *, deleted: bool = False) -> None:
        key = object_key(stub)
        if deleted:
            reader.forget(key, kind=kind)
        namespace, name = split_key(key)
        enqueue(template_source_key(kind, namespace, name))

    informer.add_handler(
        on_add=changed,
        on_update=lambda _o, n: changed(n),
        on_delete=lambda o: changed(unwrap(o), deleted=True),
    )
