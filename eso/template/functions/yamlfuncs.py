"""ESO's ``toYaml`` and ``fromYaml`` (``yaml.go``), matching sigs.k8s.io/yaml on go-yaml v2.

``toYaml`` is ``yaml.Marshal``: the value goes through ``encoding/json`` first (so ``[]byte``
is base64, times are RFC 3339, integral floats become ints, NaN fails) and is then written
by yaml.v2: map keys in its natural order, 2-space block style with unindented sequences,
strings that would read back as something else double-quoted, multi-line strings as literal
blocks, 80-column folding. PyYAML's emitter is a port of the same libyaml emitter, so it does
the layout; quoting decisions use yaml.v2's resolver (``_goyaml``), not PyYAML's. Any failure
yields ``""`` and the trailing newline is dropped, as in ESO.

``fromYaml`` is ``yaml.Unmarshal`` into ``map[string]interface{}``: the first document, typed
by yaml.v2's rules, then through JSON (numbers become ``float64``, keys strings). Errors are
not raised: the message lands under ``"Error"``, as ESO does; it names no input text.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import struct
from typing import Any

import yaml

from eso.template.gostrconv import format_float
from eso.template.values import Float32, go_type_name, is_nil_slice

from . import _goyaml
from ._gostr import go_string
from .registry import FuncMap

__all__ = [
    "YAMLUnmarshalError",
    "from_yaml",
    "go_json_kind",
    "register",
    "to_yaml",
    "unmarshal",
]

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_PLAIN_TAG = "tag:eso.io,2026:plain"


class _JSONError(ValueError):
    """``encoding/json`` would refuse the value (NaN, unsupported type, bad map key)."""


def _unsupported(value: float) -> _JSONError:
    name = "NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf"
    return _JSONError(f"json: unsupported value: {name}")


def _json_float(value: float, *, float32: bool) -> Any:
    """A float after ``json.Marshal`` and yaml.v2's reading of that text."""
    if math.isnan(value) or math.isinf(value):
        raise _unsupported(value)
    if value == int(value) and abs(value) < 1e21:
        number = int(value)
        if -(1 << 63) <= number < 1 << 64:
            return number
        return float(number)
    if float32:
        return float(_shortest_float32(value))
    return value


def _shortest_float32(value: float) -> str:
    packed = struct.pack("f", value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.pack("f", float(text)) == packed:
            return text
    return repr(value)


def _rfc3339(value: dt.datetime) -> str:
    text = value.isoformat()
    if "." in text[19:]:
        head, _, rest = text.partition(".")
        frac = re.match(r"\d+", rest)
        assert frac is not None
        digits = frac.group().rstrip("0")
        text = head + ("." + digits if digits else "") + rest[frac.end() :]
    return text.replace("+00:00", "Z")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key.encode("utf-8", "replace").decode("utf-8")
    if isinstance(key, int) and not isinstance(key, bool):
        return str(int(key))
    raise _JSONError("json: unsupported map key type")


def _jsonable(value: Any) -> Any:
    """``value`` as yaml.v2 holds it after reading ``json.Marshal(value)``."""
    if is_nil_slice(value):
        return None
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _json_float(value, float32=isinstance(value, Float32))
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")  # Go writes U+FFFD
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime):
        return _rfc3339(value)
    if isinstance(value, dict):
        return {_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    raise _JSONError("json: unsupported type")


def _scalar(text: str, style: str | None) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR_TAG, text, style=style)


def _string_node(text: str) -> yaml.ScalarNode:
    if "\n" in text:
        return _scalar(text, "|")
    if _goyaml.resolve(text) is not _goyaml.STR or _goyaml.is_base60_float(text):
        return _scalar(text, '"')
    return _scalar(text, None)


def _node(value: Any) -> yaml.Node:
    if isinstance(value, dict):
        pairs = [(_string_node(k), _node(value[k])) for k in sorted(value, key=_goyaml.key_order)]
        return yaml.MappingNode(_MAP_TAG, pairs, flow_style=False)
    if isinstance(value, list):
        return yaml.SequenceNode(_SEQ_TAG, [_node(v) for v in value], flow_style=False)
    if value is None:
        return _scalar("null", None)
    if isinstance(value, bool):
        return _scalar("true" if value else "false", None)
    if isinstance(value, int):
        return _scalar(str(value), None)
    if isinstance(value, float):
        return _scalar(_goyaml.format_float(value), None)
    return _string_node(value)


