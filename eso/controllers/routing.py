"""Informer events → keys on work queues: which change wakes which object.

Handlers only enqueue keys; they decide from the event itself and from the shared components
whose contracts allow the query (``OwnSecretVersions.is_own_write``, ``StatusWriter.observed``,
``CredentialReader.forget``), never from a reconciler's private state:

- ExternalSecret added → it (its metric series start at 0); spec, labels, annotations or
  deletion moved → it; a status write of ours only tells ``StatusWriter`` the cache caught up;
- store changed → the store, and its ExternalSecrets and the PushSecrets naming it when its
  spec or readiness changed;
- managed Secret edited or deleted by someone else → its ExternalSecret (our own writes echo
  back and are ignored);
- credential Secret changed → the stores reading it;
- template source (ConfigMap or Secret) changed → the ExternalSecrets rendering from it;
- ClusterExternalSecret changed → it; namespace created, relabelled or deleted → the CESs it
  concerns (``clusterexternalsecret.triggers``); a child ExternalSecret edited or deleted by
  hand → the CES controlling it, which restores it.
- PushSecret added, deleted, or its spec, labels, annotations or deletion moved → it (ESO's
  predicate); its own status writes do not wake it.
- ClusterPushSecret changed → it; namespace created, relabelled or deleted → the ones it
  concerns (``clusterpushsecret.triggers``); a child PushSecret edited or deleted by hand →
  its parent, which restores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from eso.api import conditions as c
from eso.controllers.clusterexternalsecret.desired import ces_owner_index
from eso.controllers.clusterexternalsecret.triggers import concerned, meta_moved, namespace_moved
from eso.controllers.clusterpushsecret import triggers as cps_triggers
from eso.controllers.externalsecret.indexes import (
    INDEX_STORE,
    INDEX_TARGET,
    INDEX_TEMPLATE_SOURCE,
    meta_changed,
)
from eso.controllers.externalsecret.ownwrites import OwnSecretVersions
from eso.controllers.externalsecret.statuswriter import StatusWriter
from eso.controllers.externalsecret.templatesources import (
    CM,
    SECRET,
    TemplateSourceReader,
    watch_sources,
)
from eso.controllers.informers import Informers
from eso.controllers.pushsecret.stores import INDEX_PS_STORE
from eso.controllers.runtime.conditions import ready_status
from eso.controllers.secretstore.credentials import CredentialReader
from eso.controllers.secretstore.refs import INDEX_CREDENTIAL, store_ref_key
from eso.kube.cache import Obj, Tombstone, unwrap
from eso.kube.informer import Informer
from eso.kube.keys import ObjectKey, object_key
from eso.metrics import Metrics

ES = "externalsecret"
SS = "secretstore"
CSS = "clustersecretstore"
CES = "clusterexternalsecret"
PS = "pushsecret"
CPS = "clusterpushsecret"

Enqueue = Callable[[str, Iterable[ObjectKey]], None]


def keys(found: Iterable[str]) -> list[ObjectKey]:
    """Keys from an informer cache, which only holds keys made by ``object_key``."""
    return [ObjectKey(k) for k in found]


@dataclass(frozen=True)
class Shared:
    """The components both paths use, each through its stated contract."""

    own_versions: OwnSecretVersions
    statuses: StatusWriter
    credentials: CredentialReader
    templates: TemplateSourceReader


class EventRouting:
    """Installs the handlers on ``informers``; ``enqueue(queue, keys)`` is the only output."""

    def __init__(
        self, informers: Informers, *, shared: Shared, metrics: Metrics, enqueue: Enqueue
    ) -> None:
        self._inf = informers
        self._shared = shared
        self._metrics = metrics
        self._enqueue = enqueue

    def install(self) -> None:
        inf = self._inf
        inf.external_secrets.add_handler(
            on_add=self._external_secret_added,
            on_update=self._external_secret_updated,
            on_delete=self._external_secret_deleted,
        )
        self._store_handlers(inf.secret_stores, SS, c.KIND_SECRET_STORE)
        if inf.cluster_secret_stores is not None:
            self._store_handlers(inf.cluster_secret_stores, CSS, c.KIND_CLUSTER_SECRET_STORE)
        inf.managed_secrets.add_handler(
            on_update=lambda _o, n: self._managed_secret_changed(n),
            on_delete=lambda o: self._managed_secret_changed(unwrap(o), deleted=True),
        )
        inf.secret_versions.add_handler(
            on_add=self._credential_changed,
            on_update=lambda _o, n: self._credential_changed(n),
            on_delete=lambda o: self._credential_changed(unwrap(o), deleted=True),
        )
        templates = self._shared.templates
        for informer, kind in ((inf.secret_versions, SECRET), (inf.config_map_versions, CM)):
            watch_sources(informer, kind=kind, reader=templates, enqueue=self._render_again)
        self._ces_handlers()
        self._ps_handlers()

    # ------------------------------------------------------------------ ExternalSecrets

    def _external_secret_added(self, obj: Obj) -> None:
        # First sight: its counters exist at 0 before its first (queued) reconcile counts.
        meta = obj.get("metadata") or {}
        self._metrics.es.seen(namespace=meta.get("namespace", ""), name=meta.get("name", ""))
        self._enqueue(ES, [object_key(obj)])

    def _external_secret_deleted(self, gone: Obj | Tombstone) -> None:
        # A standby never reconciles the deletion: its series go here (the reconcile of the
        # deleted key, on the leader, forgets them again after any in-flight count).
        obj = unwrap(gone)
        meta = obj.get("metadata") or {}
        self._metrics.es.forget(namespace=meta.get("namespace", ""), name=meta.get("name", ""))
        self._enqueue(ES, [object_key(obj)])

    def _external_secret_updated(self, old: Obj, new: Obj) -> None:
        key = object_key(new)
        self._shared.statuses.observed(key, new)
        if meta_changed(old, new):
            self._enqueue(ES, [key])

    def _managed_secret_changed(self, secret: Obj, *, deleted: bool = False) -> None:
        owners = self._es_keys(INDEX_TARGET, object_key(secret))
        if not deleted:
            own = self._shared.own_versions
            owners = [k for k in owners if not own.is_own_write(k, secret)]
        self._enqueue(ES, owners)

    def _render_again(self, source_ref: str) -> None:
        self._enqueue(ES, self._es_keys(INDEX_TEMPLATE_SOURCE, source_ref))

    def _es_keys(self, index: str, value: str) -> list[ObjectKey]:
        """ExternalSecret keys under ``value`` of ``index``."""
        return keys(self._inf.external_secrets.cache.index_keys(index, value))

    # ------------------------------------------------------------------ stores

    def _store_handlers(self, informer: Informer, queue: str, kind: str) -> None:
        def store_changed(old: Obj | None, new: Obj, *, deleted: bool = False) -> None:
            meta = new.get("metadata") or {}
            spec_moved = old is None or deleted or meta_changed(old, new)
            if spec_moved:
                self._enqueue(queue, [object_key(new)])
            was, now = ready_status((old or {}).get("status")), ready_status(new.get("status"))
            if spec_moved or was != now:
                ref = store_ref_key(kind, meta.get("namespace"), meta.get("name", ""))
                self._enqueue(ES, self._es_keys(INDEX_STORE, ref))
                if self._inf.push_secrets is not None:
                    found = self._inf.push_secrets.cache.index_keys(INDEX_PS_STORE, ref)
                    self._enqueue(PS, keys(found))

        informer.add_handler(
            on_add=lambda o: store_changed(None, o),
            on_update=store_changed,
            on_delete=lambda o: store_changed(None, unwrap(o), deleted=True),
        )

    def _credential_changed(self, stub: Obj, *, deleted: bool = False) -> None:
        key = object_key(stub)
        if deleted:
            self._shared.credentials.forget(key)
        inf = self._inf
        self._enqueue(SS, keys(inf.secret_stores.cache.index_keys(INDEX_CREDENTIAL, key)))
        if inf.cluster_secret_stores is not None:
            css = inf.cluster_secret_stores.cache.index_keys(INDEX_CREDENTIAL, key)
            self._enqueue(CSS, keys(css))

    # ------------------------------------------------------------------ ClusterExternalSecrets

    def _ces_handlers(self) -> None:
        inf = self._inf
        if inf.namespaces is None or inf.cluster_external_secrets is None:
            return
        cess = inf.cluster_external_secrets.cache

        def ces_gone(gone: Obj | Tombstone) -> None:
            obj = unwrap(gone)
            self._metrics.ces.forget(name=str((obj.get("metadata") or {}).get("name", "")))
            self._enqueue(CES, [object_key(obj)])

        inf.cluster_external_secrets.add_handler(
            on_add=lambda o: self._enqueue(CES, [object_key(o)]),
            on_update=lambda o, n: self._enqueue(CES, [object_key(n)] if meta_moved(o, n) else []),
            on_delete=ces_gone,
        )
        inf.namespaces.add_handler(
            on_add=lambda o: self._enqueue(CES, concerned(cess.list(), o)),
            on_update=lambda o, n: self._enqueue(
                CES, concerned(cess.list(), o, n) if namespace_moved(o, n) else []
            ),
            on_delete=lambda o: self._enqueue(CES, concerned(cess.list(), unwrap(o))),
        )
        inf.external_secrets.add_handler(
            on_update=lambda o, n: self._enqueue(CES, _owner(o) if meta_moved(o, n) else []),
            on_delete=lambda o: self._enqueue(CES, _owner(unwrap(o))),
        )

    # ------------------------------------------------------------------ PushSecrets

    def _ps_handlers(self) -> None:
        if self._inf.push_secrets is None:
            return

        def ps_gone(gone: Obj | Tombstone) -> None:
            meta = unwrap(gone).get("metadata") or {}
            self._metrics.ps.forget(namespace=meta.get("namespace", ""), name=meta.get("name", ""))
            self._enqueue(PS, [object_key(unwrap(gone))])

        self._inf.push_secrets.add_handler(
            on_add=lambda o: self._enqueue(PS, [object_key(o)]),
            on_update=lambda o, n: self._enqueue(PS, [object_key(n)] if meta_changed(o, n) else []),
            on_delete=ps_gone,
        )
        self._cps_handlers()

    def _cps_handlers(self) -> None:
        inf = self._inf
        if inf.cluster_push_secrets is None or inf.namespaces is None or inf.push_secrets is None:
            return
        cpss = inf.cluster_push_secrets.cache

        def cps_gone(gone: Obj | Tombstone) -> None:
            obj = unwrap(gone)
            self._metrics.cps.forget(
                namespace="", name=str((obj.get("metadata") or {}).get("name", ""))
            )
            self._enqueue(CPS, [object_key(obj)])

        inf.cluster_push_secrets.add_handler(
            on_add=lambda o: self._enqueue(CPS, [object_key(o)]),
            on_update=lambda o, n: self._enqueue(CPS, [object_key(n)] if meta_moved(o, n) else []),
            on_delete=cps_gone,
        )
        inf.namespaces.add_handler(
            on_add=lambda o: self._enqueue(CPS, cps_triggers.concerned(cpss.list(), o)),
            on_update=lambda o, n: self._enqueue(
                CPS, cps_triggers.concerned(cpss.list(), o, n) if namespace_moved(o, n) else []
            ),
            on_delete=lambda o: self._enqueue(CPS, cps_triggers.concerned(cpss.list(), unwrap(o))),
        )
        inf.push_secrets.add_handler(
            on_update=lambda o, n: self._enqueue(
                CPS, cps_triggers.owner_key(o) if meta_moved(o, n) else []
            ),
            on_delete=lambda o: self._enqueue(CPS, cps_triggers.owner_key(unwrap(o))),
        )


def _owner(child: Obj) -> list[ObjectKey]:
    """The CES controlling an ExternalSecret, as a queue key (none for the rest)."""
    return keys(ces_owner_index(child))
