"""The complete template function map ESO serves: sprig as ESO vendors it, plus ESO's own.

One function per module family registers its names; this module only lists the modules, so
the set of names is reviewed in one place (``tests/unit/template/eso_function_names.txt`` is
its contract). A name registered twice fails at build time (``FuncMap.add``).
"""

from __future__ import annotations

import functools
import importlib

from eso.template.functions.registry import FuncMap

__all__ = ["function_map", "shared_function_map"]

# Imported when the map is first built, not with this module: the crypto functions alone pull
# in ``cryptography`` (~14 MB RSS), and a controller whose ExternalSecrets use no template
# never needs them (issue 15's idle floor).
_SPRIG = (
    "strings", "casing", "wrapping", "randstr", "strlists", "lists", "dicts", "defaults",
    "jsonfuncs", "numeric", "sequences", "encoding", "hashes", "regex", "dates", "semver",
    "urls", "reflection", "paths",
)  # fmt: skip
_ESO = ("crypto", "pkcs12", "pem", "jwk", "yamlfuncs", "decrypt")


def function_map() -> FuncMap:
    """A new map of every template function (callers may add to it freely)."""
    funcs = FuncMap()
    for name in (*_SPRIG, *_ESO):
        importlib.import_module(f"eso.template.functions.{name}").register(funcs)
    return funcs


@functools.cache
def shared_function_map() -> FuncMap:
    """The process's one map, built on first use; callers must not add to it."""
    return function_map()
