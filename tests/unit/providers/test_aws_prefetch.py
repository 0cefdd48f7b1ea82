"""Which secrets a batch's free seats may carry: what the next keys in line read last time."""

from __future__ import annotations

from eso.providers.aws.prefetch import ReadMap


def never(secret_id: str, lifetime: float) -> bool:
    return False


def test_the_next_keys_secrets_come_out_in_queue_order_up_to_the_seats() -> None:
    reads = ReadMap()
    for key, secret in [("ns/a", "s-a"), ("ns/b", "s-b"), ("ns/c", "s-c")]:
        reads.note(key, secret, lifetime=10.0)
    upcoming = [("ns/c", 0.0), ("ns/unknown", 0.0), ("ns/a", 0.0), ("ns/b", 0.0)]
    assert reads.candidates(upcoming, now=0.0, seats=2, skip=never) == ["s-c", "s-a"]


def test_keys_due_later_than_half_a_lifetime_are_passed_over() -> None:
    reads = ReadMap()
    reads.note("ns/a", "s-a", lifetime=10.0)
    reads.note("ns/b", "s-b", lifetime=10.0)
    upcoming = [("ns/a", 6.0), ("ns/b", 5.0)]
    assert reads.candidates(upcoming, now=0.0, seats=5, skip=never) == ["s-b"]


def test_skipped_and_repeated_secrets_take_no_seat() -> None:
    reads = ReadMap()
    reads.note("ns/a", "shared", lifetime=10.0)
    reads.note("ns/b", "shared", lifetime=10.0)
    reads.note("ns/b", "fresh", lifetime=10.0)
    reads.note("ns/b", "fresh", lifetime=10.0)
    upcoming = [("ns/a", 0.0), ("ns/b", 0.0)]
    got = reads.candidates(upcoming, now=0.0, seats=5, skip=lambda sid, _: sid == "fresh")
    assert got == ["shared"]


def test_the_map_is_bounded_least_recently_read_first() -> None:
    reads = ReadMap(max_keys=2)
    for key in ("a", "b", "a", "c"):
        reads.note(key, f"s-{key}", lifetime=10.0)
    upcoming = [(k, 0.0) for k in ("a", "b", "c")]
    assert len(reads) == 2
    assert reads.candidates(upcoming, now=0.0, seats=5, skip=never) == ["s-a", "s-c"]
