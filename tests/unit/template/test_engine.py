"""Contracts of the public API beyond Go parity: limits, reuse, options, error hygiene."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from eso.template import Limits, Template, TemplateError, TemplateExecError, TemplateParseError
from eso.template.functions.registry import MAX_OUTPUT, FuncError, FuncMap
from eso.template.values import Int64, StringMap

SECRET = "hunter2"
DATA = StringMap(pw=SECRET, user="admin")


def render(text: str, data: Any = DATA, **kw: Any) -> str:
    limits = kw.pop("limits", None)
    return Template.parse("t", text, **kw).execute(data, limits=limits)


def test_parse_once_execute_many_times_with_different_data() -> None:
    tpl = Template.parse("t", "{{ .user }}")
    assert tpl.execute(StringMap(user="a")) == "a"
    assert tpl.execute(StringMap(user="b")) == "b"


def test_limits_is_frozen_with_documented_defaults() -> None:
    limits = Limits()
    assert limits.max_output == MAX_OUTPUT
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_steps = 1  # type: ignore[misc]


def test_errors_share_one_hierarchy() -> None:
    assert issubclass(TemplateParseError, TemplateError)
    assert issubclass(TemplateExecError, TemplateError)


def test_unknown_missingkey_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="missingkey"):
        Template.parse("t", "x", missingkey="bogus")


def test_missingkey_defaults_to_error_like_eso() -> None:
    with pytest.raises(TemplateExecError, match='map has no entry for key "nope"'):
        render("{{ .nope }}")


def test_custom_delimiters_leave_default_ones_as_text() -> None:
    assert render("<< .user >> {{ .user }}", left="<<", right=">>") == "admin {{ .user }}"


def test_output_limit_stops_a_runaway_range() -> None:
    with pytest.raises(TemplateExecError, match="output exceeds the limit of 100 characters"):
        render("{{ range 1000 }}xxxxxxxxxx{{ end }}", limits=Limits(max_output=100))


def test_output_limit_applies_inside_printf() -> None:
    with pytest.raises(TemplateExecError, match="error calling printf: output exceeds"):
        render('{{ printf "%999999d%999999d" 1 2 }}', limits=Limits(max_output=1000))


def test_values_that_are_never_output_cannot_grow_without_bound() -> None:
    text = '{{ $x := "ab" }}{{ range 64 }}{{ $x = print $x $x }}{{ end }}'
    with pytest.raises(TemplateExecError, match="error calling print: result exceeds the limit"):
        render(text)


def test_step_limit_stops_long_loops() -> None:
    with pytest.raises(TemplateExecError, match="limit of 1000 evaluation steps"):
        render("{{ range 100000 }}{{ end }}", limits=Limits(max_steps=1000))


def test_step_limit_stops_nested_loops() -> None:
    text = "{{ range 1000 }}{{ range 1000 }}{{ range 1000 }}{{ end }}{{ end }}{{ end }}"
    with pytest.raises(TemplateExecError, match="evaluation steps"):
        render(text)


def test_template_depth_limit_stops_infinite_recursion() -> None:
    text = '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'
    with pytest.raises(TemplateExecError, match=r"exceeded maximum template depth \(100\)"):
        render(text)


def test_template_depth_limit_is_configurable() -> None:
    text = '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'
    with pytest.raises(TemplateExecError, match=r"maximum template depth \(5\)"):
        render(text, limits=Limits(max_depth=5))


def test_deep_nesting_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(TemplateParseError, match="max expression depth exceeded"):
        render("{{" + "(" * 500 + "1" + ")" * 500 + "}}")
    with pytest.raises(TemplateParseError, match="max nesting depth exceeded"):
        render("{{ if 1 }}" * 500 + "{{ end }}" * 500)


def test_stack_exhaustion_becomes_an_exec_error() -> None:
    funcs = FuncMap()
    funcs.register("dec", "int64", result="int64")(lambda n: Int64(n - 1))
    text = (
        '{{ define "r" }}{{ if . }}{{ if 1 }}{{ if 1 }}{{ if 1 }}{{ if 1 }}'
        '{{ template "r" (dec .) }}{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}'
    )
    tpl = Template.parse("t", text + '{{ template "r" . }}', funcs=funcs)
    with pytest.raises(TemplateExecError, match="nest"):
        tpl.execute(Int64(10_000), limits=Limits(max_depth=10_000))


def test_user_function_errors_are_wrapped_with_its_name() -> None:
    funcs = FuncMap()

    @funcs.register("boom", "string", result="string", returns_error=True)
    def boom(s: str) -> str:
        raise FuncError("cannot decode")

    with pytest.raises(TemplateExecError, match="error calling boom: cannot decode"):
        render("{{ boom .pw }}", funcs=funcs)


def test_a_buggy_function_surfaces_as_an_internal_error() -> None:
    funcs = FuncMap()
    funcs.register("bug", "string", result="string")(lambda s: 1 / 0)
    with pytest.raises(TemplateExecError, match=r"error calling bug: internal error \("):
        render("{{ bug .pw }}", funcs=funcs)


def test_user_function_overrides_a_builtin_of_the_same_name() -> None:
    funcs = FuncMap()
    funcs.register("len", "string", result="string")(lambda s: "mine")
    assert render("{{ len .pw }}", funcs=funcs) == "mine"


def test_execution_error_discards_partial_output() -> None:
    with pytest.raises(TemplateExecError) as info:
        render("{{ .user }}{{ .nope }}")
    assert "admin" not in str(info.value)


LEAKY = [
    pytest.param("{{ range .pw }}{{ end }}", id="range-over-string"),
    pytest.param("{{ .pw.field }}", id="field-of-string"),
    pytest.param("{{ .pw 1 }}", id="field-with-args"),
    pytest.param("{{ index .pw 99 }}", id="index-out-of-range"),
    pytest.param('{{ index . "pw" "x" }}', id="index-string-with-string"),
    pytest.param("{{ slice .pw 5 1 }}", id="slice-inverted"),
    pytest.param("{{ len 3 | eq .pw }}", id="eq-incompatible"),
    pytest.param("{{ lt .pw 1 }}", id="lt-incompatible"),
    pytest.param("{{ eq (slice .pw 0) . }}", id="eq-map"),
    pytest.param("{{ template .pw }}", id="template-name-from-data"),
    pytest.param("{{ call .pw }}", id="call-non-function"),
    pytest.param('{{ .pw | printf "%s" | index 5 }}', id="chain"),
    pytest.param("{{ index .user (len .pw) }}", id="index-from-data"),
    pytest.param("{{ slice .user (len .pw) 1 }}", id="slice-bounds-from-data"),
    pytest.param("{{ len .pw | slice .user 1 }}", id="slice-bound-piped"),
    pytest.param("{{ .pw | .user }}", id="piped-into-field"),
    pytest.param("{{ not .pw .user }}", id="arity"),
    pytest.param('{{ define "x" }}{{ .nope }}{{ end }}{{ template "x" . }}', id="in-define"),
]


@pytest.mark.parametrize("text", LEAKY)
def test_error_messages_never_contain_data_values(text: str) -> None:
    with pytest.raises(TemplateError) as info:
        render(text)
    assert SECRET not in str(info.value)
    assert info.value.__cause__ is None or SECRET not in str(info.value.__cause__)


def test_range_over_an_integer_with_two_variables_names_only_the_type() -> None:
    funcs = FuncMap()
    funcs.register("pin", result="int")(lambda: 4711)
    with pytest.raises(TemplateExecError) as info:
        render("{{ range $i, $v := pin }}{{ end }}", funcs=funcs)
    assert "4711" not in str(info.value)
    assert "value of type int" in str(info.value)


def test_index_numbers_from_the_template_text_are_quoted_like_go() -> None:
    with pytest.raises(TemplateExecError, match=r"index out of range: 9$"):
        render("{{ index .user 9 }}")
    with pytest.raises(TemplateExecError, match=r"error calling index: index out of range$"):
        render("{{ index .user (len .pw) }}")


def test_bad_verb_output_is_output_like_go() -> None:
    assert render('{{ printf "%d" .user }}') == "%!d(string=admin)"


def test_defined_templates_lists_every_tree() -> None:
    tpl = Template.parse("main", '{{ define "a" }}{{ end }}{{ block "b" . }}{{ end }}')
    assert tpl.defined_templates() == ["a", "b", "main"]
