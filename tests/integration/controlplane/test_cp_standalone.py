"""``eso local-cluster``: serves on 127.0.0.1, writes a usable kubeconfig, exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from localkube.pytest_cluster import wait_for
from localkube.rawclient import RawClient


async def test_local_cluster_command_serves_until_terminated(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "eso", "local-cluster", "--port", "0",
        "--kubeconfig", str(kubeconfig), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert b"https://127.0.0.1:" in first
        await wait_for(lambda: asyncio.sleep(0, kubeconfig.exists()), timeout=30)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            version = await client.request("GET", "/version")
            namespaces = await client.list("v1", "namespaces")
        assert version["major"] == "1"
        assert "default" in {n["metadata"]["name"] for n in namespaces["items"]}
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
