"""Sprig's digests of a string: ``sha1sum``, ``sha256sum``, ``sha512sum`` (lower-case hex) and
``adler32sum`` (decimal). Kept apart from the crypto functions: no keys, no randomness.
"""

from __future__ import annotations

import hashlib
import zlib

from eso.template.functions._gostr import go_bytes
from eso.template.functions.registry import FuncMap

__all__ = ["register"]


def sha1sum(s: str) -> str:
    return hashlib.sha1(go_bytes(s)).hexdigest()


def sha256sum(s: str) -> str:
    return hashlib.sha256(go_bytes(s)).hexdigest()


def sha512sum(s: str) -> str:
    return hashlib.sha512(go_bytes(s)).hexdigest()


def adler32sum(s: str) -> str:
    return str(zlib.adler32(go_bytes(s)))


def register(funcs: FuncMap) -> None:
    r = funcs.register
    for name, fn in (
        ("sha1sum", sha1sum),
        ("sha256sum", sha256sum),
        ("sha512sum", sha512sum),
        ("adler32sum", adler32sum),
    ):
        r(name, "string", result="string")(fn)
