"""How a failed provider read is retried: backoff when it may heal, a fixed schedule if not."""

from __future__ import annotations

import pytest

from eso.controllers.externalsecret.errors import provider_failure


def test_transient_failures_are_retried_with_backoff_by_the_worker() -> None:
    failed = provider_failure("unavailable", transient=True, interval=3600.0, slow=300.0)
    assert failed.retry
    assert failed.requeue_after is None


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        pytest.param(60.0, 60.0, id="refresh-interval"),
        pytest.param(3600.0, 300.0, id="capped-at-store-requeue-interval"),
        pytest.param(0.0, 300.0, id="sync-once-still-retries"),
    ],
)
def test_permanent_failures_wait_for_the_next_refresh(interval: float, expected: float) -> None:
    failed = provider_failure("not found", transient=False, interval=interval, slow=300.0)
    assert not failed.retry
    assert failed.requeue_after == expected
    assert failed.message == "could not get secret data from provider: not found"
