"""``make bench-throttled`` end to end at N=40 behind a 10 calls/s front, so the run cannot rot.

Asserts that both phases complete, no Secret is lost, the front throttled some calls and eso
counted exactly those, and the report names how far over the limit eso went; never a timing.
Always on the local control plane: the run starts its own servers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.throttled import markdown, run  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

N = 40


async def test_throttled_run_converges_without_losing_secrets(tmp_path: Path) -> None:
    figures = await run(N, out=tmp_path, limit=10.0, within=150.0)
    assert figures["secrets_lost"] == 0
    front = (
        figures["cold_sync_front"]["calls_throttled"] + figures["resync_front"]["calls_throttled"]
    )
    assert front > 0, "the front never throttled: the run measured nothing"
    assert figures["eso_throttled_calls"] == front
    assert figures["aws_calls_by_call"]["GetSecretValue,success"] >= 2 * N  # cache off: each phase
    assert "over the limit" in markdown(figures)
