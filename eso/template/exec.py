"""Executes parsed trees against data with Go's ``text/template`` semantics and limits.

The walk mirrors Go's ``exec.go``: which node is "current" when an error happens (that is what
``at <...>`` and the line:column in messages show), when a pipeline's nil interface becomes "no
value", how the final pipeline value is appended to a call, and how arguments are checked
against parameter types (``args``). Every node evaluation and loop iteration counts against
``Limits.max_steps``, output against ``max_output`` and ``template`` calls against
``max_depth``; exceeding one ends the execution with a ``TemplateExecError`` naming it.

It is one module because it is one state machine (Go's ``exec.go`` is too): evaluation of
fields, commands and calls recurse into each other through the same ``_State``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from eso.template import args as conv
from eso.template import limits as lim
from eso.template import nodes as n
from eso.template.builtins import REFLECT, IndexValueError
from eso.template.errors import TemplateExecError
from eso.template.functions.registry import Func, FuncError, FuncMap
from eso.template.gofmt import FormatTooLarge, sprint, sprintf
from eso.template.gostrconv import quote
from eso.template.limits import Limits
from eso.template.missing import MISSING, Iface
from eso.template.truth import is_true
from eso.template.values import StringMap, Uint8, go_kind

__all__ = ["execute"]

_NO_FINAL = object()
"""No value piped in from the previous command (Go's ``missingVal``)."""


def _un(v: Any) -> Any:
    return v.value if isinstance(v, Iface) else v


class _Break(Exception):  # noqa: N818 - control flow, not an error
    pass


class _Continue(Exception):  # noqa: N818 - control flow, not an error
    pass


def execute(
    trees: dict[str, n.ListNode],
    *,
    name: str,
    data: Any,
    funcs: FuncMap,
    builtins: FuncMap,
    missingkey: str,
    limits: Limits,
) -> str:
    """Run tree ``name`` with dot ``data``; the output, or ``TemplateExecError``."""
    state = _State(
        trees, name=name, funcs=funcs, builtins=builtins, missingkey=missingkey, limits=limits
    )
    dot = MISSING if data is None else data
    state.vars = [["$", dot]]
    try:
        state.walk(trees[name], dot=dot)
    except RecursionError:
        # Only reachable through nesting that each limit allows but their sum does not.
        raise TemplateExecError(f"template: {name}: {lim.MSG_NESTING}") from None
    return "".join(state.out)


class _State:
    """One execution: output buffer, variable stack, current node and resource counters."""

    def __init__(
        self,
        trees: dict[str, n.ListNode],
        *,
        name: str,
        funcs: FuncMap,
        builtins: FuncMap,
        missingkey: str,
        limits: Limits,
    ) -> None:
        self.trees = trees
        self.name = name
        self.funcs = funcs
        self.builtins = builtins
        self.missingkey = missingkey
        self.limits = limits
        self.out: list[str] = []
        self.size = 0
        self.steps = 0
        self.depth = 0
        self.node: n.Node | None = None
        self.vars: list[list[Any]] = []

    # -- errors, limits, output ------------------------------------------------------------

    def err(self, msg: str) -> TemplateExecError:
        """Go's execution error at the current node (the caller raises it)."""
        if self.node is None:
            return TemplateExecError(f"template: {self.name}: {msg}")
        loc = self.node.src.location(self.node.pos)
        return TemplateExecError(
            f"template: {loc}: executing {quote(self.name)} at <{self.node}>: {msg}"
        )

    def at(self, node: n.Node) -> None:
        self.node = node
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise self.err(lim.MSG_STEPS.format(limit=self.limits.max_steps))

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limits.max_output:
            raise self.err(lim.MSG_OUTPUT.format(limit=self.limits.max_output))
        self.out.append(text)

    # -- variables -------------------------------------------------------------------------

    def push(self, name: str, *, value: Any) -> None:
        self.vars.append([name, value])

    def set_var(self, name: str, *, value: Any) -> None:
        for slot in reversed(self.vars):
            if slot[0] == name:
                slot[1] = value
                return
        raise self.err(f"undefined variable: {name}")

    def var_value(self, name: str) -> Any:
        for slot in reversed(self.vars):
            if slot[0] == name:
                return slot[1]
        raise self.err(f"undefined variable: {name}")

    # -- walking ---------------------------------------------------------------------------

    def walk(self, node: n.Node, *, dot: Any) -> None:
        self.at(node)
        if isinstance(node, n.ListNode):
            for child in node.nodes:
                self.walk(child, dot=dot)
        elif isinstance(node, n.TextNode):
            self.write(node.text)
        elif isinstance(node, n.ActionNode):
            value = self.eval_pipeline(node.pipe, dot=dot)
            if not node.pipe.decl:
                self.at(node)
                self.write("<no value>" if value is MISSING else sprint(value))
        elif isinstance(node, n.IfNode | n.WithNode):
            self.walk_if_with(node, dot=dot)
        elif isinstance(node, n.RangeNode):
            self.walk_range(node, dot=dot)
        elif isinstance(node, n.TemplateNode):
            self.walk_template(node, dot=dot)
        elif isinstance(node, n.BreakNode):
            raise _Break
        elif isinstance(node, n.ContinueNode):
            raise _Continue
        else:
            raise self.err(f"unknown node: {node}")

    def walk_if_with(self, node: n.BranchNode, *, dot: Any) -> None:
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(node.pipe, dot=dot)
            if is_true(value)[0]:
                self.walk(node.body, dot=value if isinstance(node, n.WithNode) else dot)
            elif node.else_body is not None:
                self.walk(node.else_body, dot=dot)
        finally:
            del self.vars[mark:]

    def walk_range(self, node: n.RangeNode, *, dot: Any) -> None:
        self.at(node)
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(node.pipe, dot=dot)
            ran = self.range_items(node, value=value)
            if not ran and node.else_body is not None:
                self.walk(node.else_body, dot=dot)
        except _Break:
            pass
        finally:
            del self.vars[mark:]

    def range_items(self, node: n.RangeNode, *, value: Any) -> bool:
        """Run the body once per element; False when there were none."""
        inner = len(self.vars)
        ran = False
        for key, elem in self.iterate(node, value=value):
            ran = True
            self.at(node)
            self.bind_range(node, key=key, elem=elem)
            try:
                self.walk(node.body, dot=elem)
            except _Continue:
                pass
            finally:
                del self.vars[inner:]
        return ran

    def iterate(self, node: n.RangeNode, *, value: Any) -> Iterator[tuple[Any, Any]]:
        if value is MISSING:
            return iter(())
        if isinstance(value, int) and not isinstance(value, bool):
            if len(node.pipe.decl) > 1:
                raise self.err(
                    f"can't use value of type {conv.type_name(value)} "
                    "to iterate over more than one variable"
                )
            kind = type(value)
            return ((MISSING, kind(i)) for i in range(max(value, 0)))
        if isinstance(value, bytes):
            return ((i, Uint8(c)) for i, c in enumerate(value))
        if isinstance(value, list):
            typed = type(value) is not list  # []string, []int...: elements are not interfaces
            return ((i, e if typed else Iface(e)) for i, e in enumerate(value))
        if isinstance(value, dict) and go_kind(value) != "struct":
            typed = isinstance(value, StringMap)
            return ((k, value[k] if typed else Iface(value[k])) for k in sorted(value))
        raise self.err(f"range can't iterate over value of type {conv.type_name(value)}")

    def bind_range(self, node: n.RangeNode, *, key: Any, elem: Any) -> None:
        decl = node.pipe.decl
        if not decl:
            return
        if node.pipe.is_assign:
            if len(decl) > 1:
                self.set_var(decl[0].ident[0], value=key)
                self.set_var(decl[1].ident[0], value=elem)
            else:
                self.set_var(decl[0].ident[0], value=elem)
            return
        self.vars[-1][1] = elem
        if len(decl) > 1:
            self.vars[-2][1] = key

    def walk_template(self, node: n.TemplateNode, *, dot: Any) -> None:
        self.at(node)
        tree = self.trees.get(node.name)
        if tree is None:
            raise self.err(f"template {quote(node.name)} not defined")
        if self.depth >= self.limits.max_depth:
            raise self.err(lim.MSG_DEPTH.format(limit=self.limits.max_depth))
        new_dot = self.eval_pipeline(node.pipe, dot=dot) if node.pipe is not None else MISSING
        saved = (self.vars, self.name)
        self.vars, self.name = [["$", new_dot]], node.name
        self.depth += 1
        try:
            self.walk(tree, dot=new_dot)
        finally:
            self.vars, self.name = saved
            self.depth -= 1

    # -- pipelines and commands ------------------------------------------------------------

    def eval_pipeline(self, pipe: n.PipeNode, *, dot: Any) -> Any:
        self.at(pipe)
        value: Any = _NO_FINAL
        for cmd in pipe.cmds:
            value = _un(self.eval_command(cmd, dot=dot, final=value))
            if value is None:
                value = MISSING
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value=value)
            else:
                self.push(var.ident[0], value=value)
        return value

    def not_a_function(self, args: list[n.Node], *, final: Any) -> None:
        if len(args) > 1 or final is not _NO_FINAL:
            raise self.err(f"can't give argument to non-function {args[0]}")

    def eval_command(self, cmd: n.CommandNode, *, dot: Any, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, n.FieldNode):
            return self.eval_field_node(first, dot=dot, args=cmd.args, final=final)
        if isinstance(first, n.ChainNode):
            return self.eval_chain_node(first, dot=dot, args=cmd.args, final=final)
        if isinstance(first, n.IdentifierNode):
            return self.eval_function(first, dot=dot, cmd=cmd, args=cmd.args, final=final)
        if isinstance(first, n.PipeNode):
            self.not_a_function(cmd.args, final=final)
            return self.eval_pipeline(first, dot=dot)
        if isinstance(first, n.VariableNode):
            return self.eval_variable_node(first, dot=dot, args=cmd.args, final=final)
        self.at(first)
        self.not_a_function(cmd.args, final=final)
        if isinstance(first, n.BoolNode):
            return first.value
        if isinstance(first, n.DotNode):
            return dot
        if isinstance(first, n.NilNode):
            raise self.err("nil is not a command")
        if isinstance(first, n.NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, n.StringNode):
            return first.text
        raise self.err(f"can't evaluate command {quote(str(first))}")

    def ideal_constant(self, node: n.NumberNode) -> Any:
        self.at(node)
        text = node.text
        is_hex_int = text[:2].lower() == "0x" and not any(c in text for c in "pP")
        floaty = any(c in text for c in ".eEpP") and not is_hex_int and text[0] != "'"
        if floaty and node.float_value is not None:
            return node.float_value
        if node.int_value is not None:
            return node.int_value
        if node.uint_value is not None:
            raise self.err(f"{text} overflows int")
        return MISSING

    # -- fields ----------------------------------------------------------------------------

    def eval_field_node(
        self, node: n.FieldNode, *, dot: Any, args: list[n.Node], final: Any
    ) -> Any:
        self.at(node)
        return self.eval_field_chain(dot, ident=node.ident, args=args, final=final, dot=dot)

    def eval_chain_node(
        self, node: n.ChainNode, *, dot: Any, args: list[n.Node], final: Any
    ) -> Any:
        self.at(node)
        if isinstance(node.node, n.NilNode):
            raise self.err(f"indirection through explicit nil in {node}")
        receiver = self.eval_arg(node.node, dot=dot, typ=None)
        return self.eval_field_chain(receiver, ident=node.fields, args=args, final=final, dot=dot)

    def eval_variable_node(
        self, node: n.VariableNode, *, dot: Any, args: list[n.Node] | None, final: Any
    ) -> Any:
        self.at(node)
        value = self.var_value(node.ident[0])
        if len(node.ident) == 1:
            self.not_a_function(args or [node], final=final)
            return value
        return self.eval_field_chain(value, ident=node.ident[1:], args=args, final=final, dot=dot)

    def eval_field_chain(
        self,
        receiver: Any,
        *,
        ident: list[str],
        args: list[n.Node] | None,
        final: Any,
        dot: Any = None,
    ) -> Any:
        for name in ident[:-1]:
            receiver = self.eval_field(name, args=None, final=_NO_FINAL, receiver=receiver, dot=dot)
        return self.eval_field(ident[-1], args=args, final=final, receiver=receiver, dot=dot)

    def eval_field(
        self, name: str, *, receiver: Any, args: list[n.Node] | None, final: Any, dot: Any = None
    ) -> Any:
        iface = isinstance(receiver, Iface)
        receiver = _un(receiver)
        method = (getattr(type(receiver), "go_methods", None) or {}).get(name)
        if method is not None:
            return self.eval_method(method, receiver=receiver, args=args, final=final, dot=dot)
        if receiver is MISSING:
            if self.missingkey == "error":
                raise self.err(f"nil data; no entry for key {quote(name)}")
            return MISSING
        if receiver is None:
            raise self.err(f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, dict) and go_kind(receiver) == "struct":
            if name not in receiver:
                raise self.err(f"can't evaluate field {name} in type {conv.type_name(receiver)}")
            if (args is not None and len(args) > 1) or final is not _NO_FINAL:
                raise self.err(f"{name} has arguments but cannot be invoked as function")
            return receiver[name]  # a field has its declared type, not an interface's
        if isinstance(receiver, dict):
            if (args is not None and len(args) > 1) or final is not _NO_FINAL:
                raise self.err(f"{name} is not a method but has arguments")
            if name in receiver:
                value = receiver[name]
                return value if isinstance(receiver, StringMap) else Iface(value)
            return self.missing_key(name, receiver=receiver)
        kind = "interface {}" if iface else conv.type_name(receiver)
        raise self.err(f"can't evaluate field {name} in type {kind}")

    def eval_method(
        self, method: Func, *, receiver: Any, args: list[n.Node] | None, final: Any, dot: Any
    ) -> Any:
        """Go's method call on a value (``(semver "1.2.3").Major``): the bound method's
        arguments are checked and converted like a function's."""
        bound = Func(
            method.name,
            functools.partial(method.fn, receiver),
            params=method.params,
            variadic=method.variadic,
            result=method.result,
            returns_error=method.returns_error,
        )
        node = self.node
        assert node is not None  # eval_field runs after at(node)
        return self.eval_call(
            bound, dot=dot, builtin=False, node=node, args=args or [node], final=final
        )

    def missing_key(self, name: str, *, receiver: dict[str, Any]) -> Any:
        if self.missingkey == "error":
            raise self.err(f"map has no entry for key {quote(name)}")
        if self.missingkey == "zero":
            return "" if isinstance(receiver, StringMap) else Iface(None)
        return MISSING

    # -- functions -------------------------------------------------------------------------

    def eval_function(
        self,
        node: n.IdentifierNode,
        *,
        dot: Any,
        cmd: n.Node,
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        self.at(node)
        func = self.funcs.get(node.name)
        builtin = func is None
        if func is None:
            func = self.builtins.get(node.name)
        if func is None:
            raise self.err(f"{quote(node.name)} is not a defined function")
        return self.eval_call(
            func, dot=dot, builtin=builtin, node=cmd, args=args or [node], final=final
        )

    def check_arity(self, func: Func, *, args: list[n.Node], final: Any) -> int:
        """Number of fixed parameters the explicit arguments fill (Go's ``numFixed``)."""
        num_in = len(args) + (final is not _NO_FINAL)
        if func.variadic is not None:
            if num_in < len(func.params):
                raise self.err(
                    f"wrong number of args for {func.name}: "
                    f"want at least {len(func.params)} got {len(args)}"
                )
            return len(func.params)
        if num_in != len(func.params):
            raise self.err(
                f"wrong number of args for {func.name}: want {len(func.params)} got {num_in}"
            )
        return len(args)

    def eval_call(
        self,
        func: Func,
        *,
        dot: Any,
        builtin: bool,
        node: n.Node,
        args: list[n.Node],
        final: Any,
    ) -> Any:
        args = args[1:]
        fixed = self.check_arity(func, args=args, final=final)
        if builtin and func.name in ("and", "or"):
            return self.and_or(func.name, dot=dot, args=args, final=final)
        argv = [self.eval_arg(a, dot=dot, typ=func.params[i]) for i, a in enumerate(args[:fixed])]
        argv += [self.eval_arg(a, dot=dot, typ=func.variadic) for a in args[fixed:]]
        if final is not _NO_FINAL:
            argv.append(self.validate(final, typ=self.final_type(func, index=len(argv))))
        if builtin and func.name == "call":
            callee = str(args[0]) if args else "value"
            raise self.call_err(node, name="call", msg=_call_message(callee, fn=argv[0]))
        return self.invoke(func, builtin=builtin, node=node, argv=argv, indexes=args[1:])

    def final_type(self, func: Func, *, index: int) -> str | None:
        if index < len(func.params):
            return func.params[index]
        return func.variadic if func.variadic is not None else func.params[-1]

    def and_or(self, name: str, *, dot: Any, args: list[n.Node], final: Any) -> Any:
        value: Any = MISSING
        for a in args:
            value = self.eval_arg(a, dot=dot, typ=REFLECT)
            if is_true(_un(value))[0] == (name == "or"):
                return value
        if final is not _NO_FINAL:
            value = final
        return value

    def invoke(
        self, func: Func, *, builtin: bool, node: n.Node, argv: list[Any], indexes: list[n.Node]
    ) -> Any:
        """Call ``func``; a failure becomes ``error calling NAME: ...`` at ``node``. Index
        numbers are quoted only when the template text spelled them (``indexes``: the argument
        nodes after the first; a piped value is never template text)."""
        # Go's ``slice`` alone does not look inside interface-typed indexes
        keep = 1 if builtin and func.name == "slice" else len(argv)
        argv = [_un(a) if i < keep else a for i, a in enumerate(argv)]
        try:
            if builtin and func.name == "printf":
                return sprintf(*argv, limit=self.limits.max_output - self.size)
            result = func.fn(*argv)
        except IndexValueError as e:
            spelled = all(p < len(indexes) and _constant(indexes[p]) for p in e.positions)
            msg = str(e) if spelled else e.redacted
            raise self.call_err(node, name=func.name, msg=msg) from None
        except FuncError as e:
            raise self.call_err(node, name=func.name, msg=str(e)) from None
        except FormatTooLarge:
            msg = lim.MSG_OUTPUT.format(limit=self.limits.max_output)
            raise self.call_err(node, name=func.name, msg=msg) from None
        except RecursionError:
            raise self.err(lim.MSG_STACK) from None
        except Exception as e:  # a buggy function must fail one render, not the controller
            msg = f"internal error ({type(e).__name__})"
            raise self.call_err(node, name=func.name, msg=msg) from None
        if isinstance(result, str | bytes) and len(result) > self.limits.max_output:
            # values never written out (``$x = print $x $x``) must not grow without bound
            msg = lim.MSG_RESULT.format(limit=self.limits.max_output)
            raise self.call_err(node, name=func.name, msg=msg)
        return result

    def call_err(self, node: n.Node, *, name: str, msg: str) -> TemplateExecError:
        self.node = node
        return self.err(f"error calling {name}: {msg}")

    # -- arguments -------------------------------------------------------------------------

    def validate(self, value: Any, *, typ: str | None) -> Any:
        if typ == REFLECT:
            return value  # builtins see the interface box (``slice`` cares)
        try:
            return conv.validate(_un(value), typ=typ)
        except conv.ArgError as e:
            raise self.err(str(e)) from None

    def eval_arg(self, node: n.Node, *, dot: Any, typ: str | None) -> Any:
        self.at(node)
        if isinstance(node, n.DotNode):
            return self.validate(dot, typ=typ)
        if isinstance(node, n.NilNode):
            if conv.can_be_nil(typ):
                return conv.zero(typ)
            raise self.err(f"cannot assign nil to {typ}")
        value = self.eval_operand(node, dot=dot)
        if value is not _NO_FINAL:
            return self.validate(value, typ=typ)
        if typ in (REFLECT, "interface {}"):
            return self.eval_empty_interface(node, dot=dot)
        try:
            return conv.literal(node, typ=typ)
        except conv.ArgError as e:
            raise self.err(str(e)) from None

    def eval_operand(self, node: n.Node, *, dot: Any) -> Any:
        """Value of a non-literal argument node; ``_NO_FINAL`` for a literal."""
        if isinstance(node, n.FieldNode):
            return self.eval_field_node(node, dot=dot, args=[node], final=_NO_FINAL)
        if isinstance(node, n.VariableNode):
            return self.eval_variable_node(node, dot=dot, args=None, final=_NO_FINAL)
        if isinstance(node, n.PipeNode):
            return self.eval_pipeline(node, dot=dot)
        if isinstance(node, n.IdentifierNode):
            return self.eval_function(node, dot=dot, cmd=node, args=None, final=_NO_FINAL)
        if isinstance(node, n.ChainNode):
            return self.eval_chain_node(node, dot=dot, args=[], final=_NO_FINAL)
        return _NO_FINAL

    def eval_empty_interface(self, node: n.Node, *, dot: Any) -> Any:
        self.at(node)
        if isinstance(node, n.BoolNode):
            return node.value
        if isinstance(node, n.NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, n.StringNode):
            return node.text
        raise self.err(f"can't handle assignment of {node} to empty interface argument")


def _constant(node: n.Node) -> bool:
    """A number written in the template (``3``, ``(3)``), not computed from data."""
    while isinstance(node, n.PipeNode) and len(node.cmds) == 1 and not node.decl:
        if len(node.cmds[0].args) != 1:
            return False
        node = node.cmds[0].args[0]
    return isinstance(node, n.NumberNode)


def _call_message(callee: str, *, fn: Any) -> str:
    fn = _un(fn)
    if fn is MISSING or fn is None:
        return "call of nil"
    return f"non-function {callee} of type {conv.type_name(fn)}"
