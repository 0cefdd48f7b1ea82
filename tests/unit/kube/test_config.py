"""In-cluster configuration: service host/port from the environment, token and CA from files."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from eso.clock import FakeClock
from eso.kube.config import TOKEN_REFRESH_PERIOD, KubeConfigError, load_cluster_config
from localkube.apiserver.tls import serving_cert


@pytest.fixture
def pod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What kubelet gives a pod: service env vars and the mounted service-account files."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    token, ca = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("first-token")
    ca.write_bytes(serving_cert().ca_pem)
    return {"token_path": str(token), "ca_path": str(ca)}


def rotate(path: str, token: str) -> None:
    """What kubelet does when it refreshes a projected token (sync: a test helper)."""
    Path(path).write_text(token)


async def test_in_cluster_config_uses_service_env_token_and_ca(pod: dict[str, str]) -> None:
    config = await load_cluster_config(**pod)
    assert config.source == "in-cluster"
    assert config.host == "https://10.96.0.1:443"
    assert await config.authorization() == "Bearer first-token"
    ctx = config.ssl_context()
    assert ctx is not None and ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert [c["subject"] for c in ctx.get_ca_certs()] == [((("commonName", "eso-local-ca"),),)]


async def test_an_ipv6_service_host_is_bracketed(
    pod: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    assert (await load_cluster_config(**pod)).host == "https://[fd00::1]:443"


async def test_a_rotated_token_file_is_read_again(pod: dict[str, str]) -> None:
    """Projected tokens rotate; the loader re-reads the file once its period (1 min) is up."""
    clock = FakeClock()
    config = await load_cluster_config(**pod, clock=clock)
    rotate(pod["token_path"], "rotated-token")
    await clock.advance(TOKEN_REFRESH_PERIOD - 1)
    assert await config.authorization() == "Bearer first-token"
    await clock.advance(1)
    assert await config.authorization() == "Bearer rotated-token"


async def test_a_401_reads_the_token_file_again_at_once(pod: dict[str, str]) -> None:
    config = await load_cluster_config(**pod, clock=FakeClock())
    assert not await config.force_refresh()
    rotate(pod["token_path"], "rotated-token\n")
    assert await config.force_refresh()
    assert await config.authorization() == "Bearer rotated-token"


async def test_an_unreadable_rotated_token_keeps_the_last_good_one(pod: dict[str, str]) -> None:
    clock = FakeClock()
    config = await load_cluster_config(**pod, clock=clock)
    rotate(pod["token_path"], "")
    await clock.advance(TOKEN_REFRESH_PERIOD)
    assert await config.authorization() == "Bearer first-token"


async def test_kubeconfig_env_wins_over_in_cluster(
    pod: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "users: [{name: c, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: c}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    config = await load_cluster_config(**pod)
    assert (config.source, config.host) == ("KUBECONFIG", "http://127.0.0.1:1")


@pytest.mark.parametrize(
    ("missing", "detail"),
    [
        pytest.param("token_path", "Service token file does not exist", id="no-token"),
        pytest.param("ca_path", "Service certification file does not exist", id="no-ca"),
    ],
)
async def test_missing_service_account_files_are_a_config_error(
    pod: dict[str, str], tmp_path: Path, missing: str, detail: str
) -> None:
    paths = {**pod, missing: str(tmp_path / "absent")}
    with pytest.raises(KubeConfigError, match=f"in-cluster configuration: {detail}"):
        await load_cluster_config(**paths)


async def test_an_empty_service_port_is_a_config_error(
    pod: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "")
    with pytest.raises(KubeConfigError, match="host/port is set but empty"):
        await load_cluster_config(**pod)
