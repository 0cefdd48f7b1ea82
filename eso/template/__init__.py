"""Go ``text/template`` for ESO's template engine v2, in pure Python (no I/O).

ESO renders ``spec.target.template`` with Go's ``text/template`` (``missingkey=error``) and a
function map of sprig plus its own functions; users' templates must render to the same bytes
here. No maintained Python library implements Go templates, so this package does, to the
language's spec: ``values`` is the Go value model, ``functions`` the function library,
``engine`` the parser and executor behind ``Template``.

Usage::

    tpl = Template.parse("name", text, funcs=funcs)   # TemplateParseError
    out = tpl.execute(data, limits=Limits())          # TemplateExecError
"""

from eso.template.engine import Template
from eso.template.errors import TemplateError, TemplateExecError, TemplateParseError
from eso.template.limits import Limits

__all__ = ["Limits", "Template", "TemplateError", "TemplateExecError", "TemplateParseError"]
