"""Kubeconfig loading without kubernetes-asyncio: contexts, merging, TLS material, credentials."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from eso.clock import FakeClock
from eso.kube.config import (
    TOKEN_REFRESH_PERIOD,
    ClusterConfig,
    KubeConfigError,
    PluginCredentials,
    load_cluster_config,
)
from localkube.apiserver.tls import server_context, serving_cert

SERVER = "https://127.0.0.1:6443"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig(
    *,
    cluster: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    current: str | None = "main",
    extra_contexts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One context ``main`` (cluster ``c``, user ``u``), plus contexts naming other servers."""
    clusters = [{"name": "c", "cluster": cluster or {"server": SERVER}}]
    contexts = [{"name": "main", "context": {"cluster": "c", "user": "u"}}]
    for name, server in (extra_contexts or {}).items():
        clusters.append({"name": name, "cluster": {"server": server}})
        contexts.append({"name": name, "context": {"cluster": name, "user": "u"}})
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": clusters,
        "users": [{"name": "u", "user": user if user is not None else {"token": "tok"}}],
        "contexts": contexts,
    }
    if current is not None:
        doc["current-context"] = current
    return doc


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)

    def _write(doc: dict[str, Any], name: str = "kubeconfig") -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))
        return str(path)

    return _write


async def test_a_token_kubeconfig_gives_host_and_bearer_header(write: Any) -> None:
    config = await load_cluster_config(write(kubeconfig(cluster={"server": SERVER + "/"})))
    assert (config.source, config.host) == ("kubeconfig", SERVER)
    assert await config.authorization() == "Bearer tok"
    assert not await config.force_refresh()


async def test_the_current_context_is_used_unless_one_is_given(write: Any) -> None:
    path = write(kubeconfig(extra_contexts={"other": "https://10.0.0.2:443"}))
    assert (await load_cluster_config(path)).host == SERVER
    assert (await load_cluster_config(path, context="other")).host == "https://10.0.0.2:443"


@pytest.mark.parametrize(
    ("doc", "context", "detail"),
    [
        pytest.param(kubeconfig(), "absent", "no context named 'absent'", id="unknown-context"),
        pytest.param(kubeconfig(current=None), None, "no current-context", id="no-current"),
        pytest.param(kubeconfig(cluster={"x": 1}), None, "has no server", id="no-server"),
        pytest.param(
            kubeconfig(cluster={"server": SERVER, "certificate-authority": "absent.crt"}),
            None,
            "certificate-authority file .*absent.crt does not exist",
            id="missing-ca-file",
        ),
    ],
)
async def test_an_unusable_kubeconfig_is_a_config_error(
    write: Any, doc: dict[str, Any], context: str | None, detail: str
) -> None:
    with pytest.raises(KubeConfigError, match=detail):
        await load_cluster_config(write(doc), context=context)


async def test_a_missing_kubeconfig_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(KubeConfigError, match="no such file"):
        await load_cluster_config(str(tmp_path / "absent"))


async def test_kubeconfig_env_files_merge_and_the_first_definition_wins(
    write: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kubectl's rule: the first file to name an entry or set current-context wins."""
    first = write(kubeconfig(current="other", extra_contexts={"other": "https://first:1"}), "a")
    second = write(kubeconfig(user={"token": "later"}, extra_contexts={"x": "https://x:1"}), "b")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([first, "/absent", second]))
    config = await load_cluster_config()
    assert (config.source, config.host) == ("KUBECONFIG", "https://first:1")
    assert await config.authorization() == "Bearer tok"
    assert (await load_cluster_config(context="x")).host == "https://x:1"


