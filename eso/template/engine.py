"""The public face of the engine: ``Template.parse(...)`` then ``tpl.execute(data)``.

A ``Template`` is immutable once parsed and holds no execution state, so one parsed template
may be executed any number of times, concurrently, with different data; nothing is cached
globally. ``missingkey`` defaults to ``error`` because ESO always runs templates with
``missingkey=error``.
"""

from __future__ import annotations

from typing import Any

from eso.template.builtins import builtin_funcs
from eso.template.errors import TemplateParseError
from eso.template.exec import execute
from eso.template.functions.registry import FuncMap
from eso.template.limits import DEFAULT_LIMITS, Limits
from eso.template.nodes import ListNode
from eso.template.parser import parse

__all__ = ["MISSINGKEY_MODES", "Template"]

MISSINGKEY_MODES = ("default", "invalid", "zero", "error")
"""Go's ``missingkey=`` options (``invalid`` is a synonym of ``default``)."""


class Template:
    """A parsed template: the main tree plus every ``define``/``block`` in the text."""

    __slots__ = ("_builtins", "_funcs", "_missingkey", "_trees", "name")

    def __init__(
        self, name: str, *, trees: dict[str, ListNode], funcs: FuncMap, missingkey: str
    ) -> None:
        self.name = name
        self._trees = trees
        self._funcs = funcs
        self._builtins = builtin_funcs()
        self._missingkey = missingkey

    @classmethod
    def parse(
        cls,
        name: str,
        text: str,
        *,
        funcs: FuncMap | None = None,
        left: str = "{{",
        right: str = "}}",
        missingkey: str = "error",
    ) -> Template:
        """Parse ``text`` (Go's ``template.New(name).Funcs(funcs).Delims(left, right)
        .Option("missingkey=...").Parse(text)``).

        Functions named in the text must exist in ``funcs`` or be builtins (a parse error,
        as in Go). Empty delimiters mean the defaults. Raises ``TemplateParseError``;
        ``ValueError`` for an unknown ``missingkey`` mode."""
        if missingkey not in MISSINGKEY_MODES:
            raise ValueError(f"unrecognized missingkey mode {missingkey!r}")
        funcs = funcs if funcs is not None else FuncMap()
        builtins = builtin_funcs()

        def has_func(fname: str) -> bool:
            return fname in funcs or fname in builtins

        try:
            trees = parse(name, text, left=left, right=right, has_func=has_func)
        except RecursionError:
            raise TemplateParseError(f"template: {name}: template nests too deeply") from None
        return cls(name, trees=trees, funcs=funcs, missingkey=missingkey)

    def execute(self, data: Any, *, limits: Limits | None = None) -> str:
        """Render with dot = ``data`` (values of ``eso.template.values``); the output text.

        Raises ``TemplateExecError`` (Go's message; never containing a data value) when
        execution fails or a limit in ``limits`` (default ``Limits()``) is exceeded. Output
        produced before a failure is discarded."""
        return execute(
            self._trees,
            name=self.name,
            data=data,
            funcs=self._funcs,
            builtins=self._builtins,
            missingkey=self._missingkey,
            limits=limits or DEFAULT_LIMITS,
        )

    def defined_templates(self) -> list[str]:
        """Names of all trees, sorted (the main template included)."""
        return sorted(self._trees)
