"""The complete template function map ESO serves: sprig as ESO vendors it, plus ESO's own.

One function per module family registers its names; this module only lists the modules, so
the set of names is reviewed in one place (``tests/unit/template/eso_function_names.txt`` is
its contract). A name registered twice fails at build time (``FuncMap.add``).
"""

from __future__ import annotations

from eso.template.functions import (
    casing,
    crypto,
    dates,
    decrypt,
    defaults,
    dicts,
    encoding,
    hashes,
    jsonfuncs,
    jwk,
    lists,
    numeric,
    paths,
    pem,
    pkcs12,
    randstr,
    reflection,
    regex,
    semver,
    sequences,
    strings,
    strlists,
    urls,
    wrapping,
    yamlfuncs,
)
from eso.template.functions.registry import FuncMap

__all__ = ["function_map"]

_SPRIG = (
    strings, casing, wrapping, randstr, strlists, lists, dicts, defaults, jsonfuncs,
    numeric, sequences, encoding, hashes, regex, dates, semver, urls, reflection, paths,
)  # fmt: skip
_ESO = (crypto, pkcs12, pem, jwk, yamlfuncs, decrypt)


def function_map() -> FuncMap:
    """A new map of every template function (callers may add to it freely)."""
    funcs = FuncMap()
    for module in (*_SPRIG, *_ESO):
        module.register(funcs)
    return funcs
