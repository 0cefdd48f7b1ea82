"""Resource limits for one template execution.

A template comes from a user's ExternalSecret; one hostile or buggy template must not hang or
exhaust the controller. Go's only guard is a template call depth of 100000, far too deep for
Python's stack, so every cost is capped here and exceeding a cap fails that execution with a
``TemplateExecError`` naming the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from eso.template.functions.registry import MAX_OUTPUT

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_PARSE_DEPTH",
    "MSG_DEPTH",
    "MSG_NESTING",
    "MSG_OUTPUT",
    "MSG_PARSE_DEPTH",
    "MSG_RESULT",
    "MSG_STACK",
    "MSG_STEPS",
    "Limits",
]

MAX_PARSE_DEPTH = 50
"""Nesting of parentheses and control blocks (together) the parser accepts. Go allows 10000
parentheses; both our parser and executor recurse once per level on Python's stack (about
1000 frames, shared with the caller), and real templates nest fewer than ten levels."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps for one ``Template.execute`` call."""

    max_output: int = MAX_OUTPUT
    """Characters of output; 1 MiB is the Kubernetes Secret size limit."""
    max_steps: int = 1_000_000
    """Node evaluations and loop iterations; far above any real template (a few hundred)."""
    max_depth: int = 100
    """Nested ``template``/``block`` calls (Go: 100000). Each level costs several Python
    frames, and Python's stack holds about 1000; deeper recursion fails with a
    ``TemplateExecError`` either way (this limit, or the engine's stack guard)."""


DEFAULT_LIMITS = Limits()


# What a TemplateExecError says when a limit is hit; part of our API (users see them in
# conditions). MSG_DEPTH and the parse-depth messages keep Go's wording.
MSG_OUTPUT = "output exceeds the limit of {limit} characters"
MSG_RESULT = "result exceeds the limit of {limit} characters"
MSG_STEPS = "exceeded the limit of {limit} evaluation steps"
MSG_DEPTH = "exceeded maximum template depth ({limit})"
MSG_PARSE_DEPTH = "max nesting depth exceeded (limit {limit})"
MSG_STACK = "exceeded the interpreter's recursion limit"
MSG_NESTING = "exceeded the engine's nesting limit (templates nested too deeply)"
