"""Fixtures of the control plane suite: a fresh namespace and the installed test CRD."""

from __future__ import annotations

from typing import Any

import pytest
from cp_helpers import widget_crd

from localkube.pytest_cluster import Cluster


@pytest.fixture
async def ns(cluster: Cluster) -> str:
    return await cluster.create_namespace()


@pytest.fixture
async def widgets(cluster: Cluster) -> dict[str, Any]:
    return await cluster.install_crd(widget_crd())
