"""The built image runs as a cluster runs it: non-root, read-only root, no capabilities.

Checks the image ``make image`` built (``eso:dev``, or ``ESO_TEST_IMAGE``); it never builds one,
which takes minutes. Without podman or docker, or without the image, every test skips with that
reason. The controller container joins the host network, so it reaches the ``cluster`` fixture's
API server and the ``moto_server`` fixture on 127.0.0.1. Its kubeconfig is a mounted copy its
uid can read: ``eso local-cluster`` and the ``cluster`` fixture write theirs mode 0600, owned by
whoever ran them. Everything waits by polling on a deadline.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import yaml

from localkube.moto import MotoSecrets, MotoServer, fake_aws_env
from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_IMAGE = "eso:dev"
IMAGE = os.environ.get("ESO_TEST_IMAGE", DEFAULT_IMAGE)
NONROOT = "65532"
# As the chart runs the Deployment: runAsNonRoot, readOnlyRootFilesystem, drop ALL, and an
# emptyDir on /tmp (client certificates given inline in a kubeconfig are written there).
HARDENED = [
    f"--user={NONROOT}:{NONROOT}",
    "--read-only",
    "--tmpfs=/tmp",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
]
# podman's --read-only also mounts tmpfs on /run and /var/tmp; a pod gets only what it mounts.
PODMAN_ONLY = ["--read-only-tmpfs=false"]
REGION = "ap-south-1"
ES_API = "external-secrets.io/v1"
CLI_DEADLINE = 30.0
READY_DEADLINE = 30.0
# Longer than eso's default shutdown grace (25 s): the container must be gone by then.
EXIT_DEADLINE = 35.0
T = TypeVar("T")

pytestmark = pytest.mark.slow


def container_engine() -> str:
    """podman, else docker; skips the test when neither can run the built image."""
    engine = shutil.which("podman") or shutil.which("docker")
    if engine is None:
        pytest.skip("no container engine (podman or docker) on PATH")
    if Path(engine).name == "docker" and not engine_answers(engine, "info"):
        pytest.skip("docker is on PATH but its daemon is not reachable")
    if not engine_answers(engine, "image", "inspect", IMAGE):
        make = "make image" if IMAGE == DEFAULT_IMAGE else f"make image IMAGE={IMAGE}"
        pytest.skip(f"image {IMAGE} not built: run {make}")
    return engine


def engine_answers(engine: str, *args: str) -> bool:
    probe = subprocess.run([engine, *args], capture_output=True, timeout=CLI_DEADLINE)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def engine() -> str:
    return container_engine()


def hardened(engine: str) -> list[str]:
    return HARDENED + (PODMAN_ONLY if Path(engine).name == "podman" else [])


def run_image(
    engine: str, *args: str, entrypoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``run --rm`` the image hardened as in a cluster, with ``args`` after the image name."""
    prefix = [f"--entrypoint={entrypoint}"] if entrypoint else []
    return subprocess.run(
        [engine, "run", "--rm", *hardened(engine), *prefix, IMAGE, *args],
        capture_output=True,
        text=True,
        timeout=CLI_DEADLINE,
    )


# --- the command line --------------------------------------------------------------------------


def test_image_runs_as_uid_65532_without_being_told(engine: str) -> None:
    """The image's own USER is numeric and non-root, so runAsNonRoot can verify it."""
    out = subprocess.run(
        [engine, "run", "--rm", "--entrypoint=id", IMAGE, "-u"],
        capture_output=True,
        text=True,
        timeout=CLI_DEADLINE,
    )
    assert (out.returncode, out.stdout.strip()) == (0, NONROOT), out.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--help"], "an asyncio External Secrets Operator", id="help"),
        pytest.param(["--version"], "eso 0.1.0", id="version"),
        pytest.param(["run", "--help"], "--enable-leader-election", id="run-help"),
    ],
)
def test_cli_answers_on_a_read_only_root(engine: str, args: list[str], expected: str) -> None:
    out = run_image(engine, *args)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("command", ["demo", "local-cluster"])
def test_harness_commands_say_the_harness_is_not_installed(engine: str, command: str) -> None:
    """The image ships no test harness: one line saying what to install, exit 2."""
    out = run_image(engine, command)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"eso {command}: ")
    assert "test harness (localkube)" in lines[0] and "not installed" in lines[0]


def test_image_holds_neither_pip_nor_setuptools_nor_test_code(engine: str) -> None:
    modules = ["pip", "setuptools", "pkg_resources", "localkube", "moto", "pytest", "celpy"]
    check = (
        "import importlib.util, sys; "
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))"
    )
    out = run_image(engine, "-c", check, *modules, entrypoint="/opt/eso/bin/python")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == []


# --- the controller against the local control plane ---------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def readable_kubeconfig(cluster: Cluster, directory: Path) -> Path:
    """A copy uid 65532 can read (``install -m 0644``) in a directory only we can enter."""
    directory.mkdir(mode=0o700)
    copy = directory / "kubeconfig"
    shutil.copyfile(cluster.kubeconfig, copy)
    copy.chmod(0o644)
    return copy


