"""Writes a parsed Go pattern (``re2_parse``) out as RE2 pattern text.

Every Go flag is made explicit per atom, so the RE2 text means the same thing whatever RE2's
own defaults are: a case-folded atom is ``(?i:...)``, ``.`` with ``(?s)`` is ``(?s:.)``,
``^``/``$`` are ``\\A``/``\\z`` or ``(?m:^)``/``(?m:$)``, laziness is a trailing ``?``. Groups
are emitted unnamed (eso keeps Go's ``SubexpNames()`` itself), so group numbers are Go's.
"""

from __future__ import annotations

from eso.template.re2_classes import rune_text
from eso.template.re2_parse import Node

__all__ = ["emit"]

_QUANTIFIERS = {(0, -1): "*", (1, -1): "+", (0, 1): "?"}


def emit(root: Node) -> str:
    """The RE2 text of ``root``, built without recursion (Go nests groups 1000 deep)."""
    done: list[str] = []  # the texts of finished nodes, in pattern order
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, subs_done = stack.pop()
        if subs_done:
            parts = done[len(done) - len(node.subs) :]
            del done[len(done) - len(node.subs) :]
            done.append(_inner(node, parts=parts))
        elif node.subs:
            stack.append((node, True))
            stack.extend((sub, False) for sub in reversed(node.subs))
        else:
            done.append(_leaf(node))
    return done[0]


def _leaf(node: Node) -> str:
    k = node.kind
    if k == "lit":
        text = rune_text(ord(node.text))
        return f"(?i:{text})" if node.fold else text
    if k == "class":
        text = f"[{'^' if node.negate else ''}{''.join(node.items)}]"
        return f"(?i:{text})" if node.fold else text
    if k == "any":
        return "(?s:.)" if node.fold else "(?-s:.)"
    return node.text  # an assertion, or "" for an empty concatenation


def _inner(node: Node, *, parts: list[str]) -> str:
    """The text of a group, concatenation, alternation or repeat from its subs' texts."""
    if node.kind == "group":
        return f"({parts[0]})" if node.cap else f"(?:{parts[0]})"
    if node.kind == "cat":
        return "".join(parts)
    if node.kind == "alt":
        return "|".join(parts)
    return _repeat(node, inner=parts[0])


def _repeat(node: Node, *, inner: str) -> str:
    if node.subs[0].kind != "group":
        inner = f"(?:{inner})"
    lo, hi = node.min, node.max
    quant = _QUANTIFIERS.get((lo, hi))
    if quant is None:
        quant = f"{{{lo},}}" if hi < 0 else f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"
    return inner + quant + ("" if node.greedy else "?")
