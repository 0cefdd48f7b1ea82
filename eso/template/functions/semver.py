"""Sprig's ``semver`` and ``semverCompare`` (Masterminds/semver v3).

``semver`` returns a version object whose Go methods templates call (``(semver .v).Major``),
so ``Version`` exposes Go's method names and Go result types (``uint64``...). Constraints
follow semver v3: ``||`` of comma/space-separated comparisons, ``x``/``*`` wildcards, hyphen
ranges, ``~`` and ``^``, and pre-release versions only satisfy constraints that name a
pre-release themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from eso.template.functions.registry import Func, FuncError, FuncMap
from eso.template.values import Uint64

__all__ = ["Version", "VersionValue", "parse_version", "register", "satisfies"]

_VERSION = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_CV_NG = re.sub(r"\((?!\?)", "(?:", _CV)
_OPS = ("!=", ">=", "=>", "<=", "=<", "~>", "=", ">", "<", "~", "^", "")
_OPS_RE = "|".join(re.escape(o) for o in _OPS)
_CONSTRAINT = re.compile(rf"\s*({_OPS_RE})\s*({_CV})\s*")
_FIND = re.compile(rf"(?:{_OPS_RE})\s*{_CV_NG}")
_VALID = re.compile(rf"(\s*(?:{_OPS_RE})\s*{_CV_NG}\s*)((?:\s+|,\s*)(?:{_OPS_RE})\s*{_CV_NG}\s*)*")
_RANGE = re.compile(rf"\s*({_CV_NG})\s+-\s+({_CV_NG})\s*")
_INVALID = "invalid semantic version"  # semver v3.4 ErrInvalidSemVer (v3.2 capitalised it)


@dataclass(frozen=True)
class Version:
    """Masterminds ``*semver.Version``; method names are Go's, for template calls."""

    GO_TYPE: ClassVar[str] = "*semver.Version"
    GO_KIND: ClassVar[str] = "ptr"
    go_type: ClassVar[str] = GO_TYPE
    go_kind: ClassVar[str] = GO_KIND
    go_methods: ClassVar[dict[str, Func]]

    major: int
    minor: int
    patch: int
    pre: str = ""
    metadata: str = ""
    original: str = ""

    def Major(self) -> Uint64:  # noqa: N802 - Go's method names are the template API
        return Uint64(self.major)

    def Minor(self) -> Uint64:  # noqa: N802
        return Uint64(self.minor)

    def Patch(self) -> Uint64:  # noqa: N802
        return Uint64(self.patch)

    def Prerelease(self) -> str:  # noqa: N802
        return self.pre

    def Metadata(self) -> str:  # noqa: N802
        return self.metadata

    def Original(self) -> str:  # noqa: N802
        return self.original

    def String(self) -> str:  # noqa: N802
        return str(self)

    def Compare(self, other: Version) -> int:  # noqa: N802
        return compare(self, other)

    def LessThan(self, other: Version) -> bool:  # noqa: N802
        return compare(self, other) < 0

    def GreaterThan(self, other: Version) -> bool:  # noqa: N802
        return compare(self, other) > 0

    def Equal(self, other: Version) -> bool:  # noqa: N802
        return compare(self, other) == 0

    def LessThanEqual(self, other: Version) -> bool:  # noqa: N802
        return compare(self, other) <= 0

    def GreaterThanEqual(self, other: Version) -> bool:  # noqa: N802
        return compare(self, other) >= 0

    def IncPatch(self) -> VersionValue:  # noqa: N802
        """A pre-release's next patch is its release (semver v3.4)."""
        return self._next(self.major, self.minor, self.patch + (0 if self.pre else 1))

    def IncMinor(self) -> VersionValue:  # noqa: N802
        return self._next(self.major, self.minor + 1, 0)

    def IncMajor(self) -> VersionValue:  # noqa: N802
        return self._next(self.major + 1, 0, 0)

    def _next(self, major: int, minor: int, patch: int) -> VersionValue:
        """Go's ``Inc*``: a ``semver.Version`` value without pre-release or metadata."""
        prefix = "v" if self.original.startswith("v") else ""
        return VersionValue(major, minor, patch, original=f"{prefix}{major}.{minor}.{patch}")

    def marshal_json(self) -> str:
        return str(self)

    def __str__(self) -> str:
        out = f"{self.major}.{self.minor}.{self.patch}"
        out += f"-{self.pre}" if self.pre else ""
        return out + (f"+{self.metadata}" if self.metadata else "")


