"""The Kubernetes resources eso talks to, as values.

A ``Resource`` is everything needed to build a REST path (group, version, plural) plus what
callers need to build objects (kind, api_version) and keys (namespaced). Hard-coding these
instead of using discovery is deliberate: eso talks to a fixed, small set of stable APIs, and
discovery would cost a round trip per start and a failure mode per API group.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Resource:
    """One API resource; ``group`` is ``""`` for the core (``/api/v1``) group."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        """``v1`` for core, else ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(
        self,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> str:
        """The REST path; without ``namespace`` a namespaced resource lists across all."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        elif subresource:
            raise ValueError("a subresource needs a name")
        return base


ESO_GROUP = "external-secrets.io"
ESO_VERSION = "v1"

SECRETS = Resource("", "v1", "secrets", "Secret", True)
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap", True)
SERVICE_ACCOUNTS = Resource("", "v1", "serviceaccounts", "ServiceAccount", True)
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", False)
EVENTS = Resource("", "v1", "events", "Event", True)
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease", True)
CRDS = Resource(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
)
EXTERNAL_SECRETS = Resource(ESO_GROUP, ESO_VERSION, "externalsecrets", "ExternalSecret", True)
SECRET_STORES = Resource(ESO_GROUP, ESO_VERSION, "secretstores", "SecretStore", True)
CLUSTER_SECRET_STORES = Resource(
    ESO_GROUP, ESO_VERSION, "clustersecretstores", "ClusterSecretStore", False
)
CLUSTER_EXTERNAL_SECRETS = Resource(
    ESO_GROUP, ESO_VERSION, "clusterexternalsecrets", "ClusterExternalSecret", False
)
# Workloads eso patches only for rollout on change (eso.io/rollout-on-change); never watched.
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment", True)
STATEFULSETS = Resource("apps", "v1", "statefulsets", "StatefulSet", True)
DAEMONSETS = Resource("apps", "v1", "daemonsets", "DaemonSet", True)
# PushSecret and ClusterPushSecret are served only as v1alpha1 by ESO.
PUSH_SECRETS = Resource(ESO_GROUP, "v1alpha1", "pushsecrets", "PushSecret", True)
CLUSTER_PUSH_SECRETS = Resource(
    ESO_GROUP, "v1alpha1", "clusterpushsecrets", "ClusterPushSecret", False
)
