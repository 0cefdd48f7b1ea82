"""``make bench-parameterstore`` end to end at N=20, so the Parameter Store run cannot rot.

Asserts that the cold sync completes and reports its figures, and that the controller read
Parameter Store through ``GetParameters`` batches (never one call per ExternalSecret); never a
timing. Always on the local control plane: the run starts its own servers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.parameterstore import markdown, run  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

N = 20


async def test_parameter_store_cold_sync_reports_calls_per_sync(tmp_path: Path) -> None:
    figures = await run(N, out=tmp_path, stores=2, within=120.0)
    assert figures["n"] == N
    assert {"cold_sync_seconds", "aws_calls_per_sync", "aws_calls_by_call"} <= set(figures)
    by_call = figures["aws_calls_by_call"]
    assert by_call.get("GetParameters,success", 0) >= 2  # one identity per store at least
    assert "GetParameter,success" not in by_call
    assert figures["aws_calls_per_sync"] < 1
    assert "AWS calls per sync" in markdown(figures)
