"""Where eso finds its cluster: kubeconfig and in-cluster service account loading.

eso does HTTP itself with aiohttp, so a request needs only three things from configuration: the
server address, an ``ssl.SSLContext``, and an ``Authorization`` header recomputed per request so
rotating credentials are always current. The common cases are read here directly: the pod's
service account (its projected token re-read every minute, as client-go does), and kubeconfigs
with a token, token file, basic auth or client certificate (``eso.kube.kubeconfig``).

Only kubeconfig users with an ``exec`` credential plugin or an ``auth-provider`` (GCP, OIDC,
Azure) go through kubernetes-asyncio's loader, imported on first use: importing it costs about
60 MB of resident memory (its generated API models), a third of the controller's budget.

Order, as kubectl and controller-runtime: the explicit ``--kubeconfig`` path, ``$KUBECONFIG``,
the in-cluster service account, then ``~/.kube/config``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import structlog
import yaml

from eso.clock import Clock, SystemClock
from eso.kube.errors import KubeError
from eso.kube.kubeconfig import ConfigSourceError, Entry, Selected, existing_files, select

log = structlog.get_logger(__name__)

SERVICE_TOKEN_FILENAME = "/var/run/secrets/kubernetes.io/serviceaccount/token"
SERVICE_CERT_FILENAME = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
# How long a token read from a file is used before the file is read again (client-go's period;
# kubelet refreshes projected tokens well before they expire).
TOKEN_REFRESH_PERIOD = 60.0
# Refresh exec credentials this long before they expire, so no request races the expiry.
_REFRESH_MARGIN = timedelta(seconds=30)


class KubeConfigError(KubeError):
    """No usable cluster configuration was found."""


@dataclass(slots=True)
class Connection:
    """Server and TLS settings (names follow kubernetes-asyncio's ``Configuration``).

    A file path and in-memory PEM data are alternatives for the CA, client certificate and
    key; data comes from a kubeconfig's ``*-data`` fields.
    """

    host: str
    ssl_ca_cert: str | None = None
    ca_data: bytes | None = None
    cert_file: str | None = None
    cert_data: bytes | None = None
    key_file: str | None = None
    key_data: bytes | None = None
    verify_ssl: bool = True
    tls_server_name: str | None = None
    proxy: str | None = None


class Credentials(Protocol):
    """What puts the ``Authorization`` header on a request."""

    async def authorization(self) -> str | None: ...

    async def force_refresh(self) -> bool:
        """Renew after a 401; True if there is something new worth retrying with."""
        ...


@dataclass(slots=True)
class StaticCredentials:
    """A fixed header (kubeconfig ``token`` or basic auth), or none (client certificates)."""

    header: str | None = None

    async def authorization(self) -> str | None:
        return self.header

    async def force_refresh(self) -> bool:
        return False


class TokenFileCredentials:
    """A bearer token read from a file, read again once ``TOKEN_REFRESH_PERIOD`` is up.

    Kubelet rotates projected service-account tokens in place. A failed re-read keeps the
    last good token (as client-go does): the server's 401 is what should surface, if any.
    """

    def __init__(self, path: str, *, clock: Clock) -> None:
        self._path = path
        self._clock = clock
        self._token = _read_token(path)
        self._due = clock.now() + TOKEN_REFRESH_PERIOD

    async def authorization(self) -> str | None:
        if self._clock.now() >= self._due:
            self._reread()
        return f"Bearer {self._token}"

    async def force_refresh(self) -> bool:
        """A 401 may mean the token rotated since the last read: read it now."""
        old = self._token
        self._reread()
        return self._token != old

    def _reread(self) -> None:
        self._due = self._clock.now() + TOKEN_REFRESH_PERIOD
        try:
            self._token = _read_token(self._path)
        except (OSError, ConfigSourceError) as e:
            log.warning("token_file_unreadable", path=self._path, error=str(e))


@dataclass(slots=True)
class ClusterConfig:
    """Where the API server is, how to trust it, and how to authenticate to it."""

    configuration: Connection
    credentials: Credentials
    source: str = ""

    @property
    def host(self) -> str:
        return self.configuration.host.rstrip("/")

    async def authorization(self) -> str | None:
        """The current ``Authorization`` header value; refreshes credentials as needed."""
        return await self.credentials.authorization()

    async def force_refresh(self) -> bool:
        """After a 401: renew credentials that can be renewed; True if worth one retry."""
        return await self.credentials.force_refresh()

    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS settings for the connection; None for plain-HTTP servers."""
        cfg = self.configuration
        if not self.host.startswith("https"):
            return None
        cadata = cfg.ca_data.decode() if cfg.ca_data else None
        ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert, cadata=cadata)
        if cfg.cert_file or cfg.cert_data:
            _load_client_cert(ctx, cfg)
        if not cfg.verify_ssl:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


