"""``make bench`` end to end at N=50, so the benchmark cannot rot unnoticed.

The test awaits the same ``bench.cli.run`` that ``python -m bench`` runs: a control plane, moto
and ``eso run`` in their own processes, cold sync, storm, restart and the raw baseline. It
asserts that the run completes, that every ExternalSecret was seen Ready and that the results
carry every figure the report promises; never a timing (those belong to the benchmark, not to
a test on a shared machine). With ``ESO_TEST_KUBECONFIG`` set it runs against that cluster.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# ``bench`` is a top-level directory of the repository, not part of the installed package.
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cli import run  # noqa: E402
from bench.config import BenchConfig  # noqa: E402
from bench.report import batch_histogram  # noqa: E402
from localkube.pytest_cluster import real_kubeconfig  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

N = 50
NEW = 10
RUN_FIGURES = {"setup", "idle", "cold_sync", "storm", "controller", "restart", "baseline"}
RUN_FIGURES |= {"timeline"}
COLD_FIGURES = {"seconds", "start_to_ready_seconds", "syncs_per_second", "latency_seconds"}
COLD_FIGURES |= {"aws_calls_per_sync", "k8s_requests_per_sync", "controller_cpu_seconds"}
COLD_FIGURES |= {"controller_peak_rss_bytes"}
PERCENTILES = {"p50", "p95", "p99", "max"}


async def test_bench_runs_to_completion_with_every_external_secret_ready(tmp_path: Path) -> None:
    kubeconfig = real_kubeconfig()
    cfg = BenchConfig(
        n=N,
        out=tmp_path,
        kubeconfig=Path(kubeconfig) if kubeconfig else None,
        storm_new=NEW,
        storm_seconds=2.0,
        plot=False,
        timeout_seconds=120.0,
    )

    doc = await run(cfg, command="smoke test")

    written = json.loads((tmp_path / f"bench-n{N}.json").read_text())
    assert (tmp_path / f"bench-n{N}.md").read_text().startswith(f"# eso benchmark, N={N}")
    assert written["settings"]["n"] == N
    assert written.keys() >= {"machine", "settings", "runs", "targets"}
    [result] = written["runs"]
    assert result.keys() >= RUN_FIGURES
    cold, storm = result["cold_sync"], result["storm"]
    assert cold["all_ready"] and cold["n"] == N
    assert len(result["timeline"]["cold_latencies"]) == N
    assert storm["all_ready"] and len(result["timeline"]["storm_latencies"]) == NEW
    assert cold.keys() >= COLD_FIGURES
    assert cold["latency_seconds"].keys() >= PERCENTILES
    assert storm["new_latency_seconds"].keys() >= PERCENTILES
    steps = storm["new_latency_steps"]  # where a new object waited: every one of them counted
    for step in ("create_answered", "create_seen", "seen_ready"):
        assert steps[step]["count"] == NEW
    assert steps["mean_queue_seconds"].keys() >= {"externalsecret"}
    assert "PATCH,externalsecrets" in steps["mean_request_seconds"]
    assert cold["sync_calls"] >= N
    assert batch_histogram(result, "cold_sync") != "-"  # batches by size, from the buckets
    assert result["restart"]["objects"] == N + NEW
    assert "efficiency" in result["baseline"]
    targets = {t["name"] for t in written["targets"]}
    assert {"controller RSS at 10k", "start-to-ready with 10k objects"} <= targets
    assert doc["settings"] == written["settings"]
