"""Recursive-descent parser from tokens to trees, following Go's ``parse.go`` decision by decision.

Go's parser reports the first problem it meets, in words users search for ("unexpected "}" in
operand", "function "x" not defined"), with the line of the furthest token read so far; the
lookahead here is Go's (up to three tokens) so the same token is blamed. One ``parse`` call
yields a ``dict`` of named trees: the main template plus each ``define``/``block``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eso.template import nodes as n
from eso.template.errors import TemplateParseError
from eso.template.gostrconv import quote, unquote
from eso.template.lexer import Item, T, lex
from eso.template.limits import MAX_PARSE_DEPTH, MSG_PARSE_DEPTH
from eso.template.literals import number_node

__all__ = ["parse"]

_OPERAND_START = {
    T.BOOL,
    T.CHAR_CONSTANT,
    T.COMPLEX,
    T.DOT,
    T.FIELD,
    T.IDENTIFIER,
    T.NUMBER,
    T.RAW_STRING,
    T.STRING,
    T.VARIABLE,
    T.LEFT_PAREN,
}


def parse(
    name: str, text: str, *, left: str, right: str, has_func: Callable[[str], bool]
) -> dict[str, n.ListNode]:
    """Trees by name; raises ``TemplateParseError`` with Go's message."""
    src = n.Source(name, text, left or "{{", right or "}}")
    trees: dict[str, n.ListNode] = {}
    items = lex(text, left=src.left, right=src.right)
    _Parser(src, items=items, trees=trees, has_func=has_func).parse_top()
    return trees


