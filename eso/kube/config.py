"""Where eso finds its cluster: kubeconfig and in-cluster service account loading.

kubernetes-asyncio's loaders do the hard parts (kubeconfig merging, exec plugins, OIDC, the
projected service-account token that rotates) into a ``Configuration``; eso then does HTTP
itself with aiohttp, so this module turns a ``Configuration`` into the two things a request
needs: an ``ssl.SSLContext`` and an ``Authorization`` header that is recomputed per request, so
rotating tokens (in-cluster refresh hook, exec plugins with an expiry) are always current.

Order, as kubectl and controller-runtime: the explicit ``--kubeconfig`` path, ``$KUBECONFIG``,
the in-cluster service account, then ``~/.kube/config``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
import yaml
from kubernetes_asyncio.client import Configuration
from kubernetes_asyncio.config import ConfigException, load_incluster_config
from kubernetes_asyncio.config.incluster_config import (
    SERVICE_CERT_FILENAME,
    SERVICE_TOKEN_FILENAME,
)
from kubernetes_asyncio.config.kube_config import load_kube_config

from eso.kube.errors import KubeError

log = structlog.get_logger(__name__)

# Refresh exec credentials this long before they expire, so no request races the expiry.
_REFRESH_MARGIN = timedelta(seconds=30)


class KubeConfigError(KubeError):
    """No usable cluster configuration was found."""


@dataclass(slots=True)
class ClusterConfig:
    """A loaded ``Configuration`` plus the kubeconfig loader when there is one (exec refresh)."""

    configuration: Any
    loader: Any = None
    source: str = ""

    @property
    def host(self) -> str:
        return str(self.configuration.host).rstrip("/")

    async def authorization(self) -> str | None:
        """The current ``Authorization`` header value; runs refresh hooks as needed."""
        settings = await self.configuration.auth_settings()
        bearer = settings.get("BearerToken")
        if bearer and bearer.get("value"):
            return str(bearer["value"])
        return None

    async def force_refresh(self) -> bool:
        """Re-run an exec plugin after a 401 (its token may be revoked before expiry)."""
        loader = self.loader
        if loader is None or not getattr(loader, "_user", None) or "exec" not in loader._user:
            return False
        if hasattr(loader, "exec_plugin_expiry"):
            del loader.exec_plugin_expiry
        try:
            await loader.load_from_exec_plugin()
        except Exception as e:  # the plugin is foreign code; the 401 is what surfaces
            log.warning("exec_plugin_failed", error=type(e).__name__)
            return False
        self.configuration.api_key["BearerToken"] = loader.token
        return True

    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS settings from the Configuration; None for plain-HTTP servers."""
        cfg = self.configuration
        if not self.host.startswith("https"):
            return None
        ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert)
        if cfg.cert_file:
            ctx.load_cert_chain(cfg.cert_file, keyfile=cfg.key_file)
        if not cfg.verify_ssl:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


async def load_cluster_config(
    kubeconfig: str | None = None,
    *,
    token_path: str = SERVICE_TOKEN_FILENAME,
    ca_path: str = SERVICE_CERT_FILENAME,
) -> ClusterConfig:
    """Load configuration in the standard order; raises ``KubeConfigError`` if none works.

    ``token_path`` and ``ca_path`` are the mounted service-account files the in-cluster
    configuration reads (the paths every pod has; parameters so tests can point elsewhere).
    The token file is re-read about every minute, so a rotated projected token is picked up.
    """
    path = kubeconfig or os.environ.get("KUBECONFIG")
    if path:
        return await _from_kubeconfig(path, source="kubeconfig" if kubeconfig else "KUBECONFIG")
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return _in_cluster(token_path=token_path, ca_path=ca_path)
    default = _default_kubeconfig()
    if default:
        return await _from_kubeconfig(default, source="default")
    raise KubeConfigError("no kubeconfig given, KUBECONFIG unset, and not running in a cluster")


def _in_cluster(*, token_path: str, ca_path: str) -> ClusterConfig:
    cfg = Configuration()
    try:
        load_incluster_config(  # type: ignore[no-untyped-call]
            client_configuration=cfg, token_filename=token_path, cert_filename=ca_path
        )
    except ConfigException as e:
        raise KubeConfigError(f"in-cluster configuration: {e}") from e
    log.debug("kube_config_loaded", source="in-cluster", host=cfg.host)
    return ClusterConfig(configuration=cfg, source="in-cluster")


def _default_kubeconfig() -> str | None:
    path = Path("~/.kube/config").expanduser()
    return str(path) if path.exists() else None


async def _from_kubeconfig(path: str, *, source: str) -> ClusterConfig:
    cfg = Configuration()
    try:
        loader = await load_kube_config(
            config_file=path, client_configuration=cfg, persist_config=False
        )
    except (ConfigException, OSError, KeyError, AssertionError, yaml.YAMLError) as e:
        raise KubeConfigError(f"kubeconfig {path}: {e}") from e
    if loader._user is not None and "exec" in loader._user:
        _install_exec_refresh(cfg, loader)
    log.debug("kube_config_loaded", source=source, host=cfg.host)
    return ClusterConfig(configuration=cfg, loader=loader, source=source)


def _install_exec_refresh(cfg: Any, loader: Any) -> None:
    """Re-run the exec plugin shortly before its token expires.

    The loader only knows an expiry when the plugin reported ``expirationTimestamp``; without
    one the token is used until the server answers 401 (``force_refresh``), as client-go does.
    The lock makes a burst of requests run the plugin once.
    """
    lock = asyncio.Lock()

    async def refresh(configuration: Any) -> None:
        if not _expiring(getattr(loader, "exec_plugin_expiry", None)):
            return
        async with lock:
            if _expiring(getattr(loader, "exec_plugin_expiry", None)):
                await loader.load_from_exec_plugin()
                if getattr(loader, "token", None):
                    configuration.api_key["BearerToken"] = loader.token

    cfg.refresh_api_key_hook = refresh


def _expiring(expiry: datetime | None) -> bool:
    if expiry is None:
        return False
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    return expiry - _REFRESH_MARGIN <= datetime.now(UTC)
