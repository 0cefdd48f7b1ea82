"""What kube-controller-manager puts in every namespace: ``kube-root-ca.crt`` and ``default``.

On a real cluster the root-CA publisher creates a ConfigMap ``kube-root-ca.crt`` (data key
``ca.crt``) and the service-account controller a ServiceAccount ``default`` in every
namespace, and both re-create their object when it is deleted while the namespace lives. A
test that assumes a new namespace is empty passes on an empty control plane and fails on a
real one, so the local one populates namespaces too.

It does so synchronously, in the request that creates the namespace (or deletes one of the
two objects), where the real controllers act a few milliseconds later: a test assuming
emptiness then fails here every time instead of sometimes there. Tests filter the objects
out (label selectors, names) or wait for them; they never rely on their absence.
"""

from __future__ import annotations

from typing import Any

from localkube.apiserver.operations import NAMESPACES, Operations, WriteOptions
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.status import ApiError

JSONDict = dict[str, Any]
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DEFAULT_SERVICE_ACCOUNT = "default"
# kube-controller-manager's rootcacertpublisher.Description, verbatim.
_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
_CONFIGMAPS = ("", "configmaps")
_SERVICE_ACCOUNTS = ("", "serviceaccounts")


class NamespaceContents:
    """Keeps ``kube-root-ca.crt`` and ``default`` in every live namespace of ``ops``."""

    def __init__(self, ops: Operations, *, ca_pem: str) -> None:
        self._ops = ops
        self._ca_pem = ca_pem
        ops.write_hooks.append(self._on_write)

    def populate(self, namespace: str) -> None:
        """Create whichever of the two objects ``namespace`` lacks; no-op when terminating."""
        ns = self._ops.store.get(NAMESPACES, ("", namespace))
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        for body in (self._root_ca(namespace), _service_account(namespace)):
            plural = "configmaps" if body["kind"] == "ConfigMap" else "serviceaccounts"
            rt = self._ops.registry.get("", "v1", plural)
            assert rt is not None
            if self._ops.store.get(rt.storage, (namespace, body["metadata"]["name"])) is None:
                self._create(rt, body, namespace=namespace)

    def _create(self, rt: ResourceType, body: JSONDict, *, namespace: str) -> None:
        try:
            self._ops.create(rt, body, namespace=namespace, opts=WriteOptions())
        except ApiError:  # raced with the namespace's own deletion: nothing to keep
            return

    def _on_write(self, rt: ResourceType, obj: JSONDict, *, deleted: bool) -> None:
        md = obj["metadata"]
        if rt.storage == NAMESPACES:
            if not deleted:  # any write: populate is idempotent, like a controller resync
                self.populate(md["name"])
            return
        if not deleted or not md.get("namespace"):
            return
        if (rt.storage, md["name"]) in (
            (_CONFIGMAPS, ROOT_CA_CONFIGMAP),
            (_SERVICE_ACCOUNTS, DEFAULT_SERVICE_ACCOUNT),
        ):
            self.populate(md["namespace"])

    def _root_ca(self, namespace: str) -> JSONDict:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": ROOT_CA_CONFIGMAP,
                "namespace": namespace,
                "annotations": {"kubernetes.io/description": _DESCRIPTION},
            },
            "data": {"ca.crt": self._ca_pem},
        }


def _service_account(namespace: str) -> JSONDict:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
    }
