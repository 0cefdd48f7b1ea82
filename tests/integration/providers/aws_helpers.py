"""Helpers for AWS provider tests: store documents, a fake credential getter, metric reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eso.api.secretstore import AnyStore, ClusterSecretStore, SecretStore
from eso.api.sources import ExternalSecretDataRemoteRef
from eso.metrics import Metrics
from eso.providers.aws.reader import PROVIDER_LABEL

API_CALLS = "externalsecret_provider_api_calls_count"
NAMESPACE = "default"
CRED_SECRET = "awssm-secret"


class FakeSecrets:
    """Kubernetes Secrets as the controller's getter would return them."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], dict[str, bytes]] = {}
        self.reads = 0

    def put(self, namespace: str, name: str, access_key: str, secret_key: str) -> None:
        self.data[(namespace, name)] = {
            "access-key": access_key.encode(),
            "secret-access-key": secret_key.encode(),
        }

    async def __call__(self, namespace: str, name: str) -> Mapping[str, bytes] | None:
        self.reads += 1
        return self.data.get((namespace, name))


def store_doc(
    *,
    kind: str = "SecretStore",
    name: str = "aws-store",
    namespace: str | None = NAMESPACE,
    cred_secret: str | None = CRED_SECRET,
    cred_namespace: str | None = None,
    **aws: Any,
) -> AnyStore:
    """A store from its YAML shape; ``cred_secret=None`` means no auth.secretRef."""
    provider: dict[str, Any] = {"service": "SecretsManager", "region": "us-east-1", **aws}
    if cred_secret is not None:
        ref = {"name": cred_secret, **({"namespace": cred_namespace} if cred_namespace else {})}
        provider["auth"] = {
            "secretRef": {
                "accessKeyIDSecretRef": {**ref, "key": "access-key"},
                "secretAccessKeySecretRef": {**ref, "key": "secret-access-key"},
            }
        }
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    doc = {"metadata": meta, "spec": {"provider": {"aws": provider}}}
    model = ClusterSecretStore if kind == "ClusterSecretStore" else SecretStore
    return model.model_validate(doc)


def ref(key: str, **fields: Any) -> ExternalSecretDataRemoteRef:
    return ExternalSecretDataRemoteRef(key=key, **fields)


def calls(metrics: Metrics, call: str, status: str = "success") -> int:
    """How many AWS calls of ``call`` ended with ``status``."""
    labels = {"provider": PROVIDER_LABEL, "call": call, "status": status}
    value = metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    return int(value or 0)


def counter(metrics: Metrics, name: str) -> int:
    value = metrics.registry.get_sample_value(f"{name}_total", {"provider": PROVIDER_LABEL})
    return int(value or 0)