async def load_cluster_config(
    kubeconfig: str | None = None,
    *,
    context: str | None = None,
    token_path: str = SERVICE_TOKEN_FILENAME,
    ca_path: str = SERVICE_CERT_FILENAME,
    clock: Clock | None = None,
) -> ClusterConfig:
    """Load configuration in the standard order; raises ``KubeConfigError`` if none works.

    ``context`` picks a kubeconfig context other than ``current-context``. ``token_path`` and
    ``ca_path`` are the mounted service-account files the in-cluster configuration reads (the
    paths every pod has; parameters so tests can point elsewhere). Token files are re-read
    every ``TOKEN_REFRESH_PERIOD`` seconds of ``clock``, so a rotated token is picked up.
    """
    clock = clock or SystemClock()
    path = kubeconfig or os.environ.get("KUBECONFIG")
    if path:
        source = "kubeconfig" if kubeconfig else "KUBECONFIG"
        return await _from_kubeconfig(path, context=context, source=source, clock=clock)
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return _in_cluster(token_path=token_path, ca_path=ca_path, clock=clock)
    default = _default_kubeconfig()
    if default:
        return await _from_kubeconfig(default, context=context, source="default", clock=clock)
    raise KubeConfigError("no kubeconfig given, KUBECONFIG unset, and not running in a cluster")


def _in_cluster(*, token_path: str, ca_path: str, clock: Clock) -> ClusterConfig:
    try:
        host = _service_host()
        if not Path(token_path).is_file():
            raise ConfigSourceError("Service token file does not exist.")
        credentials = TokenFileCredentials(token_path, clock=clock)
        if not Path(ca_path).is_file():
            raise ConfigSourceError("Service certification file does not exist.")
        if not Path(ca_path).read_bytes().strip():
            raise ConfigSourceError("Cert file exists but empty.")
    except (ConfigSourceError, OSError) as e:
        raise KubeConfigError(f"in-cluster configuration: {e}") from e
    log.debug("kube_config_loaded", source="in-cluster", host=host)
    connection = Connection(host=host, ssl_ca_cert=ca_path)
    return ClusterConfig(configuration=connection, credentials=credentials, source="in-cluster")


def _service_host() -> str:
    """``https://host:port`` from the service env vars; IPv6 hosts bracketed (net.JoinHostPort)."""
    host = os.environ.get("KUBERNETES_SERVICE_HOST")
    port = os.environ.get("KUBERNETES_SERVICE_PORT")
    if host is None or port is None:
        raise ConfigSourceError("Service host/port is not set.")
    if not host or not port:
        raise ConfigSourceError("Service host/port is set but empty.")
    if ":" in host or "%" in host:
        host = f"[{host}]"
    return f"https://{host}:{port}"


def _read_token(path: str) -> str:
    token = Path(path).read_text().strip()
    if not token:
        raise ConfigSourceError("Token file exists but empty.")
    return token


def _default_kubeconfig() -> str | None:
    path = Path("~/.kube/config").expanduser()
    return str(path) if path.exists() else None


async def _from_kubeconfig(
    path: str, *, context: str | None, source: str, clock: Clock
) -> ClusterConfig:
    try:
        files = existing_files(path)
        if not files:
            raise ConfigSourceError("no such file")
        selected = select(files, context=context)
        if selected.needs_plugin:
            return await _from_plugin_kubeconfig(path, context=selected.context, source=source)
        config = ClusterConfig(
            configuration=_connection(selected),
            credentials=_user_credentials(selected.user, clock=clock),
            source=source,
        )
    except (ConfigSourceError, OSError) as e:
        raise KubeConfigError(f"kubeconfig {path}: {e}") from e
    log.debug("kube_config_loaded", source=source, host=config.host, context=selected.context)
    return config


def _connection(selected: Selected) -> Connection:
    cluster, user = selected.cluster.values, selected.user
    connection = Connection(
        host=str(cluster["server"]).rstrip("/"),
        verify_ssl=not cluster.get("insecure-skip-tls-verify", False),
        tls_server_name=cluster.get("tls-server-name") or None,
        proxy=cluster.get("proxy-url") or None,
    )
    if connection.host.startswith("https"):
        connection.ssl_ca_cert, connection.ca_data = selected.cluster.file_or_data(
            "certificate-authority"
        )
        connection.cert_file, connection.cert_data = user.file_or_data("client-certificate")
        connection.key_file, connection.key_data = user.file_or_data("client-key")
    return connection


