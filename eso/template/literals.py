"""Number and character constants: which Go types a literal can stand for (Go's ``newNumber``).

``{{ 3 }}`` can be an ``int``, a ``uint`` or a ``float64`` depending on the parameter it is
passed to; ``1e3`` can be an int too, ``0x1p4`` is a float, ``'a'`` is all three. The parser
records every reading that is exact, and the executor picks one per use (``args``).
"""

from __future__ import annotations

from eso.template import nodes as n
from eso.template.gostrconv import parse_float, parse_int, quote, unquote_char
from eso.template.lexer import Item, T

__all__ = ["number_node"]

_INT64 = (-(1 << 63), (1 << 63) - 1)


def number_node(tok: Item, *, src: n.Source) -> n.NumberNode:
    """Go's ``newNumber``: which of int, uint and float the constant can be."""
    text = tok.val
    if tok.typ is T.CHAR_CONSTANT:
        return _char_constant(tok, src=src)
    if tok.typ is T.COMPLEX or text.endswith("i"):
        raise ValueError(f"complex constants are not supported: {text}")
    node = n.NumberNode(tok.pos, src, text)
    as_int = parse_int(text)
    if as_int is not None:
        if as_int >= 0 and as_int < (1 << 64) and text[:1] not in "+-":
            node.uint_value = as_int
        if _INT64[0] <= as_int <= _INT64[1]:
            node.int_value = as_int
            if as_int == 0:
                node.uint_value = 0
    if node.int_value is not None:
        node.float_value = float(node.int_value)
    elif node.uint_value is not None:
        node.float_value = float(node.uint_value)
    else:
        _float_number(node, text=text)
    if node.int_value is None and node.uint_value is None and node.float_value is None:
        raise ValueError(f"illegal number syntax: {quote(text)}")
    return node


def _float_number(node: n.NumberNode, *, text: str) -> None:
    f = parse_float(text)
    if f is None:
        return
    if not any(c in text for c in ".eEpP"):
        raise ValueError(f"integer overflow: {quote(text)}")
    node.float_value = f
    if f.is_integer() and _INT64[0] <= f <= _INT64[1]:
        node.int_value = int(f)
    if f.is_integer() and 0 <= f < (1 << 64):
        node.uint_value = int(f)


def _char_constant(tok: Item, *, src: n.Source) -> n.NumberNode:
    text = tok.val
    try:
        c, tail = unquote_char(text[1:], quote_char=text[0])
    except (ValueError, IndexError):
        raise ValueError("invalid syntax") from None
    if tail != "'":
        raise ValueError(f"malformed character constant: {text}")
    code = ord(c) if not 0xDC80 <= ord(c) <= 0xDCFF else ord(c) - 0xDC00
    return n.NumberNode(tok.pos, src, text, code, code, float(code))
