"""``spec.target.template``: fetched values + template sources → the Secret ESO would write.

Pure (no I/O): the reconciler reads the template sources (``templatesources``) and hands their
contents in, so every rule below is unit tested without a cluster. It restates ESO's
``ApplyTemplate`` (``externalsecret_controller_template.go``), ``templating/parser.go`` and
``runtime/template/v2/template.go``:

- precedence, lowest first: the fetched data (only with ``mergePolicy: Merge`` or when there
  are neither ``data`` nor ``templateFrom`` templates), ``templateFrom`` in order, then
  ``template.data``; ``creationPolicy: Merge``'s existing keys lie below all of it
  (``desired.final_data``);
- labels and annotations: the template's ``metadata`` maps, first as written, then overwritten
  by ``templateFrom`` items targeting them, then by their own rendering (so, as in ESO, a
  rendered metadata value wins); ``finalizers`` are added as written; ``type`` replaces the
  Secret's type when set;
- every template is executed with ``missingkey=error`` over ESO's ``map[string]string`` of the
  fetched values (binary values round-trip through ``surrogateescape``), with the configured
  delimiters and the engine's ``Limits`` (a hostile template fails with a message saying
  which limit it hit);
- ``Values`` templates render one value per key; ``KeysAndValues`` templates (and literals)
  render YAML that sigs.k8s.io/yaml decodes into ``map[string]string``; each value is then
  decoded per ``valuesDecodingStrategy``.

Errors carry ESO's full wording, nested exactly as ESO's wrapping nests it (``could not apply
template: could not execute template: could not execute template: unable to execute template
at key K: ...``), so condition messages read as ESO's. They name template keys and Go's error
text, which names keys and types but never a value. Iteration is in sorted key order where Go
ranges over a map, so which error is reported first is deterministic.

Each template is parsed once per render; nothing is cached across reconciles.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from eso.api.enums import DecodingStrategy
from eso.api.template import ExternalSecretTemplate, TemplateFrom, TemplateRef
from eso.controllers.externalsecret.desired import Shape
from eso.controllers.externalsecret.transform import TransformError, decode
from eso.template import Limits, Template, TemplateError
from eso.template.functions.library import shared_function_map
from eso.template.functions.registry import FuncMap
from eso.template.functions.yamlfuncs import YAMLUnmarshalError, go_json_kind, unmarshal
from eso.template.values import StringMap

# ESO's error formats (controller, templating parser, template engine v2).
ERR_APPLY_TEMPLATE: Final = "could not apply template: {error}"
ERR_FETCH_TPL_FROM: Final = "error fetching templateFrom data: {error}"
ERR_EXEC_TPL: Final = "could not execute template: {error}"
ERR_PARSE: Final = "unable to parse template at key {key}: {error}"
ERR_EXECUTE: Final = "unable to execute template at key {key}: {error}"
ERR_CM_MISSING_KEY: Final = "error in configmap {name}: missing key {key}"
ERR_SECRET_MISSING_KEY: Final = "error in secret {name}: missing key {key}"
ERR_NOT_FOUND: Final = '{resource} "{name}" not found'
ERR_UNMARSHAL: Final = "could not unmarshal template to 'map[string][]byte': {error}"
ERR_JSON: Final = (
    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value"
    " of type {type}"
)
ERR_DECODE_VALUE: Final = "failed to decode rendered template value for key {key}: {error}"
ERR_ENGINE: Final = "unsupported template engine version: {version}"
# Not ESO's: ESO writes any other target as a field path into the Secret object; eso renders
# Secrets only (spec.target.manifest is not implemented), so it refuses rather than guess.
ERR_TARGET: Final = "unsupported template target {target}: expected Data, Annotations or Labels"

TARGETS: Final = ("data", "annotations", "labels")


class RenderError(Exception):
    """A template could not be rendered; the message is ESO's, naming keys, never values."""


class _FailureError(Exception):
    """An inner failure, wrapped by the caller the way ESO's ``fmt.Errorf`` chain wraps it."""


PARSED_CACHE: Final = 2048
"""Parsed templates an ``Engine`` keeps; a few MB at most for templates of ordinary size."""


@dataclass(frozen=True)
class TemplateSources:
    """Contents of the ConfigMaps and Secrets an ExternalSecret's ``templateFrom`` names.

    Keyed by name (all in the ExternalSecret's namespace); a name that is absent was not
    found. ConfigMap values are text (``data``), Secret values bytes.
    """

    config_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    secrets: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    """``source_name`` → the resourceVersion read, recorded on the Secret (``Shape.sources``)."""


def source_name(kind: str, name: str) -> str:
    """How a source is named in ``TemplateSources.versions`` (``ConfigMap/name``)."""
    return f"{kind}/{name}"


