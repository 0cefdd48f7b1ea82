"""Every Prometheus series eso exports, defined once, in narrow groups.

Each layer receives only the group of series it writes (a workqueue gets ``WorkqueueMetrics``,
the AWS provider ``ProviderMetrics``...), so a component cannot touch another's series and its
tests build only what they need. ``Metrics`` is the process's set of groups sharing one
``CollectorRegistry`` - its own, not prometheus_client's global default, so two controllers (or
two tests) in one process never share counters.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, disable_created_metrics

from eso.metrics.clusterexternalsecret import ClusterExternalSecretMetrics
from eso.metrics.eso_series import ExternalSecretMetrics
from eso.metrics.kube import ClientMetrics, InformerMetrics
from eso.metrics.provider import ProviderMetrics
from eso.metrics.pushsecret import ClusterPushSecretMetrics, PushSecretMetrics
from eso.metrics.rollout import RolloutMetrics
from eso.metrics.runtime import LeaderMetrics, RuntimeMetrics, WorkqueueMetrics
from eso.metrics.secretstore import StoreMetrics
from eso.metrics.shards import ShardMetrics

__all__ = [
    "ClientMetrics",
    "ClusterExternalSecretMetrics",
    "ClusterPushSecretMetrics",
    "ExternalSecretMetrics",
    "InformerMetrics",
    "LeaderMetrics",
    "Metrics",
    "ProviderMetrics",
    "PushSecretMetrics",
    "RolloutMetrics",
    "RuntimeMetrics",
    "ShardMetrics",
    "StoreMetrics",
    "WorkqueueMetrics",
]


class Metrics:
    """The process's metrics: one attribute per group, all registered in ``self.registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # No ``*_created`` series (prometheus_client's default, not ESO's or client-go's):
        # they would double the per-ExternalSecret series. A library-wide switch; we own
        # the process.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        r = self.registry = registry if registry is not None else CollectorRegistry()
        self.es = ExternalSecretMetrics(r)
        self.stores = StoreMetrics(r)
        self.ces = ClusterExternalSecretMetrics(r)
        self.ps = PushSecretMetrics(r)
        self.cps = ClusterPushSecretMetrics(r)
        self.provider = ProviderMetrics(r)
        self.runtime = RuntimeMetrics(r)
        self.workqueue = WorkqueueMetrics(r)
        self.leader = LeaderMetrics(r)
        self.shards = ShardMetrics(r)
        self.client = ClientMetrics(r)
        self.informer = InformerMetrics(r)
        self.rollout = RolloutMetrics(r)
