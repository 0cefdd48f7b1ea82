"""The world of one controller test: cluster, moto, a running Manager, object helpers."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Protocol

from eso.controllers.manager import Manager
from eso.metrics import Metrics
from localkube.moto import MotoSecrets, MotoServer
from localkube.pytest_cluster import Cluster, wait_for
from localkube.rawclient import ApiStatusError

CRD_DIR = Path(__file__).resolve().parents[3] / "manifests" / "crds"
ES_API = "external-secrets.io/v1"
REGION = "us-east-1"


class Runner(Protocol):
    async def start(self) -> Manager: ...
    async def stop(self) -> None: ...


class Env:
    """One test's world: cluster, moto, a running Manager and object helpers."""

    def __init__(
        self,
        cluster: Cluster,
        moto: MotoServer,
        manager: Manager,
        metrics: Metrics,
        *,
        runner: Runner,
    ) -> None:
        self._runner = runner
        self.cluster = cluster
        self.raw = cluster.client
        self.moto = moto
        self.aws = MotoSecrets(moto.url, region=REGION)
        self.manager = manager
        self.metrics = metrics
        self.suffix = secrets.token_hex(3)
        self.cluster_objects: list[tuple[str, str]] = []

    # --- the Manager ---------------------------------------------------------------------

    async def stop_manager(self) -> None:
        """Stop the running Manager (graceful, as on SIGTERM)."""
        await self._runner.stop()

    async def start_manager(self) -> None:
        """Start a new Manager: a cold start against the objects that exist now."""
        self.manager = await self._runner.start()

    # --- objects -------------------------------------------------------------------------

    async def credentials(self, namespace: str, name: str = "awssm-secret", **keys: str) -> None:
        data = {
            "access-key": keys.get("access_key", "AKIAEXAMPLE000000001"),
            "secret-access-key": keys.get("secret_key", "example-secret-key"),
        }
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "stringData": data,
        }
        await self.raw.create("v1", "secrets", body, namespace=namespace)

    def store_spec(self, cred_name: str, cred_namespace: str | None) -> dict[str, Any]:
        ref: dict[str, Any] = {"name": cred_name}
        if cred_namespace:
            ref["namespace"] = cred_namespace
        auth = {
            "secretRef": {
                "accessKeyIDSecretRef": {**ref, "key": "access-key"},
                "secretAccessKeySecretRef": {**ref, "key": "secret-access-key"},
            }
        }
        return {"provider": {"aws": {"service": "SecretsManager", "region": REGION, "auth": auth}}}

    async def secret_store(
        self, namespace: str, name: str = "aws-store", *, cred_namespace: str | None = None
    ) -> None:
        body = {
            "apiVersion": ES_API,
            "kind": "SecretStore",
            "metadata": {"name": name, "namespace": namespace},
            "spec": self.store_spec("awssm-secret", cred_namespace),
        }
        await self.raw.create(ES_API, "secretstores", body, namespace=namespace)

    async def cluster_store(self, name: str, *, cred_namespace: str | None) -> str:
        name = f"{name}-{self.suffix}"
        body = {
            "apiVersion": ES_API,
            "kind": "ClusterSecretStore",
            "metadata": {"name": name},
            "spec": self.store_spec("awssm-secret", cred_namespace),
        }
        await self.raw.create(ES_API, "clustersecretstores", body)
        self.cluster_objects.append(("clustersecretstores", name))
        return name

    async def external_secret(
        self,
        namespace: str,
        name: str,
        *,
        store: str = "aws-store",
        store_kind: str = "SecretStore",
        refresh: str = "1h",
        target: dict[str, Any] | None = None,
        data: list[dict[str, Any]] | None = None,
        data_from: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "refreshInterval": refresh,
            "secretStoreRef": {"name": store, "kind": store_kind},
            "target": target or {"name": name},
        }
        if data:
            spec["data"] = data
        if data_from:
            spec["dataFrom"] = data_from
        body = {
            "apiVersion": ES_API,
            "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }
        return await self.raw.create(ES_API, "externalsecrets", body, namespace=namespace)

    # --- reads and waits -----------------------------------------------------------------

    async def get(
        self, plural: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        api = "v1" if plural == "secrets" else ES_API
        try:
            return await self.raw.get(api, plural, name, namespace=namespace)
        except ApiStatusError as e:
            if e.status == 404:
                return None
            raise

    async def wait_ready(
        self,
        plural: str,
        name: str,
        namespace: str | None = None,
        *,
        status: str = "True",
        reason: str | None = None,
        within: float = 20.0,
    ) -> dict[str, str]:
        """Poll until the object's Ready condition has ``status`` (and ``reason``)."""

        async def probe() -> dict[str, str] | None:
            obj = await self.get(plural, name, namespace)
            for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
                if (
                    cond.get("type") == "Ready"
                    and cond.get("status") == status
                    and (reason is None or cond.get("reason") == reason)
                ):
                    return dict(cond)
            return None

        return await wait_for(probe, timeout=within)

    async def wait_secret(
        self, name: str, namespace: str, *, where: Any = None, within: float = 20.0
    ) -> dict[str, Any]:
        """Poll until the Secret exists (and ``where(secret)`` holds)."""

        async def probe() -> dict[str, Any] | None:
            secret = await self.get("secrets", name, namespace)
            if secret is None or (where is not None and not where(secret)):
                return None
            return secret

        return await wait_for(probe, timeout=within)

    async def cleanup(self) -> None:
        for plural, name in self.cluster_objects:
            await self.cluster.delete_and_wait(ES_API, plural, name)
