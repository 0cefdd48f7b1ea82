"""Which secrets a batch's free seats may carry: those due within half a lifetime."""

from __future__ import annotations

from eso.providers.aws.prefetch import DueSoon


def never(secret_id: str, lifetime: float) -> bool:
    return False


def test_a_secret_becomes_a_candidate_half_a_lifetime_before_its_next_read() -> None:
    due = DueSoon()
    due.note("a", now=0.0, interval=20.0, lifetime=20.0)  # next read at 20, candidate from 10
    assert due.take(5, now=9.9, skip=never) == []
    assert due.take(5, now=10.0, skip=never) == ["a"]
    assert due.take(5, now=30.0, skip=never) == []  # taken once, then forgotten


def test_candidates_come_out_earliest_due_first_and_at_most_count() -> None:
    due = DueSoon()
    for i, t in enumerate([5.0, 1.0, 3.0, 2.0]):
        due.note(f"s{i}", now=t, interval=10.0, lifetime=10.0)
    assert due.take(3, now=100.0, skip=never) == ["s1", "s3", "s2"]
    assert due.take(3, now=100.0, skip=never) == ["s0"]


def test_a_later_read_moves_the_secret_back() -> None:
    due = DueSoon()
    due.note("a", now=0.0, interval=10.0, lifetime=10.0)
    due.note("a", now=8.0, interval=10.0, lifetime=10.0)  # read again: next read at 18
    assert due.take(5, now=6.0, skip=never) == []
    assert due.take(5, now=13.0, skip=never) == ["a"]


def test_skipped_secrets_are_forgotten_and_others_fill_the_seats() -> None:
    due = DueSoon()
    for name in ("a", "b", "c"):
        due.note(name, now=0.0, interval=10.0, lifetime=10.0)
    assert due.take(2, now=10.0, skip=lambda sid, _: sid == "a") == ["b", "c"]
    assert len(due) == 0


def test_reads_without_a_refresh_interval_are_not_recorded_and_the_size_is_bounded() -> None:
    due = DueSoon(max_ids=2)
    due.note("never", now=0.0, interval=0.0, lifetime=30.0)
    for name in ("a", "b", "c"):
        due.note(name, now=0.0, interval=10.0, lifetime=10.0)
    assert len(due) == 2
    assert due.take(5, now=10.0, skip=never) == ["a", "b"]
