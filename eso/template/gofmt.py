"""Go's ``fmt`` (``Sprint``, ``Sprintln``, ``Sprintf``) over the template value model.

Templates print every value through ``fmt``: actions use ``Sprint``'s rendering (maps as
``map[a:1 b:2]`` with sorted keys, ``<nil>``, floats as ``1e+06``), ``printf`` is ``Sprintf``
with all its flags and its in-band error forms (``%!d(string=x)``, ``%!(EXTRA ...)``). The
function library reuses this module for sprig's ``printf``-like functions and ``toString``, so
it depends on nothing but the value model and ``gostrconv``. How one operand prints is
``fmtvalue``; this module walks format strings.
"""

from __future__ import annotations

from typing import Any

from eso.template.fmtvalue import Flags, FormatTooLarge, Printer
from eso.template.goduration import format_duration
from eso.template.golayout import time_string as format_time
from eso.template.values import go_type_name

__all__ = ["FormatTooLarge", "format_duration", "format_time", "sprint", "sprintf", "sprintln"]

_TOO_LARGE = 1_000_000  # Go's bound on widths and precisions


def sprint(*args: Any) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    p = _Formatter()
    prev_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not prev_string:
            p.out.append(" ")
        p.print_arg(arg, verb="v")
        prev_string = is_string
    return "".join(p.out)


def sprintln(*args: Any) -> str:
    """``fmt.Sprintln``: operands separated by spaces, then a newline."""
    p = _Formatter()
    for i, arg in enumerate(args):
        if i > 0:
            p.out.append(" ")
        p.print_arg(arg, verb="v")
    p.out.append("\n")
    return "".join(p.out)


def sprintf(fmt: str, *args: Any, limit: int | None = None) -> str:
    """``fmt.Sprintf``; raises ``FormatTooLarge`` once the output passes ``limit`` chars."""
    p = _Formatter(limit)
    p.do_printf(fmt, args=list(args))
    return "".join(p.out)


class _Formatter(Printer):
    """A ``Printer`` that walks a format string (Go's ``doPrintf``)."""

    def do_printf(self, fmt: str, *, args: list[Any]) -> None:
        state = _Scan(fmt, args=args)
        end = len(fmt)
        while state.i < end:
            lasti = state.i
            j = fmt.find("%", state.i)
            state.i = end if j < 0 else j
            if state.i > lasti:
                self.write(fmt[lasti : state.i])
            if state.i >= end:
                break
            state.i += 1
            if not self.one_verb(state):
                break
        if not state.reordered and state.arg < len(args):
            self.extra(args[state.arg :])

    def extra(self, rest: list[Any]) -> None:
        self.f = Flags()
        self.write("%!(EXTRA ")
        for i, arg in enumerate(rest):
            self.write(", " if i else "")
            if arg is None:
                self.write("<nil>")
            else:
                self.write(go_type_name(arg) + "=")
                self.print_arg(arg, verb="v")
        self.write(")")

    def one_verb(self, s: _Scan) -> bool:
        """Format one ``%...`` directive; False when the format ends without a verb."""
        self.f = f = Flags()
        s.good = True
        self.flags(s)
        after = s.arg_number()
        if s.peek() == "*":
            s.i += 1
            f.wid, f.wid_present = s.int_arg()
            if not f.wid_present:
                self.write("%!(BADWIDTH)")
            if f.wid < 0:
                f.wid, f.minus, f.zero = -f.wid, True, False
            after = False
        else:
            f.wid, f.wid_present = s.parse_num()
            if after and f.wid_present:
                s.good = False
        if s.i + 1 < len(s.fmt) and s.peek() == ".":
            self.precision(s, after=after)
            after = s.after
        if not after:
            s.arg_number()
        if s.i >= len(s.fmt):
            self.write("%!(NOVERB)")
            return False
        verb = s.fmt[s.i]
        s.i += 1
        self.dispatch(verb, s=s)
        return True

    def flags(self, s: _Scan) -> None:
        f = self.f
        while s.i < len(s.fmt):
            c = s.fmt[s.i]
            if c == "#":
                f.sharp = True
            elif c == "0":
                f.zero = True
            elif c == "+":
                f.plus = True
            elif c == "-":
                f.minus = True
            elif c == " ":
                f.space = True
            else:
                return
            s.i += 1

    def precision(self, s: _Scan, *, after: bool) -> None:
        f = self.f
        s.i += 1
        if after:
            s.good = False
        s.after = s.arg_number()
        if s.peek() == "*":
            s.i += 1
            f.prec, f.prec_present = s.int_arg()
            if f.prec < 0:
                f.prec, f.prec_present = 0, False
            if not f.prec_present:
                self.write("%!(BADPREC)")
            s.after = False
        else:
            f.prec, f.prec_present = s.parse_num()
            if not f.prec_present:
                f.prec, f.prec_present = 0, True

    def dispatch(self, verb: str, *, s: _Scan) -> None:
        f = self.f
        if verb == "%":
            self.write("%")
        elif not s.good:
            self.write(f"%!{verb}(BADINDEX)")
        elif s.arg >= len(s.args):
            self.write(f"%!{verb}(MISSING)")
        else:
            if verb == "v":
                f.sharp_v, f.sharp = f.sharp, False
                f.plus_v, f.plus = f.plus, False
            self.print_arg(s.args[s.arg], verb=verb)
            s.arg += 1


class _Scan:
    """Cursor over a format string and its operands (Go's argNum/afterIndex/reordered)."""

    def __init__(self, fmt: str, *, args: list[Any]) -> None:
        self.fmt = fmt
        self.args = args
        self.i = 0
        self.arg = 0
        self.good = True
        self.reordered = False
        self.after = False

    def peek(self) -> str:
        return self.fmt[self.i] if self.i < len(self.fmt) else ""

    def parse_num(self) -> tuple[int, bool]:
        num, found = 0, False
        while self.i < len(self.fmt) and "0" <= self.fmt[self.i] <= "9":
            if num > _TOO_LARGE:
                self.i = len(self.fmt)
                return 0, False
            num = num * 10 + int(self.fmt[self.i])
            found = True
            self.i += 1
        return num, found

    def arg_number(self) -> bool:
        """``[n]`` operand index; True when one was given."""
        if self.peek() != "[":
            return False
        self.reordered = True
        close = self.fmt.find("]", self.i + 1)
        if len(self.fmt) - self.i < 3 or close < 0:
            self.i += 1
            self.good = False
            return False
        digits = self.fmt[self.i + 1 : close]
        self.i = close + 1
        if not digits.isdigit() or int(digits) > _TOO_LARGE:
            self.good = False
            return False
        index = int(digits) - 1
        if 0 <= index < len(self.args):
            self.arg = index
            return True
        self.good = False
        return True

    def int_arg(self) -> tuple[int, bool]:
        if self.arg >= len(self.args):
            return 0, False
        v = self.args[self.arg]
        self.arg += 1
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) <= _TOO_LARGE:
            return int(v), True
        return 0, False
