"""heap: what is alive at start-up and at the first sync is never scanned by the collector."""

from __future__ import annotations

import subprocess
import sys

from eso import heap

# In a child process: freezing is process-wide and would change the test run's own collector.
_PROBE = """
import gc
from eso import heap
import eso.controllers.manager  # the imports `eso run` has made before settle_startup
heap.settle_startup()
after_startup = gc.get_freeze_count()
cache = [{"built": [i]} for i in range(1000)]  # what a first list builds
heap.settle_synced()
frozen_at_sync = gc.get_freeze_count() - after_startup
print(after_startup, frozen_at_sync, sum(gc.get_count()), gc.get_threshold()[0])
"""


def test_startup_and_first_sync_objects_leave_the_collectors_generations() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    frozen_at_startup, frozen_at_sync, left_to_scan, young = map(int, out)
    assert frozen_at_startup > 10_000  # the imports' objects
    assert frozen_at_sync >= 1000  # the list's dicts
    assert left_to_scan < 100
    assert young == heap.YOUNG_THRESHOLD