class _Dumper(yaml.SafeDumper):
    """No implicit resolvers: every scalar is a plain-capable string; ``_node`` decides."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def check_simple_key(self) -> bool:
        """libyaml's rule, not PyYAML's: up to 128 bytes, single line, empty allowed."""
        event = self.event
        if isinstance(event, yaml.ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            return not self.analysis.multiline and len(event.value.encode()) <= 128
        if isinstance(event, yaml.SequenceStartEvent):
            return bool(self.check_empty_sequence())
        if isinstance(event, yaml.MappingStartEvent):
            return bool(self.check_empty_mapping())
        return isinstance(event, yaml.AliasEvent)


def to_yaml(value: Any) -> str:
    """``toYaml``: the YAML ESO writes for ``value``, or ``""`` if Go could not marshal it."""
    try:
        node = _node(_jsonable(value))
    except _JSONError:
        return ""
    text = yaml.serialize(node, Dumper=_Dumper, allow_unicode=True, width=80, indent=2)
    if text.endswith("\n...\n"):
        # PyYAML ends an "open" document (top-level plain scalar, trailing |+ block) with a
        # marker; yaml.v2 clears open_ended before the stream end. A value "..." is never
        # plain, so the marker cannot be content.
        text = text[: -len("...\n")]
    return text.removesuffix("\n")


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v2's typing of plain scalars."""

    yaml_implicit_resolvers: dict[Any, Any] = {}


