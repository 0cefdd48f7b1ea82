"""Exceptions of the template engine, shaped like Go's so users recognise them.

Parse errors read ``template: NAME:LINE: MSG`` and execution errors
``template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`` exactly as Go's ``text/template``
prints them: ESO users paste these into issues and compare them with upstream ESO. Messages
never carry a value from the data: only template text, type names and keys.
"""

from __future__ import annotations

__all__ = ["TemplateError", "TemplateExecError", "TemplateParseError"]


class TemplateError(Exception):
    """Any failure to parse or execute a template."""


class TemplateParseError(TemplateError):
    """The template text is not a valid template."""


class TemplateExecError(TemplateError):
    """Executing a parsed template failed (bad data, failing function, or a limit hit)."""
