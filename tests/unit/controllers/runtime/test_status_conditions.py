"""Status conditions (ESO's transition rules) and refresh timing with jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eso.api import conditions as c
from eso.api.meta import format_time
from eso.controllers.externalsecret.status import (
    es_failed,
    es_synced,
    requeue_after,
    should_refresh,
)
from eso.controllers.runtime.conditions import (
    get_condition,
    is_ready,
    join_failures,
    set_condition,
)
from eso.controllers.secretstore.status import store_ready

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)


def _ready(status: str, reason: str, message: str, at: datetime = T0) -> list[dict[str, str]]:
    return set_condition([], type_="Ready", status=status, reason=reason, message=message, now=at)


def test_new_condition_gets_the_current_time() -> None:
    (cond,) = _ready("True", c.REASON_SECRET_SYNCED, c.MSG_SYNCED)
    assert cond == {
        "type": "Ready",
        "status": "True",
        "reason": "SecretSynced",
        "message": "secret synced",
        "lastTransitionTime": "2026-01-01T12:00:00Z",
    }


def test_identical_condition_is_a_no_op() -> None:
    before = _ready("True", c.REASON_SECRET_SYNCED, c.MSG_SYNCED)
    after = set_condition(
        before,
        type_="Ready",
        status="True",
        reason="SecretSynced",
        message="secret synced",
        now=LATER,
    )
    assert after == before


def test_same_status_new_message_keeps_transition_time() -> None:
    before = _ready("False", c.REASON_SECRET_SYNCED_ERROR, "a")
    (after,) = set_condition(
        before, type_="Ready", status="False", reason="SecretSyncedError", message="b", now=LATER
    )
    assert after["message"] == "b"
    assert after["lastTransitionTime"] == format_time(T0)


def test_status_change_moves_transition_time() -> None:
    before = _ready("False", c.REASON_SECRET_SYNCED_ERROR, "a")
    (after,) = set_condition(
        before, type_="Ready", status="True", reason="SecretSynced", message="ok", now=LATER
    )
    assert after["lastTransitionTime"] == format_time(LATER)


def test_other_condition_types_are_kept() -> None:
    deleted = [{"type": "Deleted", "status": "False", "reason": "SecretDeleted", "message": "x"}]
    conds = set_condition(deleted, type_="Ready", status="True", reason="r", message="m", now=T0)
    assert [cond["type"] for cond in conds] == ["Deleted", "Ready"]


def test_synced_status_sets_refresh_bookkeeping_and_binding() -> None:
    status = es_synced(
        {},
        reason=c.REASON_SECRET_SYNCED,
        message=c.MSG_SYNCED,
        now=T0,
        synced_resource_version="1-abc",
        binding="app-secret",
    )
    assert status["refreshTime"] == "2026-01-01T12:00:00Z"
    assert status["syncedResourceVersion"] == "1-abc"
    assert status["binding"] == {"name": "app-secret"}
    assert is_ready(status)


def test_failed_status_keeps_refresh_bookkeeping() -> None:
    synced = es_synced(
        {},
        reason="SecretSynced",
        message="secret synced",
        now=T0,
        synced_resource_version="1-abc",
        binding="s",
    )
    failed = es_failed(synced, reason="SecretSyncedError", message="boom", now=LATER)
    assert failed["refreshTime"] == synced["refreshTime"]
    assert failed["syncedResourceVersion"] == "1-abc"
    assert not is_ready(failed)
    assert get_condition(failed["conditions"], "Ready") is not None


def test_store_status_carries_capabilities_once_valid() -> None:
    status = store_ready(
        {}, ready=True, reason="Valid", message="store validated", now=T0, capabilities="ReadWrite"
    )
    assert status["capabilities"] == "ReadWrite"
    assert is_ready(status)


SYNCED: dict[str, Any] = {"syncedResourceVersion": "1-h", "refreshTime": format_time(T0)}


@pytest.mark.parametrize(
    ("status", "interval", "policy", "version", "now", "expected"),
    [
        pytest.param({}, 3600, "Periodic", "1-h", T0, True, id="never-synced"),
        pytest.param(SYNCED, 3600, "Periodic", "1-h", LATER, False, id="within-interval"),
        pytest.param(SYNCED, 60, "Periodic", "1-h", LATER, True, id="interval-elapsed"),
        pytest.param(SYNCED, 3600, "Periodic", "2-h", LATER, True, id="spec-changed"),
        pytest.param(SYNCED, 0, "Periodic", "1-h", LATER, False, id="sync-once"),
        pytest.param(SYNCED, 0, "Periodic", "2-h", LATER, True, id="sync-once-spec-changed"),
        pytest.param(SYNCED, 60, "CreatedOnce", "2-h", LATER, False, id="created-once"),
        pytest.param(SYNCED, 60, "OnChange", "1-h", LATER, False, id="on-change-unchanged"),
        pytest.param(SYNCED, 60, "OnChange", "2-h", LATER, True, id="on-change-changed"),
        pytest.param(
            SYNCED, 3600, "Periodic", "1-h", T0 - timedelta(hours=1), True, id="refresh-in-future"
        ),
    ],
)
def test_should_refresh(
    status: dict[str, Any],
    interval: float,
    policy: str,
    version: str,
    now: datetime,
    expected: bool,
) -> None:
    got = should_refresh(
        status=status,
        refresh_interval=interval,
        refresh_policy=policy,
        current_version=version,
        now=now,
    )
    assert got is expected


def test_requeue_is_time_left_plus_jitter_within_bounds() -> None:
    args: dict[str, Any] = {
        "status": SYNCED,
        "refresh_interval": 600,
        "refresh_policy": "Periodic",
        "now": LATER,
        "jitter": 0.1,
    }
    assert requeue_after(**args, rand=lambda: 0.0) == pytest.approx(300)
    assert requeue_after(**args, rand=lambda: 1.0) == pytest.approx(360)


def test_no_requeue_for_sync_once() -> None:
    assert (
        requeue_after(
            status=SYNCED, refresh_interval=0, refresh_policy="Periodic", now=LATER, jitter=0.1
        )
        is None
    )


def test_overdue_refresh_requeues_soon() -> None:
    got = requeue_after(
        status=SYNCED, refresh_interval=60, refresh_policy="Periodic", now=LATER, jitter=0.0
    )
    assert got == 0.0


# --- bounded messages -----------------------------------------------------------------------

FAILURES = [
    f"error processing spec.data[{i}] (key: secret-{i:03d}), err: not found" for i in range(200)
]


def test_failures_that_fit_are_all_listed() -> None:
    assert join_failures("store: ", FAILURES[:3]) == "store: " + "; ".join(FAILURES[:3])


def test_many_failures_list_the_first_ones_and_count_the_rest() -> None:
    message = join_failures("store: ", FAILURES)
    assert len(message) <= c.MAX_CONDITION_MESSAGE
    assert message.startswith("store: " + FAILURES[0] + "; " + FAILURES[1])
    shown = message.count("error processing")
    assert message.endswith(f"; ... and {len(FAILURES) - shown} more")
    assert FAILURES[shown - 1] in message  # whole failures only


def test_a_single_huge_failure_is_cut_but_still_counts_the_rest() -> None:
    message = join_failures("store: ", ["x" * 5000, "second"])
    assert len(message) == c.MAX_CONDITION_MESSAGE
    assert message.endswith("...; ... and 1 more")


def test_condition_messages_are_capped() -> None:
    (cond,) = _ready("False", c.REASON_SECRET_SYNCED_ERROR, "y" * 10_000)
    assert len(cond["message"]) == c.MAX_CONDITION_MESSAGE
    assert cond["message"].endswith("...")
