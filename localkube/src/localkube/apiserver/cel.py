"""CRD ``x-kubernetes-validations`` rules for the local control plane, evaluated with cel-python.

The real kube-apiserver compiles every rule when a CRD is created (rejecting the CRD when one does
not compile) and evaluates them on each write with ``self`` bound to the value at the rule's schema
node, typed by that schema, and ``oldSelf`` bound to the correlated old value for transition rules.
We copy those contracts and the wording of its errors, because the same integration tests run
against a real server and compare what each returns.

Compiled programs are cached by rule text: the benchmark writes thousands of custom resources
through this path and cel-python's parser is far slower than its evaluator. The cache is bounded.
Rules that passed are remembered by the part of ``self`` they read (``cel_memo``): evaluating is
still milliseconds per rule, and 100k ExternalSecrets run the same few rules on the same few
shapes.
Kubernetes' CEL type checker is not available in Python; ``compile_errors`` adds the check that
matters most to authors of rules (a field that the schema does not declare) on top of parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from localkube.apiserver.cel_memo import PassMemo
from localkube.apiserver.cel_values import (
    FUNCTIONS,
    CelOptional,
    escape_property,
    to_cel,
)
from localkube.apiserver.field_errors import (
    DUPLICATE,
    FORBIDDEN,
    INVALID,
    OMIT,
    REQUIRED,
    FieldError,
    field_error,
)

_ABSENT: Any = object()
_OLD_SELF = re.compile(r"\boldSelf\b")
_FIELD_PATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]")
_ROOT_FIELD = "<nil>"
_MISSING_KEY = re.compile(r"no such member in mapping: \\*'([^'\\]*)")
_PASSED = PassMemo()


@dataclass(frozen=True)
class _Compiled:
    ast: lark.Tree[Any] | None
    program: celpy.Runner | None
    uses_old_self: bool
    error: str | None


@lru_cache(maxsize=1)
def _environment() -> celpy.Environment:
    """One parser for every rule: building cel-python's grammar costs milliseconds."""
    return celpy.Environment()


@lru_cache(maxsize=4096)
def _compile(text: str) -> _Compiled:
    """Parse and bind once per distinct rule text; parse errors are kept, not raised."""
    env = _environment()
    try:
        ast = env.compile(text)
    except CELParseError as e:
        return _Compiled(None, None, uses_old_self=False, error=_parse_error(e))
    program = env.program(ast, functions=FUNCTIONS)
    return _Compiled(ast, program, uses_old_self=bool(_OLD_SELF.search(text)), error=None)


def _parse_error(e: CELParseError) -> str:
    """cel-go's shape of a syntax error: position, then the source line and a caret under it."""
    line, column = getattr(e, "line", None) or 1, getattr(e, "column", None) or 1
    source = str(e.args[0]).splitlines()[0] if e.args and str(e.args[0]) else ""
    caret = "." * (column - 1) + "^"
    return (
        f"ERROR: <input>:{line}:{column}: Syntax error: unexpected input\n | {source}\n | {caret}"
    )


# ---- CRD create time -------------------------------------------------------------------------


def rule_compile_errors(
    schema: Mapping[str, Any], *, path: str = "openAPIV3Schema"
) -> list[FieldError]:
    """Every rule or messageExpression in ``schema`` that would not compile.

    ``path`` names the schema root; pass ``spec.versions[i].schema.openAPIV3Schema``.
    """
    errors: list[FieldError] = []
    for node_path, node in _schema_nodes(schema, path):
        for i, rule in enumerate(node.get("x-kubernetes-validations") or ()):
            rule_path = f"{node_path}.x-kubernetes-validations[{i}]"
            errors.extend(_rule_compile_errors(rule, node, path=rule_path))
    return errors


def compile_errors(schema: Mapping[str, Any], *, path: str = "openAPIV3Schema") -> list[str]:
    """``rule_compile_errors`` as "<field>: <message>" lines."""
    return [e.detail() for e in rule_compile_errors(schema, path=path)]