async def engine_exec(engine: str, *args: str, timeout: float = CLI_DEADLINE) -> tuple[int, str]:  # noqa: ASYNC109
    """Run ``engine args``; its exit code and output (stderr folded in)."""
    proc = await asyncio.create_subprocess_exec(
        engine, *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    except TimeoutError:
        proc.kill()
        await proc.communicate()
        raise AssertionError(f"{engine} {' '.join(args[:2])} did not finish") from None
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


@dataclass
class Controller:
    """``eso run`` in a detached container named ``name``, its Lease in ``namespace``."""

    engine: str
    name: str
    live_url: str
    namespace: str

    async def logs(self) -> str:
        _, out = await engine_exec(self.engine, "logs", self.name)
        return "\n".join(out.splitlines()[-30:])

    async def poll(self, probe: Callable[[], Awaitable[T | None]], *, within: float) -> T:
        """Poll until ``probe`` is truthy; on the deadline fail with the container's log tail."""
        try:
            async with asyncio.timeout(within):
                while True:
                    value = await probe()
                    if value:
                        return value
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"timed out; container log tail:\n{await self.logs()}") from None

    async def stop(self) -> int:
        """SIGTERM, then the exit code (AssertionError if it outlives ``EXIT_DEADLINE``)."""
        await engine_exec(self.engine, "kill", "--signal=TERM", self.name)
        code, out = await engine_exec(self.engine, "wait", self.name, timeout=EXIT_DEADLINE)
        assert code == 0, out
        return int(out.strip().splitlines()[-1])


@pytest.fixture
async def controller(
    engine: str, cluster: Cluster, moto_server: MotoServer, tmp_path: Path
) -> AsyncIterator[Controller]:
    """The image's ``eso run`` against ``cluster`` and moto, leader election on."""
    await install_crds(cluster)
    namespace = await cluster.create_namespace("eso-image-")
    kubeconfig = readable_kubeconfig(cluster, tmp_path / "for-eso")
    live = f"127.0.0.1:{free_port()}"
    name = f"eso-smoke-{secrets.token_hex(4)}"
    env = [f"--env={k}={v}" for k, v in fake_aws_env(moto_server.url, region=REGION).items()]
    args = [
        "run", "--detach", f"--name={name}", *hardened(engine), "--network=host", *env,
        f"--volume={kubeconfig}:/etc/eso/kubeconfig:ro",
        IMAGE, "run",
        "--kubeconfig=/etc/eso/kubeconfig",
        f"--live-addr={live}",
        f"--metrics-addr=127.0.0.1:{free_port()}",
        "--log-format=json",
        "--enable-leader-election=true",
        f"--leader-election-namespace={namespace}",
    ]  # fmt: skip
    code, out = await engine_exec(engine, *args)
    assert code == 0, out
    try:
        yield Controller(engine, name, f"http://{live}", namespace)
    finally:
        await engine_exec(engine, "rm", "--force", name)


async def install_crds(cluster: Cluster) -> None:
    for path in sorted((ROOT / "manifests" / "crds").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                await cluster.install_crd(doc)


async def readyz(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url + "/readyz") as resp:
            return resp.status == 200
    except aiohttp.ClientConnectionError:
        return False  # not listening yet


async def lease_holder(cluster: Cluster, namespace: str) -> str:
    try:
        lease = await cluster.client.get(
            "coordination.k8s.io/v1", "leases", "external-secrets-controller", namespace=namespace
        )
    except ApiStatusError as e:
        if e.status == 404:
            return ""
        raise
    return str(lease["spec"].get("holderIdentity") or "")


async def test_container_becomes_ready_leads_syncs_and_stops_cleanly_on_sigterm(
    controller: Controller, cluster: Cluster, moto_server: MotoServer
) -> None:
    ns = controller.namespace
    assert await controller.poll(lambda: readyz(controller.live_url), within=READY_DEADLINE)
    assert await controller.poll(lambda: lease_holder(cluster, ns), within=READY_DEADLINE)

    await MotoSecrets(moto_server.url, region=REGION).create("app-secret", {"user": "allfunds"})
    es = await apply_walkthrough(cluster, namespace=ns)
    assert await controller.poll(lambda: synced(cluster, es, namespace=ns), within=READY_DEADLINE)
    secret = await cluster.client.get("v1", "secrets", es["target"], namespace=ns)
    assert set(secret["data"]) == {"user"}

    assert await controller.stop() == 0
    assert await lease_holder(cluster, ns) == "", "the Lease was not released on SIGTERM"


async def apply_walkthrough(cluster: Cluster, *, namespace: str) -> dict[str, str]:
    """README's credentials, a SecretStore on them and an ExternalSecret extracting app-secret."""
    creds = example("awssm-secret.yaml")
    creds["metadata"]["namespace"] = namespace
    await cluster.client.create("v1", "secrets", creds, namespace=namespace)
    store = {
        "apiVersion": ES_API,
        "kind": "SecretStore",
        "metadata": {"name": "aws", "namespace": namespace},
        "spec": example("cluster-secret-store.yaml")["spec"],
    }
    for ref in store["spec"]["provider"]["aws"]["auth"]["secretRef"].values():
        ref.pop("namespace")
    await cluster.client.create(ES_API, "secretstores", store, namespace=namespace)
    body = example("external-secret.yaml")
    body["metadata"]["namespace"] = namespace
    body["spec"]["secretStoreRef"] = {"kind": "SecretStore", "name": "aws"}
    await cluster.client.create(ES_API, "externalsecrets", body, namespace=namespace)
    return {"name": body["metadata"]["name"], "target": body["spec"]["target"]["name"]}


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "manifests" / "examples" / name).read_text())
    return doc


async def synced(cluster: Cluster, es: dict[str, str], *, namespace: str) -> bool:
    obj = await cluster.client.get(ES_API, "externalsecrets", es["name"], namespace=namespace)
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True" and cond.get("reason") == "SecretSynced")
    return False
