"""Sprig's defaults and flow control: ``default``, ``empty``, ``coalesce``, ``all``, ``any``,
``ternary``, ``fail``.

"Empty" is sprig's rule, not Python truthiness and not Go template truth: nil, a zero number,
``false``, and an empty string, list or map are empty; a ``time.Time`` (a struct) never is.
``is_empty`` is that rule, shared with ``compact``.
"""

from __future__ import annotations

from typing import Any

from eso.template.functions.registry import FuncError, FuncMap

__all__ = ["is_empty", "register"]


def is_empty(value: Any) -> bool:
    """Sprig's ``empty``."""
    if value is None:
        return True
    if isinstance(value, str | bytes | list | tuple | dict):
        return len(value) == 0
    if isinstance(value, bool | int | float):
        return value == 0
    # A struct (``time.Time``) is never empty; neither is a non-nil pointer (``semver``).
    return False


def default(fallback: Any, *given: Any) -> Any:
    if not given or is_empty(given[0]):
        return fallback
    return given[0]


def coalesce(*values: Any) -> Any:
    return next((v for v in values if not is_empty(v)), None)


def all_(*values: Any) -> bool:
    return not any(is_empty(v) for v in values)


def any_(*values: Any) -> bool:
    return not all(is_empty(v) for v in values)


def ternary(if_true: Any, if_false: Any, cond: bool) -> Any:
    return if_true if cond else if_false


def fail(message: str) -> str:
    """Always an error with the template author's message (it is theirs, not a secret)."""
    raise FuncError(message)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("default", "interface {}", variadic="interface {}")(default)
    r("empty", "interface {}", result="bool")(is_empty)
    r("coalesce", variadic="interface {}")(coalesce)
    r("all", variadic="interface {}", result="bool")(all_)
    r("any", variadic="interface {}", result="bool")(any_)
    r("ternary", "interface {}", "interface {}", "bool")(ternary)
    r("fail", "string", result="string", returns_error=True)(fail)
