"""``python -m bench.sharded`` end to end at N=30, so the sharding benchmark cannot rot unnoticed.

The test awaits the same ``bench.sharded.run`` the command runs: its own control plane and moto,
one ``eso run`` with ``--shards 1``, then two sharded replicas, each run with a short steady
window of refreshes (2 s interval), a SIGKILL of one and new ExternalSecrets created
meanwhile. Short Leases (4 s) keep the takeover quick. It asserts that the run completes, that
nothing was missed and that the report carries every figure it promises; never a timing (those
belong to the benchmark, not to a test on a shared machine).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# ``bench`` is a top-level directory of the repository, not part of the installed package.
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sharded import markdown, run  # noqa: E402
from eso.settings import LeaderSettings  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

N, NEW, REPLICAS, SHARDS = 30, 5, 2, 4
LEASE = LeaderSettings(lease_duration=4, renew_deadline=3, retry_period=1)
COLD_FIGURES = {"cold_sync_seconds", "cpu_seconds", "peak_rss_bytes", "es_reconciles"}
COLD_FIGURES |= {"slots_held"}
KILL_FIGURES = {"killed_replica_slots", "takeover_seconds", "takeover_after_last_renew_seconds"}
KILL_FIGURES |= {"new", "new_all_ready", "new_all_ready_seconds", "secrets_missed"}
KILL_FIGURES |= {"survivor_slots_held"}
STEADY_FIGURES = {"seconds", "syncs", "syncs_per_second", "cpu_seconds", "cpu_ms_per_sync"}
STEADY_FIGURES |= {"aws_calls", "aws_calls_per_sync", "k8s_requests", "reconciles"}


async def test_sharded_bench_runs_to_completion_and_misses_no_secret(tmp_path: Path) -> None:
    doc = await run(
        n=N,
        m=NEW,
        replicas=REPLICAS,
        shards=SHARDS,
        out=tmp_path,
        within=120.0,
        lease=LEASE,
        refresh="2s",
        steady=3.0,
    )

    assert doc["n"] == N and doc["lease"]["duration"] == LEASE.lease_duration
    single, sharded = doc["single"], doc["sharded"]
    assert single["cold"].keys() >= COLD_FIGURES and sharded["cold"].keys() >= COLD_FIGURES
    assert single["cold"]["slots_held"] == [0]  # --shards 1 holds no slot Lease
    assert len(sharded["cold"]["cpu_seconds"]) == REPLICAS
    assert sum(sharded["cold"]["slots_held"]) == SHARDS
    assert sum(sharded["cold"]["es_reconciles"]) >= N
    for one in (single, sharded):  # every object refreshed in the window, on every replica
        steady = one["steady"]
        assert steady.keys() >= STEADY_FIGURES
        assert steady["syncs"] >= N and len(steady["cpu_seconds"]) == one["replicas"]
        assert sum(steady["reconciles"]) >= N
    kill = sharded["kill"]
    assert kill.keys() >= KILL_FIGURES
    assert kill["new_all_ready"] and kill["secrets_missed"] == 0
    assert kill["survivor_slots_held"] == [SHARDS]
    assert len(kill["takeover_after_last_renew_seconds"]) == kill["killed_replica_slots"]
    assert "takeover" in markdown(doc) and "CPU per sharded replica / 1 replica's" in markdown(doc)
