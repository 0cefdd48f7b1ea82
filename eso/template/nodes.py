"""The parse tree, with Go's node kinds and Go's way of printing each node.

Execution errors quote the failing node (``executing "t" at <.a.b>: ...``) and some messages
embed a node (``can't give argument to non-function 1``); ``str(node)`` renders a node as Go's
``Node.String`` does so those messages match. Every node records its character offset and the
``Source`` it came from, which is how an error finds its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eso.template.gostrconv import quote

__all__ = [
    "ActionNode",
    "BoolNode",
    "BranchNode",
    "BreakNode",
    "ChainNode",
    "CommandNode",
    "ContinueNode",
    "DotNode",
    "FieldNode",
    "IdentifierNode",
    "IfNode",
    "ListNode",
    "NilNode",
    "Node",
    "NumberNode",
    "PipeNode",
    "RangeNode",
    "Source",
    "StringNode",
    "TemplateNode",
    "TextNode",
    "VariableNode",
    "WithNode",
    "is_empty_tree",
]


@dataclass(frozen=True, slots=True)
class Source:
    """The text one ``parse`` call read: what error positions are relative to."""

    name: str
    text: str
    left: str
    right: str

    def location(self, pos: int) -> str:
        """Go's ``NAME:LINE:COL`` for offset ``pos``; the column counts UTF-8 bytes from 0."""
        before = self.text[:pos]
        nl = before.rfind("\n")
        col = len(before[nl + 1 :].encode("utf-8", "surrogateescape"))
        return f"{self.name}:{before.count(chr(10)) + 1}:{col}"


@dataclass(eq=False, slots=True)
class Node:
    """Base of all nodes: the offset of the node's first character and its source."""

    pos: int
    src: Source


@dataclass(eq=False, slots=True)
class TextNode(Node):
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False, slots=True)
class DotNode(Node):
    def __str__(self) -> str:
        return "."


@dataclass(eq=False, slots=True)
class NilNode(Node):
    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False, slots=True)
class BoolNode(Node):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False, slots=True)
class StringNode(Node):
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False, slots=True)
class NumberNode(Node):
    """A numeric or character constant with every Go type it can stand for."""

    text: str
    int_value: int | None = None
    uint_value: int | None = None
    float_value: float | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False, slots=True)
class IdentifierNode(Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(eq=False, slots=True)
class VariableNode(Node):
    """``$x.a.b``: ``ident`` is ``["$x", "a", "b"]``."""

    ident: list[str]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False, slots=True)
class FieldNode(Node):
    """``.a.b``: ``ident`` is ``["a", "b"]``."""

    ident: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


@dataclass(eq=False, slots=True)
class ChainNode(Node):
    """``(pipeline).a.b``: a term other than a field or variable, then fields."""

    node: Node
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return head + "".join("." + f for f in self.fields)


@dataclass(eq=False, slots=True)
class CommandNode(Node):
    args: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass(eq=False, slots=True)
class PipeNode(Node):
    line: int
    is_assign: bool = False
    decl: list[VariableNode] = field(default_factory=list)
    cmds: list[CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        head = ""
        if self.decl:
            head = ", ".join(map(str, self.decl)) + (" = " if self.is_assign else " := ")
        return head + " | ".join(map(str, self.cmds))


@dataclass(eq=False, slots=True)
class ActionNode(Node):
    pipe: PipeNode

    def __str__(self) -> str:
        return f"{self.src.left}{self.pipe}{self.src.right}"


@dataclass(eq=False, slots=True)
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(map(str, self.nodes))


@dataclass(eq=False, slots=True)
class BranchNode(Node):
    """Shared shape of ``if``, ``range`` and ``with``."""

    pipe: PipeNode
    body: ListNode
    else_body: ListNode | None
    keyword = ""

    def __str__(self) -> str:
        left, right = self.src.left, self.src.right
        out = f"{left}{self.keyword} {self.pipe}{right}{self.body}"
        if self.else_body is not None:
            out += f"{left}else{right}{self.else_body}"
        return out + f"{left}end{right}"


@dataclass(eq=False, slots=True)
class IfNode(BranchNode):
    keyword = "if"


@dataclass(eq=False, slots=True)
class RangeNode(BranchNode):
    keyword = "range"


@dataclass(eq=False, slots=True)
class WithNode(BranchNode):
    keyword = "with"


@dataclass(eq=False, slots=True)
class BreakNode(Node):
    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False, slots=True)
class ContinueNode(Node):
    def __str__(self) -> str:
        return "{{continue}}"


@dataclass(eq=False, slots=True)
class TemplateNode(Node):
    name: str
    pipe: PipeNode | None

    def __str__(self) -> str:
        tail = f" {self.pipe}" if self.pipe is not None else ""
        return f"{self.src.left}template {quote(self.name)}{tail}{self.src.right}"


def is_empty_tree(node: Any) -> bool:
    """Go's ``IsEmptyTree``: only whitespace text (a later definition may replace it)."""
    if isinstance(node, ListNode):
        return all(is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return not node.text.strip(" \t\r\n\v\f")
    return False
