"""Histogram buckets shared by several series groups."""

from __future__ import annotations

# Reconciles and AWS round trips: milliseconds to a few seconds.
LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Time spent queued can be minutes during a refresh storm.
QUEUE = (0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
