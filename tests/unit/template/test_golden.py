"""Our engine renders every case of ``tests/golden/gotemplate/cases.json`` exactly as Go did.

``golden.json`` is Go's own output for each case (``make golden`` regenerates it with the Go
toolchain; CI only reads it). A few cases differ on purpose: where Go's message would quote a
data value, ours names its type instead (``REDACTED``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden_funcs import golden_funcs

from eso.template import Template, TemplateExecError, TemplateParseError
from eso.template.values import StringMap

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden" / "gotemplate"
_FILE: dict[str, Any] = json.loads((GOLDEN_DIR / "cases.json").read_text("utf-8"))
DATASETS: dict[str, Any] = _FILE["datasets"]
CASES: list[dict[str, Any]] = _FILE["cases"]
GOLDEN: dict[str, dict[str, str]] = json.loads((GOLDEN_DIR / "golden.json").read_text("utf-8"))

# Go's message embeds the value (``range can't iterate over hunter2``); ours names its type.
REDACTED: dict[str, str] = {
    "range_int_two_vars": 'template: range_int_two_vars:1:18: executing "range_int_two_vars" '
    "at <3>: can't use value of type int to iterate over more than one variable",
    "range_string_error": 'template: range_string_error:1:8: executing "range_string_error" '
    "at <.a>: range can't iterate over value of type string",
    "range_bool_error": 'template: range_bool_error:1:8: executing "range_bool_error" '
    "at <true>: range can't iterate over value of type bool",
    "range_float_error": 'template: range_float_error:1:8: executing "range_float_error" '
    "at <1.5>: range can't iterate over value of type float64",
    "eq_map_slice_noncomparable_types": "template: eq_map_slice_noncomparable_types:1:2: "
    'executing "eq_map_slice_noncomparable_types" at <eq .m .l>: error calling eq: '
    "non-comparable types map[string]interface {} and []interface {}",
    "bytes_eq": 'template: bytes_eq:1:2: executing "bytes_eq" at <eq (bytesOf "a") '
    '(bytesOf "a")>: error calling eq: non-comparable type []uint8',
    "time_range": 'template: time_range:1:14: executing "time_range" at <0>: '
    "range can't iterate over value of type time.Time",
}
# Not implemented: complex constants (no ESO template can use them: no function takes one).
UNSUPPORTED: dict[str, tuple[str, str]] = {
    "lit_complex_unsupported": (
        "parse",
        "template: lit_complex_unsupported:1: complex constants are not supported: 1+2i",
    ),
}


def _data(case: dict[str, Any]) -> Any:
    data = DATASETS[case["dataset"]] if "dataset" in case else case.get("data")
    if case.get("strings"):
        return StringMap(data or {})
    return data


def _render(case: dict[str, Any]) -> tuple[str, str]:
    """(phase, output or error message) like golden.json records them."""
    try:
        tpl = Template.parse(
            case["name"],
            case["template"],
            funcs=golden_funcs(),
            left=case.get("left", "{{"),
            right=case.get("right", "}}"),
            missingkey=case.get("missingkey") or "error",
        )
    except TemplateParseError as e:
        return "parse", str(e)
    try:
        return "ok", tpl.execute(_data(case))
    except TemplateExecError as e:
        return "exec", str(e)


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 300
    assert {c["name"] for c in CASES} == set(GOLDEN)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_go(case: dict[str, Any]) -> None:
    want = GOLDEN[case["name"]]
    phase, got = _render(case)
    expected = want.get("output", want.get("error", ""))
    if case["name"] in REDACTED:
        expected = REDACTED[case["name"]]
    if case["name"] in UNSUPPORTED:
        assert (phase, got) == UNSUPPORTED[case["name"]]
        return
    assert (phase, got) == (want["phase"], expected)
