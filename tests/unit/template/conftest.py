"""Shared helpers for the template function tests: ESO's fixture files and Go-string bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from eso.template.functions._gostr import go_string

TESTDATA = Path(__file__).parent / "testdata"


def fixture_text(*names: str) -> str:
    """The concatenated contents of ESO's ``_testdata`` files ``names``."""
    return "".join((TESTDATA / n).read_text() for n in names)


def fixture_bytes_as_go_string(name: str) -> str:
    """A binary fixture as the Go string a template would hold after ``b64dec``."""
    return go_string((TESTDATA / name).read_bytes())


@pytest.fixture
def testdata() -> Path:
    return TESTDATA
