"""Sprig's integer sequences: ``until``, ``untilStep`` (``[]int``) and ``seq`` (a string).

A step in the wrong direction yields nothing (Go's loop never runs), as does a zero step;
a sequence longer than the item limit is refused before any of it is built, since
``until 100000000000`` would otherwise exhaust memory.
"""

from __future__ import annotations

from eso.template.functions._limits import check_items, check_output
from eso.template.functions.registry import FuncMap
from eso.template.values import IntSlice

__all__ = ["register"]


def _steps(start: int, stop: int, step: int, *, func: str) -> IntSlice:
    """Sprig's ``untilStep``."""
    if (stop < start and step >= 0) or (stop >= start and step <= 0):
        return IntSlice()
    span = range(start, stop, step)
    check_items(len(span), func=func)
    return IntSlice(span)


def until(count: int) -> IntSlice:
    return _steps(0, count, -1 if count < 0 else 1, func="until")


def until_step(start: int, stop: int, step: int) -> IntSlice:
    return _steps(start, stop, step, func="untilStep")


def seq(*params: int) -> str:
    """``seq 3`` is "1 2 3", ``seq 2 4`` "2 3 4", ``seq 0 2 6`` "0 2 4 6"; like GNU seq."""
    if len(params) == 1:
        start, end = 1, params[0]
        inc = -1 if end < start else 1
        return _join(_steps(start, end + inc, inc, func="seq"))
    if len(params) == 2:
        start, end = params
        inc = -1 if end < start else 1
        return _join(_steps(start, end + inc, inc, func="seq"))
    if len(params) == 3:
        start, step, end = params
        inc = 1
        if end < start:
            inc = -1
            if step > 0:
                return ""
        return _join(_steps(start, end + inc, step, func="seq"))
    return ""


def _join(values: list[int]) -> str:
    out = " ".join(map(str, values))
    check_output(len(out), func="seq")
    return out


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("until", "int", result="[]int")(until)
    r("untilStep", "int", "int", "int", result="[]int")(until_step)
    r("seq", variadic="int", result="string")(seq)