@dataclass(frozen=True)
class Engine:
    """How templates are parsed and run: function map, delimiters, limits (per process).

    Parsed templates are kept in a bounded LRU (``PARSED_CACHE`` entries) keyed by key name and
    text: a parsed ``Template`` is immutable and holds no execution state, thousands of
    ExternalSecrets usually share a few templates, and parsing is most of a render's cost
    (``bench/template_render.py``). Parse errors are not cached (they are reported and cheap
    to reproduce).
    """

    funcs: FuncMap | None = None
    """None: the process's shared map (``shared_function_map``), built at the first parse."""
    left: str = "{{"
    right: str = "}}"
    limits: Limits = field(default_factory=Limits)
    _parsed: OrderedDict[tuple[str, str], Template] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )

    def parse(self, name: str, text: str) -> Template:
        """``Template.parse`` with this engine's functions and delimiters; raises TemplateError."""
        key = (name, text)
        tpl = self._parsed.get(key)
        if tpl is not None:
            self._parsed.move_to_end(key)
            return tpl
        funcs = self.funcs if self.funcs is not None else shared_function_map()
        tpl = Template.parse(name, text, funcs=funcs, left=self.left, right=self.right)
        self._parsed[key] = tpl
        if len(self._parsed) > PARSED_CACHE:
            self._parsed.popitem(last=False)
        return tpl


@dataclass(frozen=True)
class Rendered:
    """A template's result: the Secret's data (before creationPolicy Merge) and shape."""

    data: dict[str, bytes]
    shape: Shape


@dataclass
class _Out:
    data: dict[str, bytes] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    def put(self, target: str, key: str, value: bytes) -> None:
        if target == "data":
            self.data[key] = value
        else:
            # Go's string(val) then JSON: invalid UTF-8 becomes U+FFFD on the wire.
            text = value.decode("utf-8", "replace")
            (self.labels if target == "labels" else self.annotations)[key] = text


def template_source_names(template: ExternalSecretTemplate | None) -> tuple[set[str], set[str]]:
    """The ConfigMap and Secret names ``template`` reads (for reading and for the index)."""
    config_maps: set[str] = set()
    secrets: set[str] = set()
    for item in template.template_from if template else ():
        if item.config_map is not None:
            config_maps.add(item.config_map.name)
        if item.secret is not None:
            secrets.add(item.secret.name)
    return config_maps, secrets


def render(
    template: ExternalSecretTemplate,
    *,
    data: Mapping[str, bytes],
    sources: TemplateSources,
    engine: Engine,
) -> Rendered:
    """Render ``template`` over the fetched ``data``; raises RenderError (ESO's message)."""
    try:
        return _render(template, data=data, sources=sources, engine=engine)
    except _FailureError as e:
        raise RenderError(ERR_APPLY_TEMPLATE.format(error=e)) from None


def _render(
    template: ExternalSecretTemplate,
    *,
    data: Mapping[str, bytes],
    sources: TemplateSources,
    engine: Engine,
) -> Rendered:
    if template.engine_version != "v2":
        raise _FailureError(ERR_ENGINE.format(version=template.engine_version))
    meta = template.metadata
    labels = dict(meta.labels) if meta else {}
    annotations = dict(meta.annotations) if meta else {}
    out = _Out(labels=dict(labels), annotations=dict(annotations))
    if template.merge_policy == "Merge" or not (template.data or template.template_from):
        out.data.update(data)
    runner = _Runner(engine, StringMap(_as_text(data)))
    try:
        for item in template.template_from:
            runner.template_from(item, sources=sources, out=out)
    except _FailureError as e:
        raise _FailureError(ERR_FETCH_TPL_FROM.format(error=e)) from None
    for target, templates in (
        ("data", template.data),
        ("labels", labels),
        ("annotations", annotations),
    ):
        try:
            runner.values(templates, target=target, strategy="None", out=out)
        except _FailureError as e:
            raise _FailureError(ERR_EXEC_TPL.format(error=ERR_EXEC_TPL.format(error=e))) from None
    shape = Shape(
        templated=True,
        type=template.type or None,
        labels=out.labels,
        annotations=out.annotations,
        finalizers=tuple(meta.finalizers) if meta else (),
        data_keys=tuple(sorted(out.data)),
        sources=dict(sources.versions),
    )
    return Rendered(data=out.data, shape=shape)


def _as_text(data: Mapping[str, bytes]) -> dict[str, str]:
    return {k: v.decode("utf-8", "surrogateescape") for k, v in data.items()}