def _user_credentials(user: Entry, *, clock: Clock) -> Credentials:
    """Token, then token file, then basic auth: kubernetes-asyncio's order (client-go's too)."""
    values = user.values
    if values.get("token"):
        return StaticCredentials(f"Bearer {values['token']}")
    token_file, _ = user.file_or_data("tokenFile")
    if token_file:
        return TokenFileCredentials(token_file, clock=clock)
    if "username" in values and "password" in values:
        pair = f"{values['username']}:{values['password']}".encode()
        return StaticCredentials(f"Basic {base64.b64encode(pair).decode()}")
    return StaticCredentials()


def _load_client_cert(ctx: ssl.SSLContext, cfg: Connection) -> None:
    """``load_cert_chain`` reads only files: in-memory PEM goes to private temporary files
    (mode 0600) that are removed as soon as it is loaded."""
    with (
        _as_file(cfg.cert_file, cfg.cert_data) as cert,
        _as_file(cfg.key_file, cfg.key_data) as key,
    ):
        assert cert is not None
        ctx.load_cert_chain(cert, keyfile=key)


@contextlib.contextmanager
def _as_file(path: str | None, data: bytes | None) -> Iterator[str | None]:
    if data is None:
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="eso-kube-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        yield name
    finally:
        Path(name).unlink()


async def _from_plugin_kubeconfig(path: str, *, context: str, source: str) -> ClusterConfig:
    """kubernetes-asyncio's loader for exec plugins and auth providers, imported only here."""
    from kubernetes_asyncio.client import Configuration
    from kubernetes_asyncio.config import ConfigException
    from kubernetes_asyncio.config.kube_config import load_kube_config

    cfg = Configuration()
    try:
        loader = await load_kube_config(
            config_file=path, context=context, client_configuration=cfg, persist_config=False
        )
    except (ConfigException, OSError, KeyError, AssertionError, yaml.YAMLError) as e:
        raise KubeConfigError(f"kubeconfig {path}: {e}") from e
    log.debug("kube_config_loaded", source=source, host=cfg.host, context=context, plugin=True)
    connection = Connection(
        host=str(cfg.host).rstrip("/"),
        ssl_ca_cert=cfg.ssl_ca_cert,
        cert_file=cfg.cert_file,
        key_file=cfg.key_file,
        verify_ssl=bool(cfg.verify_ssl),
        tls_server_name=cfg.tls_server_name or None,
        proxy=cfg.proxy or None,
    )
    credentials = PluginCredentials(cfg, loader)
    return ClusterConfig(configuration=connection, credentials=credentials, source=source)


class PluginCredentials:
    """Credentials from a kubernetes-asyncio ``Configuration`` and its kubeconfig loader.

    Exec plugins are re-run shortly before their token expires; the loader only knows an
    expiry when the plugin reported ``expirationTimestamp``; without one the token is used
    until the server answers 401 (``force_refresh``), as client-go does. The lock makes a
    burst of requests run the plugin once.
    """

    def __init__(self, configuration: Any, loader: Any) -> None:
        self.configuration = configuration
        self.loader = loader
        self._lock = asyncio.Lock()
        if loader._user is not None and "exec" in loader._user:
            configuration.refresh_api_key_hook = self._refresh

    async def authorization(self) -> str | None:
        settings = await self.configuration.auth_settings()
        bearer = settings.get("BearerToken")
        if bearer and bearer.get("value"):
            return str(bearer["value"])
        return None

    async def force_refresh(self) -> bool:
        """Re-run an exec plugin after a 401 (its token may be revoked before expiry)."""
        loader = self.loader
        if not getattr(loader, "_user", None) or "exec" not in loader._user:
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

    async def _refresh(self, configuration: Any) -> None:
        if not _expiring(getattr(self.loader, "exec_plugin_expiry", None)):
            return
        async with self._lock:
            if _expiring(getattr(self.loader, "exec_plugin_expiry", None)):
                await self.loader.load_from_exec_plugin()
                if getattr(self.loader, "token", None):
                    configuration.api_key["BearerToken"] = self.loader.token


def _expiring(expiry: datetime | None) -> bool:
    if expiry is None:
        return False
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    return expiry - _REFRESH_MARGIN <= datetime.now(UTC)
