"""Every informer eso runs, built once from the settings, each for a stated reason.

What is watched, and why:

- ExternalSecrets, SecretStores, ClusterSecretStores: full objects (they are small).
- Managed Secrets (label ``reconcile.external-secrets.io/managed=true``), metadata only: enough
  to tell whether a Secret is still what we wrote (data-hash annotation + resourceVersion)
  without holding any secret value in memory; a deletion or edit by hand re-enqueues its
  ExternalSecret, which restores it.
- Every Secret, reduced to name/namespace/uid/resourceVersion: credential Secrets carry no
  label we could select on, yet a change must revalidate the stores reading them at once, and
  providers read them on every reconcile. Watching these ~200-byte stubs gives change events
  and lets ``CredentialReader`` serve cached values until the resourceVersion moves, so the
  steady state costs no GET; a data-bearing informer of all Secrets would hold every secret
  value of the cluster in memory, and on-demand GETs would cost one per reconcile.
- Every ConfigMap, reduced the same way: template sources (``templateFrom[].configMap``),
  for the same reasons (``templatesources``); template-source Secrets use the Secret stubs.
- With ClusterExternalSecrets on (and no ``--namespace``): ClusterExternalSecrets, and
  Namespaces as metadata (names, labels, deletion state: what selection needs).
- With PushSecrets on: PushSecrets (full objects; their source Secrets are read fresh by each
  push, never cached, as ESO does), indexed by controlling ClusterPushSecret (``cps-owner``)
  when ClusterPushSecrets are on too (not in a scoped install); those need Namespaces as
  metadata, shared with ClusterExternalSecrets.

Indexes: ExternalSecrets by target Secret (``namespace/name``), by store
(``refs.store_ref_key``), by template source (``indexes.template_source_key``) and by
controlling ClusterExternalSecret (``ces-owner``); PushSecrets by the stores they name
(``ps-store``); stores by credential Secret
(``refs.credential_secret_keys``); managed Secrets by the ExternalSecret that created them.
"""

from __future__ import annotations

from typing import Any

from eso.api import conditions as c
from eso.clock import Clock
from eso.controllers.clusterexternalsecret.desired import INDEX_CES_OWNER, ces_owner_index
from eso.controllers.clusterpushsecret.children import INDEX_CPS_OWNER, cps_owner_index
from eso.controllers.externalsecret.indexes import (
    INDEX_OWNER,
    INDEX_STORE,
    INDEX_TARGET,
    INDEX_TEMPLATE_SOURCE,
    es_store_index,
    es_target_index,
    es_template_source_index,
    managed_owner_index,
)
from eso.controllers.externalsecret.versions import keep_synced_resource_version
from eso.controllers.pushsecret.stores import INDEX_PS_STORE, ps_store_index
from eso.controllers.secretstore.credentials import secret_stub
from eso.controllers.secretstore.refs import INDEX_CREDENTIAL, credential_secret_keys
from eso.kube.cache import IndexFunc
from eso.kube.client import KubeClient
from eso.kube.informer import Informer
from eso.kube.resources import (
    CLUSTER_EXTERNAL_SECRETS,
    CLUSTER_PUSH_SECRETS,
    CLUSTER_SECRET_STORES,
    CONFIGMAPS,
    EXTERNAL_SECRETS,
    NAMESPACES,
    PUSH_SECRETS,
    SECRET_STORES,
    SECRETS,
    Resource,
)
from eso.metrics import InformerMetrics
from eso.settings import Settings


class Informers:
    """The informers of one Manager; optional ones are None when their kind is off."""

    def __init__(
        self, client: KubeClient, *, settings: Settings, metrics: InformerMetrics, clock: Clock
    ) -> None:
        self._client, self._settings, self._metrics, self._clock = client, settings, metrics, clock
        ctl = settings.controller
        ns = ctl.namespace
        # ClusterExternalSecrets write into any namespace: never in a scoped install.
        self.process_ces = ctl.process_cluster_external_secret and ns is None
        self.external_secrets = self._new(
            EXTERNAL_SECRETS,
            namespace=ns,
            transform=keep_synced_resource_version,
            indexers=self._es_indexers(),
        )
        # ClusterPushSecrets stamp PushSecrets into any namespace: never in a scoped install.
        self.process_cps = ctl.process_push_secret and ctl.process_cluster_push_secret and not ns
        self.namespaces: Informer | None = None
        self.cluster_external_secrets: Informer | None = None
        if self.process_ces or self.process_cps:
            self.namespaces = self._new(NAMESPACES, metadata_only=True, name="namespaces")
        if self.process_ces:
            self.cluster_external_secrets = self._new(
                CLUSTER_EXTERNAL_SECRETS, label_selector=ctl.cluster_external_secret_selector
            )
        self.push_secrets: Informer | None = None
        self.cluster_push_secrets: Informer | None = None
        if ctl.process_push_secret:
            ps_index: dict[str, IndexFunc] = {INDEX_PS_STORE: ps_store_index}
            if self.process_cps:
                ps_index[INDEX_CPS_OWNER] = cps_owner_index
            self.push_secrets = self._new(
                PUSH_SECRETS,
                namespace=ns,
                transform=keep_synced_resource_version,
                indexers=ps_index,
            )
        if self.process_cps:
            self.cluster_push_secrets = self._new(CLUSTER_PUSH_SECRETS)
        cred_index = {INDEX_CREDENTIAL: credential_secret_keys}
        self.secret_stores = self._new(SECRET_STORES, namespace=ns, indexers=cred_index)
        self.cluster_secret_stores: Informer | None = None
        if ctl.process_cluster_store:
            self.cluster_secret_stores = self._new(CLUSTER_SECRET_STORES, indexers=cred_index)
        self._build_secret_informers(ns)

    def _build_secret_informers(self, ns: str | None) -> None:
        self.managed_secrets = self._new(
            SECRETS,
            namespace=ns,
            label_selector=f"{c.LABEL_MANAGED}={c.LABEL_MANAGED_VALUE}",
            metadata_only=True,
            indexers={INDEX_OWNER: managed_owner_index},
            name="managed-secrets",
        )
        self.secret_versions = self._new(
            SECRETS, namespace=ns, metadata_only=True, transform=secret_stub, name="secret-versions"
        )
        self.config_map_versions = self._new(
            CONFIGMAPS,
            namespace=ns,
            metadata_only=True,
            transform=secret_stub,
            name="config-map-versions",
        )

    def _es_indexers(self) -> dict[str, IndexFunc]:
        indexers: dict[str, IndexFunc] = {
            INDEX_TARGET: es_target_index,
            INDEX_STORE: es_store_index,
            INDEX_TEMPLATE_SOURCE: es_template_source_index,
        }
        if self.process_ces:
            indexers[INDEX_CES_OWNER] = ces_owner_index
        return indexers

    def _new(self, resource: Resource, **kwargs: Any) -> Informer:
        # kwargs: the Informer's own keyword options (namespace, selectors, indexers...).
        return Informer(
            self._client,
            resource,
            settings=self._settings.informer,
            metrics=self._metrics,
            clock=self._clock,
            **kwargs,
        )

    def all(self) -> list[Informer]:
        """Every informer that runs (workers start once all of them synced)."""
        found = [self.external_secrets, self.secret_stores, self.managed_secrets]
        if self.cluster_secret_stores is not None:
            found.append(self.cluster_secret_stores)
        found += [self.secret_versions, self.config_map_versions]
        optional = (
            self.namespaces,
            self.cluster_external_secrets,
            self.push_secrets,
            self.cluster_push_secrets,
        )
        return found + [i for i in optional if i is not None]
