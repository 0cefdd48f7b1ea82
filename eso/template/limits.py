"""Resource limits for one template execution.

A template comes from a user's ExternalSecret; one hostile or buggy template must not hang or
exhaust the controller. Go's only guard is a template call depth of 100000, far too deep for
Python's stack, so every cost is capped here and exceeding a cap fails that execution with a
``TemplateExecError`` naming the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from eso.template.functions.registry import MAX_OUTPUT

__all__ = ["DEFAULT_LIMITS", "MAX_PARSE_DEPTH", "Limits"]

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