@dataclass(frozen=True)
class VersionValue(Version):
    """A ``semver.Version`` (not a pointer), as ``Inc*`` return it: only the methods with
    value receivers are callable on it (``(semver "1.2.3").IncPatch.Original`` fails in Go)."""

    GO_TYPE: ClassVar[str] = "semver.Version"
    GO_KIND: ClassVar[str] = "struct"
    go_type: ClassVar[str] = GO_TYPE
    go_kind: ClassVar[str] = GO_KIND


def parse_version(text: str) -> Version:
    """``semver.NewVersion``."""
    m = _VERSION.fullmatch(text)
    if m is None:
        raise FuncError(_INVALID)
    nums = [int(g.lstrip(".")) if g else 0 for g in m.group(1, 2, 3)]
    if any(n >= 1 << 64 for n in nums):
        raise FuncError("error parsing version segment: value out of range")
    pre, meta = m.group(5) or "", m.group(8) or ""
    for part in pre.split(".") if pre else ():
        if part.isdigit() and len(part) > 1 and part.startswith("0"):
            raise FuncError("version segment starts with 0")
    return Version(nums[0], nums[1], nums[2], pre, meta, text)


def _compare_pre_part(s: str, o: str) -> int:
    if s == o:
        return 0
    if s == "":
        return -1
    if o == "":
        return 1
    s_num, o_num = s.isdigit() and s.isascii(), o.isdigit() and o.isascii()
    if not s_num and not o_num:
        return 1 if s > o else -1
    if not o_num:
        return -1
    if not s_num:
        return 1
    return 1 if int(s) > int(o) else -1


def compare(a: Version, b: Version) -> int:
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return 1 if x > y else -1
    if a.pre == b.pre:
        return 0
    if not a.pre:
        return 1
    if not b.pre:
        return -1
    sp, op = a.pre.split("."), b.pre.split(".")
    for i in range(max(len(sp), len(op))):
        c = _compare_pre_part(sp[i] if i < len(sp) else "", op[i] if i < len(op) else "")
        if c:
            return c
    return 0


@dataclass(frozen=True)
class _Constraint:
    op: str
    con: Version
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool


def _is_x(s: str) -> bool:
    return s in ("x", "X", "*")


def _parse_constraint(text: str) -> _Constraint:
    m = _CONSTRAINT.fullmatch(text)
    if m is None:
        raise FuncError(f"improper constraint: {text}")
    major, minor, patch, rest = m.group(3), m.group(4) or "", m.group(5) or "", m.group(6) or ""
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major):
        ver, dirty = "0.0.0" + rest, True
    elif minor == "" or _is_x(minor[1:]):
        ver, dirty, minor_dirty = f"{major}.0.0{rest}", True, True
    elif patch == "" or _is_x(patch[1:]):
        ver, dirty, patch_dirty = f"{major}{minor}.0{rest}", True, True
    else:
        ver = m.group(2)
    try:
        con = parse_version(ver)
    except FuncError:
        raise FuncError("constraint parser error") from None
    return _Constraint(m.group(1), con, dirty, minor_dirty, patch_dirty)


def _tilde(v: Version, c: _Constraint) -> bool:
    if compare(v, c.con) < 0:
        return False
    con = c.con
    if (con.major, con.minor, con.patch) == (0, 0, 0) and not c.minor_dirty and not c.patch_dirty:
        return True
    return v.major == con.major and (v.minor == con.minor or c.minor_dirty)


def _caret(v: Version, c: _Constraint) -> bool:
    con = c.con
    if compare(v, con) < 0:
        return False
    if con.major > 0 or c.minor_dirty:
        return v.major == con.major
    if v.major > 0:
        return False
    if con.minor > 0 or c.patch_dirty:
        return v.minor == con.minor
    if v.minor > 0:
        return False
    return v.patch == con.patch