def _construct_plain(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    assert isinstance(text, str)
    value = _goyaml.resolve(text)
    if value is _goyaml.STR or value is dt.datetime:
        return text  # "<<" among them: flatten_mapping handles merges before construction
    return value


_Loader.add_implicit_resolver(_PLAIN_TAG, re.compile(r".*", re.DOTALL), None)
_Loader.add_constructor(_PLAIN_TAG, _construct_plain)


def _checked(tag: str) -> Any:
    """SafeLoader's constructor for ``!!tag``, failing as yaml.v2's ``resolve`` does when the
    text is not a ``!!tag`` ("cannot decode !!str `x` as a !!int"; no line, no text here)."""
    construct = yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{tag}"]

    def checked(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError):
            raise yaml.constructor.ConstructorError(
                problem=f"cannot decode !!str as a !!{tag}"
            ) from None

    return checked


for _tag in ("int", "float", "bool", "null", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _checked(_tag))


class _MergeAwareLoader(_Loader):
    """Applies ``<<`` merges and keys maps by the JSON string of each key.

    yaml.v2 keeps ``1`` and ``true`` as distinct keys that become ``"1"`` and ``"true"`` in
    JSON; a Python dict would merge them (``1 == True``), so keys are converted on the way in.
    """

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        for key, _ in node.value:
            if key.tag == _PLAIN_TAG and key.value == "<<":
                key.tag = "tag:yaml.org,2002:merge"
        super().flatten_mapping(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        return {
            _yaml_key(self.construct_object(k, deep=deep)): self.construct_object(v, deep=deep)
            for k, v in node.value
        }


def _to_json_value(value: Any) -> Any:
    """A loaded value after sigs.k8s.io/yaml's JSON round trip into ``interface{}``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            raise _unsupported(value)
        return float(value)
    if isinstance(value, bytes):
        return go_string(value).encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_yaml_key(k): _to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json_value(v) for v in value]
    if isinstance(value, set):
        return {_yaml_key(k): None for k in value}
    return str(value)


def _as_float32(value: float) -> float:
    """Go's ``float32(value)``: the nearest float32, infinite past its range."""
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _yaml_key(key: Any) -> str:
    """sigs.k8s.io/yaml's ``convertToJSONableObject`` key: a string, an int, a float written at
    float32 precision, a bool. A null key, or an int past int64 (a ``uint64`` to yaml.v2), is
    an error naming the key (Go's message also quotes the entry's value; ours does not)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        if key >= 1 << 63:
            raise _JSONError(f"unsupported map key of type: uint64, key: {key:#x}")
        return str(key)
    if isinstance(key, float):
        text = format_float(_as_float32(key), verb="g", prec=-1, bits=32)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    if key is None:
        raise _JSONError("unsupported map key of type: %!s(<nil>), key: <nil>")
    if isinstance(key, bytes):
        return go_string(key)  # yaml.v2 decodes !!binary to a string
    if isinstance(key, list | dict):  # yaml.v2's decoder refuses it (and prints it)
        raise _JSONError(f"yaml: invalid map key: {go_type_name(key)}")
    return str(key)


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _syntax_only(match: re.Match[str]) -> str:
    """Keep quoted YAML syntax (``','``, ``'<stream end>'``); drop quoted input text."""
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    if (len(inner) == 1 and not inner.isalnum() and inner.isprintable()) or (
        inner.startswith("<") and inner.endswith(">")
    ):
        return f"'{inner}'"
    return ""


# PyYAML ports the scanner and parser go-yaml took from libyaml, so both fail at the same
# point; only the words differ. libyaml's words, by PyYAML's problem (and context):
_NO_DASH = "did not find expected '-' indicator"
_LIBYAML_PROBLEMS = (
    ("mapping values are not allowed here", None, "mapping values are not allowed in this context"),
    ("found character", None, "found character that cannot start any token"),
    ("expected the node content", None, "did not find expected node content"),
    ("expected ',' or ']'", None, "did not find expected ',' or ']'"),
    ("expected ',' or '}'", None, "did not find expected ',' or '}'"),
    ("expected <block end>", "while parsing a block mapping", "did not find expected key"),
    ("expected <block end>", "while parsing a block collection", _NO_DASH),
)
_UNDEFINED_ALIAS = re.compile(r"found undefined alias '([^']*)'")


def _go_line(e: yaml.MarkedYAMLError) -> int:
    """The line go-yaml's ``parser.fail`` names (0: none): the problem's 0-based line, one more
    for a scanner error, else the context's 0-based line. libyaml ends a stream on a new line,
    so a problem found there, at the end of text without a final newline, is a line further
    on (one met scanning a token that the end cuts short is not)."""
    problem, context = e.problem_mark, e.context_mark
    scanner = isinstance(e, yaml.scanner.ScannerError)
    line = problem.line if problem is not None else 0
    if (
        not str(e.problem or "").startswith("found unexpected end of stream")
        and problem is not None
        and problem.buffer is not None
        and problem.pointer >= len(problem.buffer.rstrip("\0"))
        and problem.column != 0
    ):
        line += 1
    if line != 0:
        return line + (1 if scanner else 0)
    return context.line if context is not None else 0


def _yaml_error(e: yaml.YAMLError) -> str:
    prefix = "error converting YAML to JSON: yaml: "
    raw = str(getattr(e, "problem", "") or "invalid YAML")
    alias = _UNDEFINED_ALIAS.fullmatch(raw)
    if alias is not None:  # go-yaml's decoder finds it, with no line
        return f"{prefix}unknown anchor '{alias.group(1)}' referenced"
    context = str(getattr(e, "context", "") or "")
    words = next(
        (go for py, ctx, go in _LIBYAML_PROBLEMS if raw.startswith(py) and ctx in (None, context)),
        None,
    )
    problem = words or " ".join(_QUOTED.sub(_syntax_only, raw).split())
    line = _go_line(e) if isinstance(e, yaml.MarkedYAMLError) else 0
    return f"{prefix}{f'line {line}: ' if line else ''}{problem}"


_GO_KIND = {list: "array", str: "string", float: "number", bool: "bool"}


class YAMLUnmarshalError(ValueError):
    """``yaml.Unmarshal`` failed; the message is sigs.k8s.io/yaml's and names no input text."""


def unmarshal(text: str) -> Any:
    """sigs.k8s.io/yaml's ``Unmarshal`` up to the JSON value: the first document, typed by
    yaml.v2's rules, through JSON (numbers ``float``, keys strings); None for no document.

    Raises ``YAMLUnmarshalError``. Shared by ``fromYaml`` and the controller's KeysAndValues
    templates, which ESO decodes with the same library."""
    try:
        document = next(iter(yaml.load_all(text, Loader=_MergeAwareLoader)), None)
        return _to_json_value(document)
    except yaml.YAMLError as e:
        raise YAMLUnmarshalError(_yaml_error(e)) from None
    except _JSONError as e:
        raise YAMLUnmarshalError(f"error converting YAML to JSON: {e}") from None


def go_json_kind(value: Any) -> str:
    """How ``encoding/json`` names a decoded value's kind in "cannot unmarshal X" errors."""
    if isinstance(value, dict):
        return "object"
    return _GO_KIND.get(type(value), "value")


def from_yaml(text: str) -> dict[str, Any]:
    """``fromYaml``: the first YAML document as a map; failures under the ``"Error"`` key."""
    try:
        value = unmarshal(text)
    except YAMLUnmarshalError as e:
        return {"Error": str(e)}
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {
            "Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{go_json_kind(value)} into Go value of type map[string]interface {{}}"
        }
    return value


def register(funcs: FuncMap) -> None:
    funcs.register("toYaml", "interface {}", result="string")(to_yaml)
    funcs.register("fromYaml", "string", result="map[string]interface {}")(from_yaml)
