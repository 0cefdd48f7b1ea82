"""localkube: eso's test harness - a local Kubernetes control plane, moto helpers, a raw test
client and pytest plugins.

Its own distribution, apart from the product: the operator a cluster runs contains the
operator and nothing else (controller-runtime keeps ``envtest`` apart the same way). It may
import ``eso.api`` and eso's base utilities (clock, tasks), never the controllers, so the
control plane can judge eso's client without sharing its code. Not a mock: the same
integration tests run against it and against a real kube-apiserver.
"""
