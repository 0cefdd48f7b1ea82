"""Sprig's functions between strings and lists: ``split*``, ``join``, ``toStrings``,
``sortAlpha``.

``split``/``splitn`` return Go's ``map[string]string`` keyed ``_0``, ``_1``... (so templates
write ``(split "," .x)._1``); ``splitList`` and ``toStrings`` return ``[]string``. Go's
``strings.Split`` with an empty separator splits into runes, which Python's ``str.split``
refuses, hence ``_go_split``.
"""

from __future__ import annotations

from typing import Any

from eso.template.functions._govalue import strval
from eso.template.functions._limits import check_items
from eso.template.functions.registry import FuncMap
from eso.template.values import StringMap, StringSlice

__all__ = ["register", "strslice"]


def _go_split(s: str, sep: str, n: int = -1) -> list[str]:
    """``strings.SplitN(s, sep, n)``."""
    if n == 0:
        return []
    if sep == "":
        runes = list(s)
        if 0 < n < len(runes):
            runes[n - 1 :] = ["".join(runes[n - 1 :])]
        parts = runes
    else:
        parts = s.split(sep, n - 1 if n > 0 else -1)
    check_items(len(parts), func="split")
    return parts


def _numbered(parts: list[str]) -> StringMap:
    return StringMap((f"_{i}", p) for i, p in enumerate(parts))


def split(sep: str, orig: str) -> StringMap:
    return _numbered(_go_split(orig, sep))


def splitn(sep: str, n: int, orig: str) -> StringMap:
    return _numbered(_go_split(orig, sep, n))


def split_list(sep: str, orig: str) -> StringSlice:
    return StringSlice(_go_split(orig, sep))


def strslice(value: Any) -> StringSlice:
    """Sprig's ``strslice``: a list's non-nil items as strings; nil is ``[]``; else ``[v]``."""
    if isinstance(value, StringSlice):
        return value
    if isinstance(value, list | tuple | bytes):
        return StringSlice(strval(v) for v in value if v is not None)
    if value is None:
        return StringSlice()
    return StringSlice([strval(value)])


def join(sep: str, value: Any) -> str:
    return sep.join(strslice(value))


def sort_alpha(value: Any) -> StringSlice:
    if isinstance(value, list | tuple | bytes):
        return StringSlice(sorted(strslice(value)))
    return StringSlice([strval(value)])


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("split", "string", "string", result="map[string]string")(split)
    r("splitn", "string", "int", "string", result="map[string]string")(splitn)
    r("splitList", "string", "string", result="[]string")(split_list)
    r("toStrings", "interface {}", result="[]string")(strslice)
    r("join", "string", "interface {}", result="string")(join)
    r("sortAlpha", "interface {}", result="[]string")(sort_alpha)
