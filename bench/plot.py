"""The PNG: latency CDFs (cold sync and storm) and syncs per second over time, per run.

matplotlib is optional (the ``bench`` extra); without it ``write_plot`` returns None and the
caller prints a note. The Agg backend is used so no display is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_plot(doc: dict[str, Any], path: Path) -> Path | None:
    """Draw the figure into ``path``; None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (cdf, rate) = plt.subplots(1, 2, figsize=(13, 4.8))
    for run in doc["runs"]:
        tl = run["timeline"]
        for name, samples, style in (
            ("cold sync", tl["cold_latencies"], "-"),
            ("storm, new objects", tl["storm_latencies"], "--"),
        ):
            xs = sorted(samples)
            if xs:
                ys = [(i + 1) / len(xs) for i in range(len(xs))]
                cdf.plot(xs, ys, style, label=f"{run['label']}: {name}")
        per_second = tl["syncs_per_second"]
        rate.plot(range(len(per_second)), per_second, label=run["label"])
        lo, hi = tl["storm_window"]
        rate.axvspan(lo, hi, alpha=0.15)
    n = doc["settings"]["n"]
    cdf.set(
        xscale="log",
        xlabel="create → Ready latency (s)",
        ylabel="fraction of objects",
        title=f"Latency CDF, N={n}",
    )
    cdf.grid(True, which="both", alpha=0.3)
    cdf.legend(fontsize=8)
    rate.set(
        xlabel="seconds since controller start",
        ylabel="syncs completed per second",
        title="Throughput (shaded: storm with new objects)",
    )
    rate.grid(True, alpha=0.3)
    rate.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