class _Runner:
    """Parses and executes templates of one render over one data map."""

    def __init__(self, engine: Engine, context: StringMap) -> None:
        self._engine = engine
        self._context = context

    def execute(self, name: str, text: str) -> bytes:
        """ESO's ``execute``, wrapped as ``valueScopeApply``/``mapScopeApply`` wrap it."""
        engine = self._engine
        try:
            tpl = engine.parse(name, text)
        except TemplateError as e:
            detail = ERR_PARSE.format(key=name, error=e)
            raise _FailureError(ERR_EXECUTE.format(key=name, error=detail)) from None
        try:
            rendered = tpl.execute(self._context, limits=engine.limits)
        except TemplateError as e:
            detail = ERR_EXECUTE.format(key=name, error=e)
            raise _FailureError(ERR_EXECUTE.format(key=name, error=detail)) from None
        return rendered.encode("utf-8", "surrogateescape")

    def values(
        self, templates: Mapping[str, str], *, target: str, strategy: DecodingStrategy, out: _Out
    ) -> None:
        """Scope ``Values``: each key's template renders that key's value."""
        target = _target(target)
        for key in sorted(templates):
            value = self.execute(key, templates[key])
            out.put(target, key, _decode(strategy, key, value))

    def keys_and_values(
        self, text: str, *, target: str, strategy: DecodingStrategy, out: _Out
    ) -> None:
        """Scope ``KeysAndValues``: the template renders a YAML map of keys to values."""
        target = _target(target)
        rendered = self.execute(text, text)
        for key, value in sorted(_string_map(rendered).items()):
            out.put(target, key, _decode(strategy, key, value.encode("utf-8", "surrogateescape")))

    def template_from(self, item: TemplateFrom, *, sources: TemplateSources, out: _Out) -> None:
        """One ``templateFrom`` entry: its ConfigMap, then its Secret, then its literal."""
        strategy: DecodingStrategy = item.values_decoding_strategy or "None"
        if item.config_map is not None:
            found = sources.config_maps.get(item.config_map.name)
            self._ref(item, item.config_map, found, kind="configmap", strategy=strategy, out=out)
        if item.secret is not None:
            got = sources.secrets.get(item.secret.name)
            text = None if got is None else _as_text(got)
            self._ref(item, item.secret, text, kind="secret", strategy=strategy, out=out)
        if item.literal is not None:
            self.keys_and_values(item.literal, target=item.target, strategy=strategy, out=out)

    def _ref(
        self,
        item: TemplateFrom,
        ref: TemplateRef,
        contents: Mapping[str, str] | None,
        *,
        kind: str,
        strategy: DecodingStrategy,
        out: _Out,
    ) -> None:
        if contents is None:
            raise _FailureError(ERR_NOT_FOUND.format(resource=f"{kind}s", name=ref.name))
        missing = ERR_CM_MISSING_KEY if kind == "configmap" else ERR_SECRET_MISSING_KEY
        for entry in ref.items:
            text = contents.get(entry.key)
            if text is None:
                raise _FailureError(missing.format(name=ref.name, key=entry.key))
            if entry.template_as == "KeysAndValues":
                self.keys_and_values(text, target=item.target, strategy=strategy, out=out)
            else:
                self.values({entry.key: text}, target=item.target, strategy=strategy, out=out)


def _target(target: str) -> str:
    lowered = target.lower()
    if lowered not in TARGETS:
        raise _FailureError(ERR_TARGET.format(target=target))
    return lowered


def _decode(strategy: DecodingStrategy, key: str, value: bytes) -> bytes:
    try:
        return decode(strategy, value)
    except TransformError as e:
        raise _FailureError(ERR_DECODE_VALUE.format(key=key, error=e)) from None


def _string_map(rendered: bytes) -> dict[str, str]:
    """sigs.k8s.io/yaml ``Unmarshal`` of a rendered template into ``map[string]string``."""
    try:
        value: Any = unmarshal(rendered.decode("utf-8", "surrogateescape"))
    except YAMLUnmarshalError as e:
        raise _FailureError(ERR_UNMARSHAL.format(error=e)) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = go_json_kind(value)
        detail = ERR_JSON.format(kind=kind, type="map[string]string")
        raise _FailureError(ERR_UNMARSHAL.format(error=detail))
    return dict(_string_items(value.items()))


def _string_items(items: Iterable[tuple[str, Any]]) -> Iterable[tuple[str, str]]:
    for key, value in items:
        if value is None:
            yield key, ""  # JSON null leaves Go's string at its zero value
        elif isinstance(value, str):
            yield key, value
        else:
            detail = ERR_JSON.format(kind=go_json_kind(value), type="string")
            raise _FailureError(ERR_UNMARSHAL.format(error=detail))
