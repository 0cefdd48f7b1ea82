"""Sprig's path functions: ``base``/``dir``/``clean``/``ext``/``isAbs`` (Go ``path``) and
their ``os*`` twins (Go ``path/filepath``, identical on Linux, where ESO runs).

Go's ``path.Clean`` is not ``posixpath.normpath``: it collapses a leading ``//`` and turns
``""`` into ``"."``, so the lexical algorithm is restated.
"""

from __future__ import annotations

from eso.template.functions.registry import FuncMap

__all__ = ["register"]


def clean(path: str) -> str:
    """``path.Clean``: the shortest lexically equivalent path."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    out = ("/" if rooted else "") + "/".join(parts)
    return out or "."


def base(path: str) -> str:
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path.rsplit("/", 1)[-1]


def dir_(path: str) -> str:
    return clean(path[: path.rfind("/") + 1])


def ext(path: str) -> str:
    for i in range(len(path) - 1, -1, -1):
        if path[i] == "/":
            break
        if path[i] == ".":
            return path[i:]
    return ""


def is_abs(path: str) -> bool:
    return path.startswith("/")


def register(funcs: FuncMap) -> None:
    r = funcs.register
    for prefix in ("", "os"):
        for name, fn in (("base", base), ("dir", dir_), ("clean", clean), ("ext", ext)):
            full = prefix + name[0].upper() + name[1:] if prefix else name
            r(full, "string", result="string")(fn)
        r(prefix + "IsAbs" if prefix else "isAbs", "string", result="bool")(is_abs)