class _Parser:
    """One tree's parse state over the shared token list (define/block share the cursor)."""

    def __init__(
        self,
        src: n.Source,
        *,
        items: list[Item],
        trees: dict[str, n.ListNode],
        has_func: Callable[[str], bool],
        cursor: list[int] | None = None,
    ) -> None:
        self.src = src
        self.items = items
        self.trees = trees
        self.has_func = has_func
        self.cursor = cursor if cursor is not None else [0, 0]  # [next index, furthest index]
        self.vars = ["$"]
        self.range_depth = 0
        self.depth = 0
        self.action_line = 0

    # -- token plumbing --------------------------------------------------------------------

    def next(self) -> Item:
        cursor = self.cursor
        i = cursor[0]
        cursor[0] = i + 1
        if i > cursor[1]:
            cursor[1] = i
        return self.items[i] if i < len(self.items) else self.items[-1]

    def backup(self, count: int = 1) -> None:
        self.cursor[0] -= count

    def peek(self) -> Item:
        item = self.next()
        self.backup()
        return item

    def next_non_space(self) -> Item:
        item = self.next()
        while item.typ is T.SPACE:
            item = self.next()
        return item

    def peek_non_space(self) -> Item:
        item = self.next_non_space()
        self.backup()
        return item

    def errorf(self, msg: str) -> TemplateParseError:
        line = self.items[min(self.cursor[1], len(self.items) - 1)].line
        return TemplateParseError(f"template: {self.src.name}:{line}: {msg}")

    def unexpected(self, item: Item, *, context: str) -> TemplateParseError:
        if item.typ is T.ERROR:
            extra = ""
            if self.action_line not in (0, item.line):
                extra = f" in action started at {self.src.name}:{self.action_line}"
                if item.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            return self.errorf(f"{item}{extra}")
        return self.errorf(f"unexpected {item} in {context}")

    def expect(self, typ: T, *, context: str) -> Item:
        item = self.next_non_space()
        if item.typ is not typ:
            raise self.unexpected(item, context=context)
        return item

    def nested(self) -> _Parser:
        """A parser for a define/block body: same tokens, fresh variables, same depth."""
        inner = _Parser(
            self.src, items=self.items, trees=self.trees, has_func=self.has_func, cursor=self.cursor
        )
        inner.depth = self.depth
        return inner

    # -- structure -------------------------------------------------------------------------

    def parse_top(self) -> None:
        root = n.ListNode(self.peek().pos, self.src)
        while self.peek().typ is not T.EOF:
            if self.peek().typ is T.LEFT_DELIM:
                start = self.cursor[0]
                self.next()
                if self.next_non_space().is_kw("define"):
                    self.nested().parse_definition()
                    continue
                self.cursor[0] = start
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                raise self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        self.add(self.src.name, root=root)

    def add(self, name: str, *, root: n.ListNode) -> None:
        old = self.trees.get(name)
        if old is None or n.is_empty_tree(old):
            self.trees[name] = root
        elif not n.is_empty_tree(root):
            raise self.errorf(f"template: multiple definition of template {_q(name)}")

    def parse_definition(self) -> None:
        context = "define clause"
        item = self.next_non_space()
        if item.typ not in (T.STRING, T.RAW_STRING):
            raise self.unexpected(item, context=context)
        name = self.unquote(item.val)
        self.expect(T.RIGHT_DELIM, context=context)
        body, end = self.item_list()
        if not isinstance(end, _End):
            raise self.errorf(f"unexpected {end} in {context}")
        self.add(name, root=body)

    def item_list(self) -> tuple[n.ListNode, n.Node]:
        body = n.ListNode(self.peek_non_space().pos, self.src)
        while self.peek_non_space().typ is not T.EOF:
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                return body, node
            body.nodes.append(node)
        raise self.errorf("unexpected EOF")

    def text_or_action(self) -> n.Node:
        item = self.next_non_space()
        if item.typ is T.TEXT:
            return n.TextNode(item.pos, self.src, item.val)
        if item.typ is T.LEFT_DELIM:
            self.action_line = item.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        raise self.unexpected(item, context="input")

    def action(self) -> n.Node:
        item = self.next_non_space()
        if item.typ is T.KEYWORD:
            handler = _CONTROLS.get(item.val)
            if handler is not None:
                return handler(self, item)
        self.backup()
        item = self.peek()
        pipe = self.pipeline("command", end=T.RIGHT_DELIM)
        return n.ActionNode(item.pos, self.src, pipe)

    # -- control structures ----------------------------------------------------------------

    def loop_control(self, item: Item) -> n.Node:
        word = item.val
        tok = self.next_non_space()
        if tok.typ is not T.RIGHT_DELIM:
            raise self.unexpected(tok, context=f"{{{{{word}}}}}")
        if self.range_depth == 0:
            raise self.errorf(f"{{{{{word}}}}} outside {{{{range}}}}")
        cls = n.BreakNode if word == "break" else n.ContinueNode
        return cls(item.pos, self.src)

    def else_control(self, item: Item) -> n.Node:
        peek = self.peek_non_space()
        if peek.is_kw("if") or peek.is_kw("with"):
            return _Else(peek.pos, self.src)
        tok = self.expect(T.RIGHT_DELIM, context="else")
        return _Else(tok.pos, self.src)

    def end_control(self, item: Item) -> n.Node:
        return _End(self.expect(T.RIGHT_DELIM, context="end").pos, self.src)

    def branch(self, item: Item) -> n.Node:
        context = item.val
        self.depth += 1
        if self.depth > MAX_PARSE_DEPTH:
            raise self.errorf(MSG_PARSE_DEPTH.format(limit=MAX_PARSE_DEPTH))
        mark = len(self.vars)
        try:
            pipe, body, else_body = self.parse_control(context)
        finally:
            del self.vars[mark:]
            self.depth -= 1
        cls = {"if": n.IfNode, "range": n.RangeNode, "with": n.WithNode}[context]
        return cls(pipe.pos, self.src, pipe, body, else_body)

    def parse_control(self, context: str) -> tuple[n.PipeNode, n.ListNode, n.ListNode | None]:
        pipe = self.pipeline(context, end=T.RIGHT_DELIM)
        if context == "range":
            self.range_depth += 1
        body, end = self.item_list()
        if context == "range":
            self.range_depth -= 1
        else_body: n.ListNode | None = None
        if isinstance(end, _Else):
            peek = self.peek()
            if context in ("if", "with") and peek.is_kw(context):
                self.next()
                else_body = n.ListNode(end.pos, self.src, [self.branch(peek)])
            else:
                else_body, end2 = self.item_list()
                if not isinstance(end2, _End):
                    raise self.errorf(f"expected end; found {end2}")
        return pipe, body, else_body

    def template_control(self, item: Item) -> n.Node:
        context = "template clause"
        tok = self.next_non_space()
        name = self.template_name(tok, context=context)
        pipe = None
        if self.next_non_space().typ is not T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, end=T.RIGHT_DELIM)
        return n.TemplateNode(tok.pos, self.src, name, pipe)

    def block_control(self, item: Item) -> n.Node:
        context = "block clause"
        tok = self.next_non_space()
        name = self.template_name(tok, context=context)
        pipe = self.pipeline(context, end=T.RIGHT_DELIM)
        block = self.nested()
        body, end = block.item_list()
        if not isinstance(end, _End):
            raise self.errorf(f"unexpected {end} in {context}")
        block.add(name, root=body)
        return n.TemplateNode(tok.pos, self.src, name, pipe)

    def template_name(self, tok: Item, *, context: str) -> str:
        if tok.typ not in (T.STRING, T.RAW_STRING):
            raise self.unexpected(tok, context=context)
        return self.unquote(tok.val)

    def unquote(self, quoted: str) -> str:
        try:
            return unquote(quoted)
        except ValueError:
            raise self.errorf("invalid syntax") from None

    # -- pipelines -------------------------------------------------------------------------

    def pipeline(self, context: str, *, end: T) -> n.PipeNode:
        tok = self.peek_non_space()
        pipe = n.PipeNode(tok.pos, self.src, tok.line)
        self.declarations(pipe, context=context)
        while True:
            tok = self.next_non_space()
            if tok.typ is end:
                self.check_pipeline(pipe, context=context)
                return pipe
            if tok.typ in _OPERAND_START or tok.is_kw("nil"):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(tok, context=context)

    def declarations(self, pipe: n.PipeNode, *, context: str) -> None:
        while True:
            start = self.cursor[0]
            v = self.next_non_space()
            if v.typ is not T.VARIABLE:
                self.cursor[0] = start
                return
            nxt = self.peek_non_space()
            if nxt.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = nxt.typ is T.ASSIGN
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, self.src, [v.val]))
                self.vars.append(v.val)
                return
            if nxt.typ is T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, self.src, [v.val]))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    peek = self.peek_non_space()
                    if peek.typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    raise self.errorf("range can only initialize variables")
                raise self.errorf(f"too many declarations in {context}")
            self.cursor[0] = start
            return

    def check_pipeline(self, pipe: n.PipeNode, *, context: str) -> None:
        if not pipe.cmds:
            raise self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            first = cmd.args[0]
            if isinstance(first, n.BoolNode | n.DotNode | n.NilNode | n.NumberNode | n.StringNode):
                raise self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> n.CommandNode:
        cmd = n.CommandNode(self.peek_non_space().pos, self.src)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.typ is T.SPACE:
                continue
            if tok.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self.backup()
            elif tok.typ is not T.PIPE:
                raise self.unexpected(tok, context="operand")
            break
        if not cmd.args:
            raise self.errorf("empty command")
        return cmd

    def operand(self) -> n.Node | None:
        node = self.term()
        if node is None or self.peek().typ is not T.FIELD:
            return node
        chain = n.ChainNode(self.peek().pos, self.src, node)
        while self.peek().typ is T.FIELD:
            chain.fields.append(self.next().val[1:])
        if isinstance(node, n.FieldNode):
            return n.FieldNode(chain.pos, self.src, [*node.ident, *chain.fields])
        if isinstance(node, n.VariableNode):
            return n.VariableNode(chain.pos, self.src, [*node.ident, *chain.fields])
        if isinstance(node, n.BoolNode | n.StringNode | n.NumberNode | n.NilNode | n.DotNode):
            raise self.errorf(f"unexpected . after term {_q(str(node))}")
        return chain

    def term(self) -> n.Node | None:  # a dispatch table on the token kind
        tok = self.next_non_space()
        typ, src = tok.typ, self.src
        if typ is T.IDENTIFIER:
            if not self.has_func(tok.val):
                raise self.errorf(f"function {_q(tok.val)} not defined")
            return n.IdentifierNode(tok.pos, src, tok.val)
        if typ is T.DOT:
            return n.DotNode(tok.pos, src)
        if tok.is_kw("nil"):
            return n.NilNode(tok.pos, src)
        if typ is T.VARIABLE:
            return self.use_var(tok)
        if typ is T.FIELD:
            return n.FieldNode(tok.pos, src, [tok.val[1:]])
        if typ is T.BOOL:
            return n.BoolNode(tok.pos, src, tok.val == "true")
        if typ in (T.CHAR_CONSTANT, T.COMPLEX, T.NUMBER):
            return self.number(tok)
        if typ is T.LEFT_PAREN:
            return self.paren()
        if typ in (T.STRING, T.RAW_STRING):
            return n.StringNode(tok.pos, src, tok.val, self.unquote(tok.val))
        self.backup()
        return None

    def paren(self) -> n.PipeNode:
        self.depth += 1
        if self.depth > MAX_PARSE_DEPTH:
            raise self.errorf("max expression depth exceeded")
        try:
            return self.pipeline("parenthesized pipeline", end=T.RIGHT_PAREN)
        finally:
            self.depth -= 1

    def use_var(self, tok: Item) -> n.VariableNode:
        if tok.val not in self.vars:
            raise self.errorf(f"undefined variable {_q(tok.val)}")
        return n.VariableNode(tok.pos, self.src, [tok.val])

    def number(self, tok: Item) -> n.NumberNode:
        try:
            return number_node(tok, src=self.src)
        except ValueError as e:
            raise self.errorf(str(e)) from None


@dataclass(eq=False, slots=True)
class _End(n.Node):
    """``{{end}}``: closes a list; never part of a tree."""

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False, slots=True)
class _Else(n.Node):
    """``{{else}}``: splits a list; never part of a tree."""

    def __str__(self) -> str:
        return "{{else}}"


_CONTROLS: dict[str, Callable[[_Parser, Item], n.Node]] = {
    "block": _Parser.block_control,
    "break": _Parser.loop_control,
    "continue": _Parser.loop_control,
    "else": _Parser.else_control,
    "end": _Parser.end_control,
    "if": _Parser.branch,
    "range": _Parser.branch,
    "template": _Parser.template_control,
    "with": _Parser.branch,
}


def _q(s: str) -> str:
    return quote(s)
