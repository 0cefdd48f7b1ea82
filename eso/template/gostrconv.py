"""Go's ``strconv`` for what templates need: quoting, unquoting, number literals, floats.

Template output and error messages quote strings the way Go's ``strconv.Quote`` does and print
floats with Go's shortest-representation rules (``1e+06``, not Python's ``1000000.0``); number
literals follow Go's syntax (``0x1F``, ``0o17``, ``017``, ``1_000``, ``0x1p-2``). Python's own
routines differ in all of these, so this module restates Go's rules.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

__all__ = [
    "can_backquote",
    "format_float",
    "is_print",
    "parse_float",
    "parse_int",
    "quote",
    "quote_rune",
    "unquote",
    "unquote_char",
]

_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t"}
_ESCAPES["\v"] = r"\v"
_UNESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_UNESCAPES["\\"] = "\\"


def is_print(c: str) -> bool:
    """Go's ``unicode.IsPrint``: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return c == " " or (c.isprintable() and not (0xD800 <= ord(c) <= 0xDFFF))


def _escape_rune(c: str, *, quote_char: str, ascii_only: bool) -> str:
    if c in (quote_char, "\\"):
        return "\\" + c
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not valid UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if (code < 0x80 or not ascii_only) and is_print(c):
        return c
    if c in _ESCAPES:
        return _ESCAPES[c]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return "\\ufffd"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(s: str, *, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (``QuoteToASCII`` with ``ascii_only``)."""
    return '"' + "".join(_escape_rune(c, quote_char='"', ascii_only=ascii_only) for c in s) + '"'


def quote_rune(code: int, *, ascii_only: bool = False) -> str:
    """``strconv.QuoteRune``: invalid code points print as ``'�'``."""
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        code = 0xFFFD
    return "'" + _escape_rune(chr(code), quote_char="'", ascii_only=ascii_only) + "'"


def can_backquote(s: str) -> bool:
    """``strconv.CanBackquote``: printable, no backquote, no control characters but tab."""
    for c in s:
        if c == "`" or c == "\ufeff" or 0xDC80 <= ord(c) <= 0xDCFF:
            return False
        if c != "\t" and (ord(c) < 0x20 or ord(c) == 0x7F):
            return False
    return True


def unquote_char(s: str, *, quote_char: str) -> tuple[str, str]:
    """``strconv.UnquoteChar``: the first character of ``s`` and the rest; ValueError if bad."""
    c = s[0]
    if c == quote_char and quote_char in "'\"":
        raise ValueError("invalid syntax")
    if c != "\\":
        return c, s[1:]
    if len(s) < 2:
        raise ValueError("invalid syntax")
    e = s[1]
    if e in _UNESCAPES:
        return _UNESCAPES[e], s[2:]
    if e in "'\"":
        if e != quote_char:
            raise ValueError("invalid syntax")
        return e, s[2:]
    return _unquote_numeric(e, s=s)


def _unquote_numeric(e: str, *, s: str) -> tuple[str, str]:
    width = {"x": 2, "u": 4, "U": 8}.get(e)
    if width is not None:
        digits = s[2 : 2 + width]
        if len(digits) < width or not re.fullmatch(r"[0-9a-fA-F]+", digits):
            raise ValueError("invalid syntax")
        code = int(digits, 16)
        if e == "x":
            return (chr(code) if code < 0x80 else chr(0xDC00 + code)), s[2 + width :]
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ValueError("invalid syntax")
        return chr(code), s[2 + width :]
    digits = s[1:4]
    if len(digits) < 3 or not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
        raise ValueError("invalid syntax")
    code = int(digits, 8)
    return (chr(code) if code < 0x80 else chr(0xDC00 + code)), s[4:]


def unquote(s: str) -> str:
    """``strconv.Unquote`` of a Go string literal (``"..."`` or raw); ValueError if bad.

    Escaped bytes that are not valid UTF-8 (``"\\xff"``) come back as surrogateescape
    characters, so writing the result with ``surrogateescape`` gives Go's bytes."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"`'":
        raise ValueError("invalid syntax")
    q, body = s[0], s[1:-1]
    if q == "`":
        if "`" in body:
            raise ValueError("invalid syntax")
        return body.replace("\r", "")
    if "\n" in body:
        raise ValueError("invalid syntax")
    out: list[str] = []
    while body:
        c, body = unquote_char(body, quote_char=q)
        out.append(c)
    text = "".join(out)
    return _join_escaped_bytes(text)


def _join_escaped_bytes(text: str) -> str:
    """Escaped bytes forming valid UTF-8 (``"\\xc3\\xa9"``) become the character they spell."""
    if not any(0xDC80 <= ord(c) <= 0xDCFF for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "surrogateescape")


# -- numbers ---------------------------------------------------------------------------------

_OCTAL = re.compile(r"[+-]?0[0-7_]+")


def _underscore_ok(s: str) -> bool:
    """Go's rule: underscores only between digits (a base prefix counts as a digit)."""
    if s[:1] in ("+", "-"):
        s = s[1:]
    saw, i, hexa = "^", 0, False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    for c in s[i:]:
        if c.isdigit() or (hexa and c.lower() in "abcdef"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` without the range check; None on a syntax error."""
    if not text or ("_" in text and not _underscore_ok(text)):
        return None
    body = text.replace("_", "")
    try:
        if _OCTAL.fullmatch(text):
            return int(body, 8)
        return int(body, 0)
    except ValueError:
        return None


def parse_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)``; None on a syntax or range error."""
    if "_" in text and not _underscore_ok(text):
        return None
    body = text.replace("_", "")
    low = body.lower().lstrip("+-")
    if any(w in low for w in ("inf", "nan")):
        return None
    try:
        if low.startswith("0x"):
            if "p" not in low:
                return None
            value = float.fromhex(body)
        else:
            value = float(body)
    except (ValueError, OverflowError):
        return None
    return None if math.isinf(value) else value


# -- float formatting ------------------------------------------------------------------------


def _shortest_digits(f: float, *, bits: int) -> tuple[str, int]:
    """Shortest digits reading back as ``f`` and the decimal point: ``0.DIGITS * 10**dp``."""
    if f == 0:
        return "0", 1
    if bits == 32:
        for p in range(1, 10):
            text = f"{f:.{p - 1}e}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == f:
                break
    else:
        text = repr(f)
    _, digs, exponent = Decimal(text).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digs)).lstrip("0")
    dp = len(digits) + exponent
    return digits.rstrip("0") or "0", dp


def _fmt_e(digits: str, *, dp: int, prec: int, e: str) -> str:
    first = digits[0]
    rest = (digits[1:] + "0" * prec)[:prec]
    exp = dp - 1 if digits != "0" else 0
    sign = "+" if exp >= 0 else "-"
    mant = first + ("." + rest if prec > 0 else "")
    return f"{mant}{e}{sign}{abs(exp):02d}"


def _fmt_f(digits: str, *, dp: int, prec: int) -> str:
    if dp > 0:
        ip = (digits[:dp] + "0" * max(0, dp - len(digits)))[:dp]
        fp = digits[dp:]
    else:
        ip = "0"
        fp = "0" * -dp + digits
    fp = (fp + "0" * prec)[:prec]
    return ip + ("." + fp if prec > 0 else "")


def _shortest(f: float, *, verb: str, bits: int) -> str:
    digits, dp = _shortest_digits(abs(f), bits=bits)
    nd = len(digits)
    if verb in "eE":
        return _fmt_e(digits, dp=dp, prec=nd - 1, e=verb)
    if verb == "f":
        return _fmt_f(digits, dp=dp, prec=max(nd - dp, 0))
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(digits, dp=dp, prec=nd - 1, e="e" if verb == "g" else "E")
    return _fmt_f(digits, dp=dp, prec=max(nd - dp, 0))


def _hex_float(f: float, *, prec: int, upper: bool) -> str:
    """Go's ``%x`` of a float: ``0x1.8p+01``; rounding to ``prec`` digits is half-to-even."""
    ip, fp, exp = "0", "", 0
    if f != 0:
        frac, e = math.frexp(f)  # normalises subnormals too, as Go does: 0x1p-1074
        mant = int(frac * (1 << 53))
        ip, fp, exp = "1", f"{mant - (1 << 52):013x}", e - 1
    fp = fp.rstrip("0")
    if 0 <= prec < len(fp):
        q, r = divmod(int(ip + fp, 16), 16 ** (len(fp) - prec))
        half = 16 ** (len(fp) - prec) // 2
        q += r > half or (r == half and q & 1)
        if q >> (4 * prec) == 2:
            q, exp = q >> 1, exp + 1
        digits = f"{q:0{prec + 1}x}"
        ip, fp = digits[0], digits[1:]
    elif prec > len(fp):
        fp += "0" * (prec - len(fp))
    out = f"0x{ip}" + (f".{fp}" if fp else "") + f"p{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    return out.upper() if upper else out


def _binary_exponent(f: float, *, bits: int) -> str:
    """Go's ``%b``: integer mantissa and power of two, ``4503599627370496p-52``."""
    if bits == 32:
        raw, mbits, bias = struct.unpack("<I", struct.pack("<f", f))[0], 23, 127
        ebits = 8
    else:
        raw, mbits, bias = struct.unpack("<Q", struct.pack("<d", f))[0], 52, 1023
        ebits = 11
    exp = (raw >> mbits) & ((1 << ebits) - 1)
    mant = raw & ((1 << mbits) - 1)
    if exp == 0:
        exp = 1
    else:
        mant |= 1 << mbits
    exp -= bias + mbits
    return f"{mant}p{'+' if exp >= 0 else '-'}{abs(exp)}"


def format_float(f: float, *, verb: str, prec: int, bits: int = 64) -> str:
    """``strconv.FormatFloat(f, verb, prec, bits)`` for verbs ``e E f F g G x X``.

    ``prec`` -1 means the shortest representation that reads back as ``f``."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    verb = "f" if verb == "F" else verb
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if verb in "xX":
        return sign + _hex_float(abs(f), prec=prec, upper=verb == "X")
    if verb == "b":
        return sign + _binary_exponent(abs(f), bits=bits)
    if prec < 0:
        return sign + _shortest(f, verb=verb, bits=bits)
    if verb in "gG" and prec == 0:
        prec = 1
    return sign + f"{abs(f):.{prec}{verb}}"
