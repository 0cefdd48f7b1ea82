"""The render engine reuses parsed templates, within a bound, and never caches a failure."""

from __future__ import annotations

import pytest

from eso.controllers.externalsecret import templating
from eso.controllers.externalsecret.templating import Engine
from eso.template.errors import TemplateParseError
from eso.template.functions.library import function_map


def test_the_same_template_is_parsed_once() -> None:
    engine = Engine(funcs=function_map())
    assert engine.parse("k", "{{ .a }}") is engine.parse("k", "{{ .a }}")
    assert engine.parse("k", "{{ .a }}") is not engine.parse("other", "{{ .a }}")


def test_the_parsed_templates_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templating, "PARSED_CACHE", 3)
    engine = Engine(funcs=function_map())
    first = engine.parse("k0", "x")
    for i in range(1, 5):
        engine.parse(f"k{i}", "x")
    assert engine.parse("k0", "x") is not first


def test_a_template_that_does_not_parse_fails_every_time() -> None:
    engine = Engine(funcs=function_map())
    for _ in range(2):
        with pytest.raises(TemplateParseError):
            engine.parse("k", "{{ .a ")
