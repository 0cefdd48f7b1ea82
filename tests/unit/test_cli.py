"""``eso run`` flags: each sets its settings field, and its help says the unit and default."""

from __future__ import annotations

import pytest

from eso.cli import build_parser, settings_from_args
from eso.settings import Settings


def _run(*args: str) -> Settings:
    return settings_from_args(build_parser().parse_args(["run", *args]))


def test_aws_throttle_flags_set_the_throttle_settings() -> None:
    s = _run(
        "--aws-throttle-decrease=0.5",
        "--aws-throttle-increase=4",
        "--aws-throttle-recovery=0",
        "--aws-throttle-min-rate=0.5",
        "--aws-throttle-reset-after=2m30s",
    )
    got = (s.aws.throttle_decrease, s.aws.throttle_increase, s.aws.throttle_recovery)
    assert got == (0.5, 4.0, 0.0)
    assert (s.aws.throttle_min_rate, s.aws.throttle_reset_after) == (0.5, 150.0)


def test_scale_flags_set_the_scale_settings() -> None:
    s = _run("--concurrent-waiting=0", "--aws-batch-max-inflight=4", "--aws-batch-prefetch=false")
    assert s.controller.concurrent_waiting == 0
    assert (s.aws.batch_max_inflight, s.aws.batch_prefetch) == (4, False)


def test_without_flags_the_settings_are_the_defaults() -> None:
    assert _run().aws == Settings().aws


def test_a_throttle_cut_outside_0_1_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="throttle_decrease"):
        _run("--aws-throttle-decrease=1.5")


def test_throttle_help_states_units_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(in calls/s per second; default: 2.0)" in text
    assert "(in calls/s; default: 1.0)" in text
    assert "--aws-throttle-decrease N" in text and "(default: 0.7)" in text
    assert "--aws-throttle-reset-after DURATION" in text and "default: 5m" in text
