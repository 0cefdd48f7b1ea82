"""Sprig's random strings (``randAlphaNum``...), ``shuffle`` and ``randInt``.

Sprig's ``rand*`` use goutils' ``CryptoRandom*`` (crypto/rand), so these draw from
``secrets``: templates generate passwords with them. A negative count is an error goutils
returns and sprig drops, giving ``""``. A count above the output limit is refused instead of
building a huge string.
"""

from __future__ import annotations

import random
import secrets
import string

from eso.template.functions._limits import check_output
from eso.template.functions.registry import FuncError, FuncMap

__all__ = ["register"]

_ALPHA = string.ascii_letters
_NUMERIC = string.digits
_ALNUM = string.ascii_letters + string.digits
_ASCII = "".join(chr(c) for c in range(32, 127))


def _random(count: int, alphabet: str, *, func: str) -> str:
    if count <= 0:
        return ""
    check_output(count, func=func)
    return "".join(secrets.choice(alphabet) for _ in range(count))


def rand_alpha_num(count: int) -> str:
    return _random(count, _ALNUM, func="randAlphaNum")


def rand_alpha(count: int) -> str:
    return _random(count, _ALPHA, func="randAlpha")


def rand_numeric(count: int) -> str:
    return _random(count, _NUMERIC, func="randNumeric")


def rand_ascii(count: int) -> str:
    return _random(count, _ASCII, func="randAscii")


def shuffle(s: str) -> str:
    """xstrings ``Shuffle``: the runes of ``s`` in random order."""
    runes = list(s)
    random.SystemRandom().shuffle(runes)
    return "".join(runes)


def rand_int(low: int, high: int) -> int:
    """``rand.Intn(high-low) + low``; Go panics when ``high <= low``."""
    if high - low <= 0:
        raise FuncError("invalid argument to Intn")
    return low + secrets.randbelow(high - low)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("randAlphaNum", "int", result="string")(rand_alpha_num)
    r("randAlpha", "int", result="string")(rand_alpha)
    r("randNumeric", "int", result="string")(rand_numeric)
    r("randAscii", "int", result="string")(rand_ascii)
    r("shuffle", "string", result="string")(shuffle)
    r("randInt", "int", "int", result="int")(rand_int)
