"""How ``fmt`` prints one operand under one verb (Go's ``pp.printArg`` and ``fmt`` flags).

Shared by every entry point in ``gofmt``: the verb, width, precision and flags of the current
directive live in ``Flags``; ``Printer`` renders values of the template value model the way
Go renders the corresponding Go types, including the in-band error forms (``%!d(string=x)``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from eso.template.goduration import format_duration
from eso.template.golayout import time_string as format_time
from eso.template.gostrconv import can_backquote, format_float, is_print, quote, quote_rune
from eso.template.values import (
    Duration,
    Float32,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    go_kind,
    go_type_name,
    is_nil_slice,
)

__all__ = ["Flags", "FormatTooLarge", "Printer"]

_UNSIGNED = (Uint, Uint8, Uint16, Uint32, Uint64)


class FormatTooLarge(ValueError):  # noqa: N818 - reads as a condition, like Go's ErrTooLarge
    """The formatted text would exceed the caller's size limit."""


@dataclass(slots=True)
class Flags:
    """Flags, width and precision of the directive being printed (Go's ``fmtFlags``)."""

    plus: bool = False
    minus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    plus_v: bool = False
    sharp_v: bool = False
    wid: int = 0
    wid_present: bool = False
    prec: int = 0
    prec_present: bool = False


