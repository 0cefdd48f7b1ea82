"""``eso demo``: the user's walkthrough on this machine, no cluster and no AWS account needed.

It plays the five steps of the README on a local control plane and a moto server, with
``eso run`` as a separate process exactly as in a cluster (only the AWS endpoint is pointed at
moto). Objects are applied with ``kubectl`` when it is installed, so what the user sees is
what they would type; without kubectl the same manifests go through our test client.

Values are never printed: the Secret's keys are shown with masked values, and the change in
AWS is shown by its effect (the data hash and the masked length), not by the value.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from localkube.apiserver.server import LocalControlPlane
from localkube.moto import MotoSecrets, MotoServer, fake_aws_env
from localkube.rawclient import ApiStatusError, RawClient

# The repository checkout this harness is installed from (editable, as `make install` does).
ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "manifests" / "examples"
CRDS = ROOT / "manifests" / "crds"
WORKDIR = Path(".demo")
CRD_API = "apiextensions.k8s.io/v1"
ES_API = "external-secrets.io/v1"
T = TypeVar("T")


def _say(text: str) -> None:
    print(text, flush=True)


def _step(n: int, text: str) -> None:
    _say(f"\n\033[1m[{n}] {text}\033[0m" if sys.stdout.isatty() else f"\n[{n}] {text}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _mask(value: bytes) -> str:
    return "*" * min(len(value), 12) + f" ({len(value)} bytes)"


async def _wait(what: str, probe: Callable[[], Awaitable[T | None]], *, within: float) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = await probe()
        if got:
            return got
        await asyncio.sleep(0.2)
    raise TimeoutError(f"timed out after {within:.0f}s waiting for {what}")


class Demo:
    """Owns the demo's processes and clients; ``close`` tears everything down."""

    def __init__(self) -> None:
        self.plane = LocalControlPlane()
        self.moto = MotoServer()
        self.kubeconfig = (WORKDIR / "kubeconfig").resolve()
        self.log_path = (WORKDIR / "eso.log").resolve()
        self.client: RawClient | None = None
        self.controller: subprocess.Popen[bytes] | None = None
        self.metrics_port = _free_port()
        self.live_port = _free_port()

    async def start_infrastructure(self) -> None:
        WORKDIR.mkdir(exist_ok=True)  # noqa: ASYNC240 - once, before serving
        await self.plane.start(0)
        self.plane.write_kubeconfig(self.kubeconfig)
        self.moto.start()
        self.client = await RawClient.from_kubeconfig(self.kubeconfig)
        _say(f"    local control plane: {self.plane.url}  (kubeconfig {self.kubeconfig})")
        _say(f"    moto (AWS Secrets Manager): {self.moto.url}")

    def start_controller(self) -> None:
        env = {**os.environ, **fake_aws_env(self.moto.url, region="ap-south-1")}
        args = [
            sys.executable,
            "-m",
            "eso",
            "run",
            "--kubeconfig",
            str(self.kubeconfig),
            "--metrics-addr",
            f"127.0.0.1:{self.metrics_port}",
            "--live-addr",
            f"127.0.0.1:{self.live_port}",
            "--log-format",
            "json",
        ]
        log = self.log_path.open("wb")
        self.controller = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        _say(f"    eso run (pid {self.controller.pid}), logs in {self.log_path}")

    async def close(self) -> None:
        if self.controller is not None and self.controller.poll() is None:
            self.controller.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.controller.wait, 30)
            except subprocess.TimeoutExpired:
                self.controller.kill()
        if self.client is not None:
            await self.client.close()
        await self.plane.stop()
        self.moto.stop()

    @property
    def api(self) -> RawClient:
        assert self.client is not None
        return self.client

    async def apply(self, path: Path) -> None:
        """``kubectl apply -f path`` (or the same through our client without kubectl)."""
        if shutil.which("kubectl"):
            cmd = ["kubectl", "--kubeconfig", str(self.kubeconfig), "apply", "-f", str(path)]
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            out, _ = await proc.communicate()
            for line in out.decode().splitlines():
                _say(f"    $ kubectl apply -f {path.name}: {line}")
            if proc.returncode != 0:
                raise RuntimeError(f"kubectl apply -f {path} failed")
            return
        for doc in yaml.safe_load_all(path.read_text()):  # noqa: ASYNC240
            if doc:
                await self._create_or_replace(doc)
                _say(f"    applied {doc['kind']}/{doc['metadata']['name']}")

    async def _create_or_replace(self, doc: dict[str, Any]) -> None:
        api_version, kind = doc["apiVersion"], doc["kind"]
        plural = {"CustomResourceDefinition": "customresourcedefinitions"}.get(
            kind, kind.lower() + "s"
        )
        ns = doc["metadata"].get("namespace")
        try:
            await self.api.create(api_version, plural, doc, namespace=ns)
        except ApiStatusError as e:
            if e.status != 409:
                raise
            current = await self.api.get(api_version, plural, doc["metadata"]["name"], namespace=ns)
            doc["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            await self.api.update(api_version, plural, doc, namespace=ns)

    async def crds_established(self) -> bool:
        """Every eso CRD Established (a new CRD is served only then, as on a real cluster)."""
        for path in sorted(CRDS.glob("*.yaml")):
            name = yaml.safe_load(path.read_text())["metadata"]["name"]
            crd = await self.api.get(CRD_API, "customresourcedefinitions", name)
            listed = (crd.get("status") or {}).get("conditions") or []
            if not any(c["type"] == "Established" and c["status"] == "True" for c in listed):
                return False
        return True

    async def condition(
        self, plural: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        try:
            obj = await self.api.get(ES_API, plural, name, namespace=namespace)
        except ApiStatusError:
            return None
        for cond in obj.get("status", {}).get("conditions", []):
            if cond.get("type") == "Ready":
                return dict(cond)
        return None

    async def secret_data(self) -> dict[str, bytes] | None:
        try:
            obj = await self.api.get("v1", "secrets", "allfunds-secret", namespace="allfunds")
        except ApiStatusError:
            return None
        return {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}

    def check_controller(self) -> None:
        if self.controller is not None and self.controller.poll() is not None:
            raise RuntimeError(
                f"eso run exited with {self.controller.returncode}; see {self.log_path}"
            )


async def _walkthrough(demo: Demo) -> None:
    _step(1, "Start a local control plane, AWS (moto) and eso")
    await demo.start_infrastructure()
    for crd in sorted(CRDS.glob("*.yaml")):
        await demo.apply(crd)
    await _wait("the CRDs to be Established", demo.crds_established, within=30)
    secrets = MotoSecrets(demo.moto.url, region="ap-south-1")
    await secrets.create("app-secret", {"username": "allfunds", "password": "first-password"})
    _say("    created app-secret in AWS Secrets Manager (ap-south-1) with keys username, password")
    demo.start_controller()

    _step(2, "Put AWS keys in a Secret (awssm-secret in default)")
    await demo.apply(EXAMPLES / "awssm-secret.yaml")

    _step(3, "Apply the ClusterSecretStore global-secret-store")
    await demo.apply(EXAMPLES / "cluster-secret-store.yaml")
    cond = await _wait(
        "the store to be Ready",
        _ready_probe(demo, "clustersecretstores", "global-secret-store", None),
        within=60,
    )
    _say(f"    Ready={cond['status']} reason={cond.get('reason')} message={cond.get('message')!r}")

    _step(4, "Apply the ExternalSecret allfunds-secret (refreshInterval 1m, extract app-secret)")
    await demo.apply(EXAMPLES / "namespace.yaml")
    await demo.apply(EXAMPLES / "external-secret.yaml")
    cond = await _wait(
        "the ExternalSecret to be SecretSynced",
        _ready_probe(demo, "externalsecrets", "allfunds-secret", "allfunds"),
        within=60,
    )
    _say(f"    Ready={cond['status']} reason={cond.get('reason')} message={cond.get('message')!r}")
    data = await _wait("the Secret", demo.secret_data, within=30)
    _say("    Secret allfunds/allfunds-secret:")
    for key, value in sorted(data.items()):
        _say(f"      {key}: {_mask(value)}")

    _step(5, "A Pod reads the Secret as environment variables")
    await demo.apply(EXAMPLES / "pod.yaml")
    _say("    (the local control plane stores Pods but runs no kubelet; in a cluster the Pod's")
    _say(f"     environment has {', '.join(sorted(data))} from envFrom: secretRef allfunds-secret)")

    _step(6, "Change the value in AWS: the Secret follows")
    await secrets.put("app-secret", {"username": "allfunds", "password": "second-password!"})
    _say("    put a new version of app-secret; the next refresh (at most 1m) picks it up.")
    _say("    forcing it now, as ESO users do: kubectl annotate es allfunds-secret force-sync=...")
    await demo.api.patch(
        ES_API,
        "externalsecrets",
        "allfunds-secret",
        {"metadata": {"annotations": {"force-sync": str(int(time.time()))}}},
        namespace="allfunds",
    )
    old = data["password"]

    async def changed() -> dict[str, bytes] | None:
        demo.check_controller()
        now = await demo.secret_data()
        return now if now and now.get("password") != old else None

    data = await _wait("the Secret to follow AWS", changed, within=90)
    _say(f"    password is now {_mask(data['password'])} (was {_mask(old)})")


def _ready_probe(
    demo: Demo, plural: str, name: str, namespace: str | None
) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def probe() -> dict[str, Any] | None:
        demo.check_controller()
        cond = await demo.condition(plural, name, namespace=namespace)
        return cond if cond and cond.get("status") == "True" else None

    return probe


def _look_around(demo: Demo) -> None:
    k = f"kubectl --kubeconfig {demo.kubeconfig}"
    _say("\nThe demo keeps running. Look around in another terminal:")
    for cmd in (
        f"{k} get clustersecretstores",
        f"{k} describe clustersecretstore global-secret-store",
        f"{k} get es -n allfunds",
        f"{k} describe es -n allfunds allfunds-secret",
        f"{k} get secret -n allfunds allfunds-secret -o yaml",
        f"curl -s 127.0.0.1:{demo.metrics_port}/metrics | grep externalsecret_",
        f"tail -f {demo.log_path}",
    ):
        _say(f"    {cmd}")
    _say("Ctrl-C stops everything.")


async def _main(*, keep_running: bool) -> int:
    demo = Demo()
    started = time.monotonic()
    try:
        await _walkthrough(demo)
        _say(f"\nWalkthrough done in {time.monotonic() - started:.1f}s.")
        if keep_running:
            _look_around(demo)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        return 0
    except (TimeoutError, RuntimeError) as e:
        _say(f"\ndemo failed: {e}")
        with contextlib.suppress(OSError):
            tail = demo.log_path.read_text().splitlines()[-15:]
            _say(
                "last controller log lines:\n"
                + "\n".join(json.dumps(json.loads(x)) if x.startswith("{") else x for x in tail)
            )
        return 1
    finally:
        _say("stopping ...")
        await demo.close()


def main(*, keep_running: bool) -> int:
    """Run the walkthrough; with ``keep_running`` serve until Ctrl-C afterwards."""
    try:
        return asyncio.run(_main(keep_running=keep_running))
    except KeyboardInterrupt:
        return 0