async def test_certificates_in_data_fields_build_the_tls_context(
    write: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client cert and key from ``*-data`` load via private temp files removed at once."""
    cert = serving_cert()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    cluster = {"server": SERVER, "certificate-authority-data": b64(cert.ca_pem)}
    user = {"client-certificate-data": b64(cert.cert_pem), "client-key-data": b64(cert.key_pem)}
    config = await load_cluster_config(write(kubeconfig(cluster=cluster, user=user)))
    ctx = config.ssl_context()
    assert ctx is not None and ctx.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in ctx.get_ca_certs()] == [((("commonName", "eso-local-ca"),),)]
    assert await config.authorization() is None
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_certificate_files_are_relative_to_the_kubeconfig(write: Any, tmp_path: Path) -> None:
    cert = serving_cert()
    certs = tmp_path / "conf" / "certs"
    certs.mkdir(parents=True)
    (certs / "ca.crt").write_bytes(cert.ca_pem)
    (certs / "client.crt").write_bytes(cert.ca_pem)  # does not match the key below
    (certs / "client.key").write_bytes(cert.key_pem)
    cluster = {"server": SERVER, "certificate-authority": "certs/ca.crt"}
    user = {"client-certificate": "certs/client.crt", "client-key": "certs/client.key"}
    config = await load_cluster_config(write(kubeconfig(cluster=cluster, user=user), "conf/kc"))
    assert config.configuration.ssl_ca_cert == str(certs / "ca.crt")
    with pytest.raises(ssl.SSLError, match="KEY_VALUES_MISMATCH"):
        config.ssl_context()  # proves the key file was read


async def test_insecure_tls_server_name_and_proxy_are_honoured(write: Any) -> None:
    cluster = {
        "server": SERVER,
        "insecure-skip-tls-verify": True,
        "tls-server-name": "kubernetes.default",
        "proxy-url": "http://proxy:3128",
    }
    config = await load_cluster_config(write(kubeconfig(cluster=cluster)))
    ctx = config.ssl_context()
    assert ctx is not None and ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    assert config.configuration.tls_server_name == "kubernetes.default"
    assert config.configuration.proxy == "http://proxy:3128"


async def test_a_plain_http_server_has_no_tls_context(write: Any) -> None:
    config = await load_cluster_config(write(kubeconfig(cluster={"server": "http://127.0.0.1:1"})))
    assert config.ssl_context() is None


async def test_basic_auth_user_gives_a_basic_header(write: Any) -> None:
    config = await load_cluster_config(write(kubeconfig(user={"username": "a", "password": "b"})))
    assert await config.authorization() == "Basic " + b64(b"a:b")


async def test_a_token_file_is_relative_to_the_kubeconfig_and_re_read(
    write: Any, tmp_path: Path
) -> None:
    (tmp_path / "token").write_text("one\n")
    clock = FakeClock()
    config = await load_cluster_config(write(kubeconfig(user={"tokenFile": "token"})), clock=clock)
    assert await config.authorization() == "Bearer one"
    (tmp_path / "token").write_text("two")
    await clock.advance(TOKEN_REFRESH_PERIOD)
    assert await config.authorization() == "Bearer two"


async def test_an_exec_user_falls_back_to_kubernetes_asyncio(write: Any, tmp_path: Path) -> None:
    """Exec plugins keep kubernetes-asyncio's loader (the 401 refresh is in test_client_unit)."""
    plugin = tmp_path / "plugin.py"
    status = {"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential"}
    plugin.write_text(f"print({json.dumps({**status, 'status': {'token': 'from-exec'}})!r})")
    exec_ = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": sys.executable,
        "args": [str(plugin)],
    }
    cluster = {"server": SERVER, "certificate-authority-data": b64(serving_cert().ca_pem)}
    config = await load_cluster_config(write(kubeconfig(cluster=cluster, user={"exec": exec_})))
    assert isinstance(config.credentials, PluginCredentials)
    assert await config.authorization() == "Bearer from-exec"
    assert config.host == SERVER and config.ssl_context() is not None


@pytest.fixture
async def tls_server() -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response({"auth": request.headers.get("Authorization")})

    app = web.Application()
    app.router.add_get("/", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=server_context(serving_cert()))
    try:
        yield f"https://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def test_a_ca_data_kubeconfig_reaches_a_tls_server(write: Any, tls_server: str) -> None:
    cluster = {"server": tls_server, "certificate-authority-data": b64(serving_cert().ca_pem)}
    config: ClusterConfig = await load_cluster_config(write(kubeconfig(cluster=cluster)))
    connector = aiohttp.TCPConnector(ssl=config.ssl_context())
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Authorization": await config.authorization() or ""}
        async with session.get(config.host + "/", headers=headers) as resp:
            assert await resp.json() == {"auth": "Bearer tok"}


def test_the_controller_never_imports_kubernetes_asyncio_for_a_token_kubeconfig(
    write: Any,
) -> None:
    """kubernetes-asyncio costs ~60 MB RSS; the controller and a token kubeconfig avoid it."""
    path = write(kubeconfig())
    code = (
        "import asyncio, sys, eso.app\n"
        "from eso.kube.config import load_cluster_config\n"
        f"asyncio.run(load_cluster_config({path!r}))\n"
        "print('kubernetes_asyncio' in sys.modules)\n"
        "print(sorted(m for m in ('celpy', 'localkube') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines()[-2:] == ["False", "[]"]
