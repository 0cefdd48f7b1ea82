"""configure(): JSON vs console vs auto, level filtering, bad values, bound context in lines."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from eso.app import run
from eso.logging import bound, configure
from eso.settings import LogSettings, Settings


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure() is process-global: put structlog and the root logger back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_json_format_writes_one_json_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure(level="info", fmt="json")
    log = structlog.get_logger("test")
    log.info("secret_synced", keys=2)
    log.warning("store_invalid")

    first, second = _json_lines(capsys.readouterr().err)
    assert first["event"] == "secret_synced"
    assert first["keys"] == 2
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    assert (second["event"], second["level"]) == ("store_invalid", "warning")


def test_console_format_is_human_readable_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure(level="info", fmt="console")
    structlog.get_logger("test").info("secret_synced", keys=2)

    (line,) = capsys.readouterr().err.splitlines()
    assert "secret_synced" in line
    assert "keys=2" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_auto_format_is_json_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(fmt="auto")
    structlog.get_logger("test").info("started")

    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "started"


def test_auto_format_is_console_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    configure(fmt="auto")
    structlog.get_logger("test").info("started")

    out = terminal.getvalue()
    assert "started" in out
    assert not out.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        pytest.param("debug", ["debug", "info", "warning", "error"], id="debug"),
        pytest.param("info", ["info", "warning", "error"], id="info"),
        pytest.param("warning", ["warning", "error"], id="warning"),
        pytest.param("warn", ["warning", "error"], id="warn-alias"),
        pytest.param("ERROR", ["error"], id="case-insensitive"),
    ],
)
def test_loglevel_filters_lower_levels(
    level: str, shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    configure(level=level, fmt="json")
    log = structlog.get_logger("test")
    log.debug("a_debug")
    log.info("an_info")
    log.warning("a_warning")
    log.error("an_error")

    assert [line["level"] for line in _json_lines(capsys.readouterr().err)] == shown


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown log level 'verbose'"):
        configure(level="verbose", fmt="json")


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        configure(level="info", fmt="xml")


def test_eso_run_with_a_bad_loglevel_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(Settings(log=LogSettings(level="chatty"))) == 2
    assert "unknown log level 'chatty'" in capsys.readouterr().err


def test_bound_contextvars_appear_in_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Per-reconcile context bound once shows up in every line logged inside the reconcile."""
    configure(level="debug", fmt="json")
    log = structlog.get_logger("test")
    with bound(
        controller="externalsecret", namespace="allfunds", name="allfunds-secret", reconcile_id="r1"
    ):
        log.debug("fetching")
        log.info("secret_synced")
    log.info("idle")

    inside_1, inside_2, outside = _json_lines(capsys.readouterr().err)
    context = {
        "controller": "externalsecret",
        "namespace": "allfunds",
        "name": "allfunds-secret",
        "reconcile_id": "r1",
    }
    assert context.items() <= inside_1.items()
    assert context.items() <= inside_2.items()
    assert not context.keys() & outside.keys()


def test_a_nested_binding_restores_the_outer_values_when_it_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reconcile's context inside the worker's: the worker's lines keep their own name."""
    configure(level="info", fmt="json")
    log = structlog.get_logger("test")
    with bound(controller="externalsecret", name="outer"):
        with bound(name="inner", namespace="ns"):
            log.info("inside")
        log.info("after")
    log.info("outside")

    inside, after, outside = _json_lines(capsys.readouterr().err)
    assert (inside["name"], inside["namespace"], inside["controller"]) == (
        "inner",
        "ns",
        "externalsecret",
    )
    assert after["name"] == "outer" and "namespace" not in after
    assert not {"name", "namespace", "controller"} & outside.keys()


def test_exceptions_are_rendered_into_the_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure(level="info", fmt="json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        structlog.get_logger("test").exception("reconcile_crashed")

    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "reconcile_crashed"
    assert "RuntimeError: boom" in line["exception"]


def test_stdlib_records_are_rendered_as_json_lines_too(capsys: pytest.CaptureFixture[str]) -> None:
    """aiohttp/botocore log through stdlib logging; in a cluster their lines are JSON as well."""
    configure(level="info", fmt="json")
    logging.getLogger("aiohttp.client").warning("connection reset by %s", "peer")

    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "connection reset by peer"
    assert (line["logger"], line["level"]) == ("aiohttp.client", "warning")
    assert line["timestamp"].endswith("Z")


def test_stdlib_debug_stays_silent_even_at_loglevel_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """botocore's DEBUG records carry raw response bodies, i.e. secret values."""
    configure(level="debug", fmt="json")
    logging.getLogger("botocore.parsers").debug("Response body: %s", "s3cr3t")
    logging.getLogger("botocore.parsers").info("Response headers")

    assert "s3cr3t" not in capsys.readouterr().err


def test_configuring_twice_does_not_duplicate_stdlib_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(level="info", fmt="json")
    configure(level="info", fmt="json")
    logging.getLogger("asyncio").error("task was destroyed")

    assert len(_json_lines(capsys.readouterr().err)) == 1
