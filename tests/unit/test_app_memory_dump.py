"""``ESO_TRACEMALLOC``: off unless a frame count is given; SIGUSR1 prints allocation sites."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from eso import app


@pytest.fixture
def untraced() -> Iterator[None]:
    was = tracemalloc.is_tracing()
    tracemalloc.stop()
    yield
    tracemalloc.stop()
    if was:
        tracemalloc.start()


@pytest.mark.parametrize("value", ["", "0", "yes"])
def test_tracing_stays_off_without_a_frame_count(untraced: None, value: str) -> None:
    app._start_tracing(value)
    assert not tracemalloc.is_tracing()


def test_the_dump_lists_allocation_sites(
    untraced: None, capsys: pytest.CaptureFixture[str]
) -> None:
    app._start_tracing("2")
    assert tracemalloc.get_traceback_limit() == 2
    kept = [bytearray(1 << 16) for _ in range(4)]
    app._dump_allocations()
    err = capsys.readouterr().err
    assert err.startswith("tracemalloc: current=") and "MiB" in err.splitlines()[1]
    del kept