def _greater(v: Version, c: _Constraint) -> bool:
    if not c.dirty:
        return compare(v, c.con) > 0
    if v.major != c.con.major:
        return v.major > c.con.major
    if c.minor_dirty:
        return False
    return v.minor > c.con.minor


def _less_equal(v: Version, c: _Constraint) -> bool:
    if not c.dirty:
        return compare(v, c.con) <= 0
    if v.major != c.con.major:
        return v.major < c.con.major
    return c.minor_dirty or v.minor <= c.con.minor


def _not_equal(v: Version, c: _Constraint) -> bool:
    if not c.dirty:
        return compare(v, c.con) != 0
    if v.major != c.con.major:
        return True
    if c.minor_dirty:
        return False
    return v.minor != c.con.minor


_CHECKS: dict[str, Callable[[Version, _Constraint], bool]] = {
    "": lambda v, c: _tilde(v, c) if c.dirty else compare(v, c.con) == 0,
    "!=": _not_equal,
    ">": _greater,
    "<": lambda v, c: compare(v, c.con) < 0,
    ">=": lambda v, c: compare(v, c.con) >= 0,
    "<=": _less_equal,
    "~": _tilde,
    "^": _caret,
}
_ALIASES = {"=": "", "=>": ">=", "=<": "<=", "~>": "~"}


def _check(v: Version, c: _Constraint) -> bool:
    if v.pre and not c.con.pre:
        return False
    return _CHECKS[_ALIASES.get(c.op, c.op)](v, c)


def _rewrite_range(text: str) -> str:
    for m in _RANGE.finditer(text):
        text = text.replace(m.group(0), f">= {m.group(1)}, <= {m.group(2)} ", 1)
    return text


def parse_constraints(text: str) -> list[list[_Constraint]]:
    """``semver.NewConstraint``: OR-groups of AND-ed comparisons."""
    groups = []
    for group in _rewrite_range(text).split("||"):
        if not _VALID.fullmatch(group):
            raise FuncError(f"improper constraint: {group}")
        parts = [m.group(0) for m in _FIND.finditer(group)] or [group]
        groups.append([_parse_constraint(p) for p in parts])
    return groups


def satisfies(constraint: str, version: str) -> bool:
    groups = parse_constraints(constraint)
    v = parse_version(version)
    return any(all(_check(v, c) for c in group) for group in groups)


def semver(version: str) -> Version:
    return parse_version(version)


def register(funcs: FuncMap) -> None:
    funcs.register("semver", "string", result="*semver.Version", returns_error=True)(semver)
    funcs.register("semverCompare", "string", "string", result="bool", returns_error=True)(
        satisfies
    )


def _method(name: str, *params: str, result: str) -> Func:
    def call(receiver: Version, *args: Any) -> Any:
        return getattr(receiver, name)(*args)

    return Func(name, call, params=params, result=result)


Version.go_methods = {
    **{
        m: _method(m, result="uint64" if m in ("Major", "Minor", "Patch") else "string")
        for m in ("Major", "Minor", "Patch", "Prerelease", "Metadata", "Original", "String")
    },
    "Compare": _method("Compare", "*semver.Version", result="int"),
    "LessThan": _method("LessThan", "*semver.Version", result="bool"),
    "GreaterThan": _method("GreaterThan", "*semver.Version", result="bool"),
    "Equal": _method("Equal", "*semver.Version", result="bool"),
    "LessThanEqual": _method("LessThanEqual", "*semver.Version", result="bool"),
    "GreaterThanEqual": _method("GreaterThanEqual", "*semver.Version", result="bool"),
    **{m: _method(m, result="semver.Version") for m in ("IncPatch", "IncMinor", "IncMajor")},
}
_VALUE_RECEIVERS = ("String", "Major", "Minor", "Patch", "Prerelease", "Metadata")
VersionValue.go_methods = {
    m: Version.go_methods[m] for m in (*_VALUE_RECEIVERS, "IncPatch", "IncMinor", "IncMajor")
}