class Printer:
    """One formatting run: Go's ``pp`` with its ``fmt`` flags."""

    def __init__(self, limit: int | None = None) -> None:
        self.out: list[str] = []
        self.f = Flags()
        self.limit = limit
        self.size = 0
        self.erroring = False  # inside %!verb(...): Go ignores String methods there

    def write(self, s: str) -> None:
        self.out.append(s)
        if self.limit is not None:
            self.size += len(s)
            if self.size > self.limit:
                raise FormatTooLarge(f"formatted output exceeds {self.limit} characters")

    # -- padding ---------------------------------------------------------------------------

    def padding(self, n: int) -> None:
        if n > 0:
            self.write(("0" if self.f.zero and not self.f.minus else " ") * n)

    def pad(self, s: str) -> None:
        f = self.f
        if not f.wid_present or f.wid == 0:
            self.write(s)
        elif f.minus:
            self.write(s)
            self.padding(f.wid - len(s))
        else:
            self.padding(f.wid - len(s))
            self.write(s)

    def pad_no_zero(self, s: str) -> None:
        old, self.f.zero = self.f.zero, False
        self.pad(s)
        self.f.zero = old

    # -- arguments -------------------------------------------------------------------------

    def print_arg(self, arg: Any, *, verb: str) -> None:
        if arg is None:
            if verb in "Tv":
                self.pad("<nil>")
            else:
                self.bad_verb(verb, arg=arg)
            return
        if verb == "T":
            self.fmt_s(go_type_name(arg))
            return
        self.print_value(arg, verb=verb, depth=0)

    def print_value(self, v: Any, *, verb: str, depth: int) -> None:  # dispatch on the Go kind
        if self.stringer(v, verb=verb):
            return
        if v is None:
            if self.f.sharp_v:
                self.write("interface {}(nil)")
            elif verb == "v" or depth > 0:
                self.write("<nil>")
            else:
                self.bad_verb(verb, arg=v)
        elif isinstance(v, bool):
            self.fmt_bool(v, verb=verb)
        elif isinstance(v, int):
            self.fmt_integer(v, verb=verb, unsigned=isinstance(v, _UNSIGNED))
        elif isinstance(v, float):
            self.fmt_float(v, verb=verb, bits=32 if isinstance(v, Float32) else 64)
        elif isinstance(v, str):
            self.fmt_string(v, verb=verb)
        elif isinstance(v, bytes):
            self.fmt_bytes(v, verb=verb, type_name="[]byte" if depth == 0 else "[]uint8")
        elif isinstance(v, dict) and go_kind(v) == "struct":
            self.fmt_struct(v, verb=verb, depth=depth)
        elif isinstance(v, dict):
            self.fmt_map(v, verb=verb, depth=depth)
        elif isinstance(v, list):
            self.fmt_list(v, verb=verb, depth=depth)
        elif isinstance(v, _dt.datetime):
            self.fmt_string(format_time(v), verb=verb)
        else:
            self.write(f"?{type(v).__name__}?")

    def stringer(self, v: Any, *, verb: str) -> bool:
        """Types with a ``String`` method (Duration, ``*semver.Version``) print through it."""
        if self.erroring or self.f.sharp_v or verb not in "vsxXq":
            return False
        if isinstance(v, Duration):
            self.fmt_string(format_duration(v), verb=verb)
            return True
        method = (getattr(type(v), "go_methods", None) or {}).get("String")
        if method is not None:
            self.fmt_string(method.fn(v), verb=verb)
            return True
        return False

    def bad_verb(self, verb: str, *, arg: Any) -> None:
        self.write(f"%!{verb}(")
        if arg is None:
            self.write("<nil>")
        else:
            self.write(go_type_name(arg) + "=")
            self.erroring = True
            self.print_arg(arg, verb="v")
            self.erroring = False
        self.write(")")

    # -- kinds -----------------------------------------------------------------------------

    def fmt_bool(self, v: bool, *, verb: str) -> None:
        if verb in "tv":
            self.pad("true" if v else "false")
        else:
            self.bad_verb(verb, arg=v)

    def fmt_integer(self, v: int, *, verb: str, unsigned: bool) -> None:
        if verb == "v" and self.f.sharp_v and unsigned:
            self.fmt_0x64(v, leading=True)
        elif verb in "vd":
            self.fmt_int(v, base=10, verb=verb, digits="0123456789abcdefx")
        elif verb in "boOxX":
            base = {"b": 2, "o": 8, "O": 8, "x": 16, "X": 16}[verb]
            digits = "0123456789ABCDEFX" if verb == "X" else "0123456789abcdefx"
            self.fmt_int(v, base=base, verb=verb, digits=digits)
        elif verb == "c":
            self.pad(chr(v) if 0 <= v <= 0x10FFFF and not 0xD800 <= v <= 0xDFFF else "\ufffd")
        elif verb == "q":
            self.fmt_qc(v)
        elif verb == "U":
            self.fmt_unicode(v)
        else:
            self.bad_verb(verb, arg=v)

    def fmt_0x64(self, v: int, *, leading: bool) -> None:
        sharp, self.f.sharp = self.f.sharp, leading
        self.fmt_int(v, base=16, verb="v", digits="0123456789abcdefx")
        self.f.sharp = sharp

    def fmt_int(self, v: int, *, base: int, verb: str, digits: str) -> None:
        f = self.f
        negative, u = v < 0, abs(v)
        prec = 0
        if f.prec_present:
            prec = f.prec
            if prec == 0 and u == 0:
                old, f.zero = f.zero, False
                self.padding(f.wid)
                f.zero = old
                return
        elif f.zero and not f.minus and f.wid_present:
            prec = f.wid - (1 if negative or f.plus or f.space else 0)
        body = _to_base(u, base=base, digits=digits)
        body = "0" * (prec - len(body)) + body
        body = self.int_prefix(body, base=base, verb=verb, digits=digits)
        sign = "-" if negative else "+" if f.plus else " " if f.space else ""
        self.pad_no_zero(sign + body)

    def int_prefix(self, body: str, *, base: int, verb: str, digits: str) -> str:
        if self.f.sharp:
            if base == 2:
                body = "0b" + body
            elif base == 8 and not body.startswith("0"):
                body = "0" + body
            elif base == 16:
                body = "0" + digits[16] + body
        if verb == "O":
            body = "0o" + body
        return body

    def fmt_qc(self, v: int) -> None:
        code = v if 0 <= v <= 0x10FFFF else 0xFFFD
        self.pad(quote_rune(code, ascii_only=self.f.plus))

    def fmt_unicode(self, v: int) -> None:
        prec = self.f.prec if self.f.prec_present and self.f.prec > 4 else 4
        text = "U+" + f"{v & 0xFFFFFFFFFFFFFFFF:X}".rjust(prec, "0")
        if self.f.sharp and 0 <= v <= 0x10FFFF and is_print(chr(v)):
            text += f" '{chr(v)}'"
        self.pad_no_zero(text)

    def fmt_float(self, v: float, *, verb: str, bits: int) -> None:
        if verb in "vbgGxX":
            prec = -1
            verb = "g" if verb == "v" else verb
        elif verb in "feEF":
            prec = 6
        else:
            self.bad_verb(verb, arg=v)
            return
        if self.f.prec_present:
            prec = self.f.prec
        num = format_float(v, verb=verb, prec=prec, bits=bits)
        num = num if num[0] in "+-" else "+" + num
        self.write_float(num, verb=verb, prec=prec)

    def write_float(self, num: str, *, verb: str, prec: int) -> None:
        f = self.f
        if f.space and num[0] == "+" and not f.plus:
            num = " " + num[1:]
        if num[1] in "IN":
            if num[1] == "N" and not f.space and not f.plus:
                num = num[1:]
            self.pad_no_zero(num)
            return
        if f.sharp and verb != "b":
            num = _sharp_float(num, verb=verb, prec=prec)
        if f.plus or num[0] != "+":
            if f.zero and not f.minus and f.wid_present and f.wid > len(num):
                self.write(num[0])
                self.padding(f.wid - len(num))
                self.write(num[1:])
            else:
                self.pad(num)
            return
        self.pad(num[1:])

    def fmt_string(self, v: str, *, verb: str) -> None:
        if verb == "v" and self.f.sharp_v:
            self.fmt_q(v)
        elif verb in "vs":
            self.fmt_s(v)
        elif verb in "xX":
            self.fmt_hex(v.encode("utf-8", "surrogateescape"), verb=verb)
        elif verb == "q":
            self.fmt_q(v)
        else:
            self.bad_verb(verb, arg=v)

    def truncate(self, s: str) -> str:
        return s[: self.f.prec] if self.f.prec_present else s

    def fmt_s(self, s: str) -> None:
        self.pad(self.truncate(s))

    def fmt_q(self, s: str) -> None:
        s = self.truncate(s)
        if self.f.sharp and can_backquote(s):
            self.pad(f"`{s}`")
        else:
            self.pad(quote(s, ascii_only=self.f.plus))

    def fmt_hex(self, b: bytes, *, verb: str) -> None:
        f = self.f
        length = min(len(b), f.prec) if f.prec_present else len(b)
        x = "X" if verb == "X" else "x"
        if length == 0:
            if f.wid_present:
                self.padding(f.wid)
            return
        width = 2 * length
        if f.space:
            width = width * 2 if f.sharp else width
            width += length - 1
        elif f.sharp:
            width += 2
        pieces = [format(c, "02X" if verb == "X" else "02x") for c in b[:length]]
        if f.space:
            text = " ".join((f"0{x}" if f.sharp else "") + p for p in pieces)
        else:
            text = (f"0{x}" if f.sharp else "") + "".join(pieces)
        if f.wid_present and f.wid > width and not f.minus:
            self.padding(f.wid - width)
        self.write(text)
        if f.wid_present and f.wid > width and f.minus:
            self.padding(f.wid - width)

    def fmt_bytes(self, v: bytes, *, verb: str, type_name: str) -> None:
        if verb in "vd":
            if self.f.sharp_v:
                self.write(type_name + "{")
                for i, c in enumerate(v):
                    self.write(", " if i else "")
                    self.fmt_0x64(c, leading=True)
                self.write("}")
                return
            self.write("[")
            for i, c in enumerate(v):
                self.write(" " if i else "")
                self.fmt_int(c, base=10, verb=verb, digits="0123456789abcdefx")
            self.write("]")
        elif verb == "s":
            self.fmt_s(v.decode("utf-8", "surrogateescape"))
        elif verb in "xX":
            self.fmt_hex(v, verb=verb)
        elif verb == "q":
            self.fmt_q(v.decode("utf-8", "surrogateescape"))
        else:
            self.fmt_list([Uint8(c) for c in v], verb=verb, depth=1)

    def fmt_map(self, v: dict[Any, Any], *, verb: str, depth: int) -> None:
        if self.f.sharp_v:
            self.write(go_type_name(v) + "{")
        else:
            self.write("map[")
        for i, key in enumerate(sorted(v)):
            if i:
                self.write(", " if self.f.sharp_v else " ")
            self.print_value(key, verb=verb, depth=depth + 1)
            self.write(":")
            self.print_value(v[key], verb=verb, depth=depth + 1)
        self.write("}" if self.f.sharp_v else "]")

    def fmt_struct(self, v: dict[str, Any], *, verb: str, depth: int) -> None:
        """A struct (its fields in declaration order): ``{a b}``, ``{A:a B:b}`` with ``%+v``,
        ``T{A:"a", B:"b"}`` with ``%#v``."""
        self.write(go_type_name(v) + "{" if self.f.sharp_v else "{")
        for i, (name, field) in enumerate(v.items()):
            if i:
                self.write(", " if self.f.sharp_v else " ")
            if self.f.plus_v or self.f.sharp_v:
                self.write(name + ":")
            self.print_value(field, verb=verb, depth=depth + 1)
        self.write("}")

    def fmt_list(self, v: list[Any], *, verb: str, depth: int) -> None:
        if self.f.sharp_v and is_nil_slice(v):
            self.write(go_type_name(v) + "(nil)")
            return
        if self.f.sharp_v:
            self.write(go_type_name(v) + "{")
        else:
            self.write("[")
        for i, item in enumerate(v):
            if i:
                self.write(", " if self.f.sharp_v else " ")
            self.print_value(item, verb=verb, depth=depth + 1)
        self.write("}" if self.f.sharp_v else "]")


def _to_base(u: int, *, base: int, digits: str) -> str:
    if u == 0:
        return "0"
    out = []
    while u:
        u, r = divmod(u, base)
        out.append(digits[r])
    return "".join(reversed(out))


def _sharp_float(num: str, *, verb: str, prec: int) -> str:
    """``%#g`` and friends: keep a decimal point and trailing zeros."""
    digits = (6 if prec == -1 else prec) if verb in "vgGx" else 0
    tail = ""
    has_point, saw_nonzero = False, False
    body = num
    for i in range(1, len(num)):
        c = num[i]
        if c == ".":
            has_point = True
        elif c in "pP" or (c in "eE" and verb not in "xX"):
            body, tail = num[:i], num[i:]
            break
        else:
            saw_nonzero = saw_nonzero or c != "0"
            digits -= 1 if saw_nonzero else 0
    if not has_point:
        if len(body) == 2 and body[1] == "0":
            digits -= 1
        body += "."
    return body + "0" * max(digits, 0) + tail