def _schema_nodes(schema: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield path, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema_nodes(sub, f"{path}.properties[{name}]")
    additional = schema.get("additionalProperties")
    if isinstance(additional, Mapping):
        yield from _schema_nodes(additional, f"{path}.additionalProperties")
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _schema_nodes(items, f"{path}.items")


def _rule_compile_errors(
    rule: Mapping[str, Any], node: Mapping[str, Any], *, path: str
) -> list[FieldError]:
    text = str(rule.get("rule") or "")
    if not text.strip():
        return [field_error(REQUIRED, f"{path}.rule")]
    errors = []
    compiled = _compile(text)
    problem = compiled.error or _undeclared_field(compiled.ast, node)
    if problem:
        detail = f"compilation failed: {problem}"
        errors.append(field_error(INVALID, f"{path}.rule", text, detail))
    message_expression = str(rule.get("messageExpression") or "")
    if message_expression:
        compiled = _compile(message_expression)
        problem = compiled.error or _undeclared_field(compiled.ast, node)
        if problem:
            detail = f"messageExpression compilation failed: {problem}"
            errors.append(
                field_error(INVALID, f"{path}.messageExpression", message_expression, detail)
            )
    return errors


def _undeclared_field(ast: lark.Tree[Any] | None, node: Mapping[str, Any]) -> str | None:
    """The first ``self.a.b`` selection naming a field that ``node`` does not declare."""
    if ast is None:
        return None
    for member in ast.find_data("member_dot"):
        chain = _selection_chain(member)
        if not chain or chain[0] not in ("self", "oldSelf"):
            continue
        missing = _resolve(chain[1:], node)
        if missing is not None:
            token = member.children[1]
            line, column = getattr(token, "line", 1), getattr(token, "column", 1)
            return f"ERROR: <input>:{line}:{column}: undefined field '{missing}'"
    return None


def _selection_chain(tree: lark.Tree[Any]) -> list[str] | None:
    """``self.a.b`` as ["self", "a", "b"]; None when the base is not a plain identifier."""
    if tree.data == "member_dot":
        base = _selection_chain(tree.children[0])
        return None if base is None else [*base, str(tree.children[1])]
    if tree.data in ("member", "primary") and len(tree.children) == 1:
        child = tree.children[0]
        return _selection_chain(child) if isinstance(child, lark.Tree) else None
    if tree.data == "ident" and len(tree.children) == 1:
        return [str(tree.children[0])]
    return None


def _resolve(names: list[str], node: Mapping[str, Any]) -> str | None:
    for name in names:
        props = node.get("properties") or {}
        escaped = {escape_property(k): v for k, v in props.items()}
        additional = node.get("additionalProperties")
        if name in escaped:
            node = escaped[name]
        elif isinstance(additional, Mapping):
            node = additional
        elif not props or _is_open(node):
            return None
        else:
            return name
    return None


def _is_open(node: Mapping[str, Any]) -> bool:
    return bool(
        node.get("x-kubernetes-preserve-unknown-fields")
        or node.get("x-kubernetes-embedded-resource")
        or node.get("additionalProperties") is True
    )


# ---- write time ------------------------------------------------------------------------------


def check_rules(obj: Any, schema: Mapping[str, Any], *, old: Any = None) -> list[FieldError]:
    """Evaluate every rule in ``schema`` against ``obj`` (and ``old`` on update), depth first.

    Rules run only where the value exists and is not null. Transition rules (those naming
    ``oldSelf``) run only when a correlated old value exists, unless ``optionalOldSelf`` is set.
    Like the real server's validation ratcheting, a rule that does not use ``oldSelf`` is skipped
    where the value equals its correlated old value.
    """
    out: list[FieldError] = []
    _walk(obj, schema, _ABSENT if old is None else old, "", out)
    return out


def _walk(value: Any, node: Mapping[str, Any], old: Any, path: str, out: list[FieldError]) -> None:
    if value is None:
        return
    rules = node.get("x-kubernetes-validations")
    if rules:
        _run_rules(value, node, old, path=path, rules=rules, out=out)
    if isinstance(value, dict):
        _walk_object(value, node, old, path, out)
    elif isinstance(value, list):
        _walk_array(value, node, old, path, out)


def _walk_object(
    value: dict[str, Any], node: Mapping[str, Any], old: Any, path: str, out: list[FieldError]
) -> None:
    props = node.get("properties") or {}
    additional = node.get("additionalProperties")
    old_map = old if isinstance(old, dict) else {}
    for key, sub in value.items():
        if not path and key == "metadata":
            continue
        if key in props:
            _walk(sub, props[key], old_map.get(key, _ABSENT), _child(path, key), out)
        elif isinstance(additional, Mapping):
            _walk(sub, additional, old_map.get(key, _ABSENT), f"{path}[{key}]", out)


def _walk_array(
    value: list[Any], node: Mapping[str, Any], old: Any, path: str, out: list[FieldError]
) -> None:
    items = node.get("items")
    if not isinstance(items, Mapping):
        return
    olds = _correlate_list(value, node, old)
    for i, item in enumerate(value):
        _walk(item, items, olds[i], f"{path}[{i}]", out)


def _correlate_list(value: list[Any], node: Mapping[str, Any], old: Any) -> list[Any]:
    """Old items for each new item: only map-type lists correlate, by their map keys."""
    keys = node.get("x-kubernetes-list-map-keys") or []
    if node.get("x-kubernetes-list-type") != "map" or not keys or not isinstance(old, list):
        return [_ABSENT] * len(value)
    by_key = {_map_key(item, keys): item for item in old if isinstance(item, dict)}
    return [
        by_key.get(_map_key(item, keys), _ABSENT) if isinstance(item, dict) else _ABSENT
        for item in value
    ]


def _map_key(item: dict[str, Any], keys: list[str]) -> tuple[str, ...]:
    return tuple(repr(item.get(k)) for k in keys)


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _run_rules(
    value: Any,
    node: Mapping[str, Any],
    old: Any,
    *,
    path: str,
    rules: list[Mapping[str, Any]],
    out: list[FieldError],
) -> None:
    self_value: Any = _ABSENT  # converted at the first rule the memo does not answer
    old_value = None if old is _ABSENT or old is None else to_cel(old, node)
    unchanged = old is not _ABSENT and old == value
    for rule in rules:
        text = str(rule.get("rule") or "")
        compiled = _compile(text)
        if compiled.uses_old_self and old_value is None and not rule.get("optionalOldSelf"):
            continue
        if unchanged and not compiled.uses_old_self:
            continue
        memo_key = None if compiled.uses_old_self else _PASSED.key(text, node, value)
        if memo_key is not None and _PASSED.passed(memo_key, node):
            continue
        if self_value is _ABSENT:
            self_value = to_cel(value, node)
        activation: dict[str, Any] = {"self": self_value}
        if compiled.uses_old_self:
            activation["oldSelf"] = (
                CelOptional(old_value) if rule.get("optionalOldSelf") else old_value
            )
        violation = _check_rule(rule, compiled, path=path, activation=activation)
        if violation is not None:
            out.append(violation)
        elif memo_key is not None:
            _PASSED.remember(memo_key, node)


def _check_rule(
    rule: Mapping[str, Any],
    compiled: _Compiled,
    *,
    path: str,
    activation: dict[str, Any],
) -> FieldError | None:
    # kube-apiserver 1.36 no longer shows the node's type ("object") as the bad value: OMIT
    field = path or _ROOT_FIELD
    text = str(rule.get("rule") or "").strip()
    if compiled.error is not None or compiled.program is None:
        return field_error(INVALID, field, OMIT, f"rule compile error: {compiled.error}")
    result, error = _evaluate(compiled, activation)
    if error is not None:
        return field_error(INVALID, field, OMIT, _eval_error_detail(error, text))
    if result:
        return None
    field = _rule_field(path, rule.get("fieldPath"))
    return _failure(rule, field=field, detail=_message(rule, activation))


def _evaluate(compiled: _Compiled, activation: dict[str, Any]) -> tuple[bool, str | None]:
    assert compiled.program is not None
    try:
        result: Any = compiled.program.evaluate(activation)
    except CELEvalError as e:
        return False, _eval_error_text(e)
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as e:
        return False, str(e)
    if isinstance(result, CELEvalError):
        return False, _eval_error_text(result)
    if not isinstance(result, celtypes.BoolType):
        return False, f"rule returned {type(result).__name__}, not bool"
    return bool(result), None


def _eval_error_text(e: CELEvalError) -> str:
    """cel-go's wording for the runtime error at the root of cel-python's (often nested) one."""
    text = repr(e.args)
    missing = _MISSING_KEY.search(text)
    if missing:
        return f"no such key: {missing.group(1)}"
    if "IndexError" in text:
        return "index out of bounds"
    if "ZeroDivisionError" in text:
        return "division by zero"
    if "no matching overload" in text or "no such overload" in text:
        return "no such overload"
    return str(e.args[0]) if e.args else "evaluation error"


def _eval_error_detail(error: str, rule_text: str) -> str:
    if error.startswith("no such overload"):
        return (
            f"'{error}': call arguments did not match a supported operator, function or macro "
            f"signature for rule: {rule_text}"
        )
    return f"{error} evaluating rule: {rule_text}"


def _message(rule: Mapping[str, Any], activation: dict[str, Any]) -> str:
    expression = rule.get("messageExpression")
    if expression:
        compiled = _compile(str(expression))
        if compiled.program is not None:
            try:
                result = compiled.program.evaluate(activation)
            except (CELEvalError, TypeError, ValueError, KeyError, IndexError):
                result = None
            if isinstance(result, str) and result.strip() and "\n" not in result:
                return str(result).strip()
    message = rule.get("message")
    if message and str(message).strip():
        return str(message).strip()
    return f"failed rule: {str(rule.get('rule') or '').strip()}"


def _failure(rule: Mapping[str, Any], *, field: str, detail: str) -> FieldError:
    reason = rule.get("reason")
    if reason == FORBIDDEN:
        return field_error(FORBIDDEN, field, "", detail)
    if reason == REQUIRED:
        return field_error(REQUIRED, field, "", detail)
    if reason == DUPLICATE:
        return field_error(DUPLICATE, field, OMIT, "")
    return field_error(INVALID, field, OMIT, detail)


def _rule_field(path: str, field_path: Any) -> str:
    """The node's path extended by a rule's ``fieldPath`` (".a.b", ".m['k']") as kube renders it."""
    if not field_path:
        return path or _ROOT_FIELD
    out = path
    for name, key in _FIELD_PATH_STEP.findall(str(field_path)):
        out = _child(out, name) if name else f"{out}[{key}]"
    return out or _ROOT_FIELD
