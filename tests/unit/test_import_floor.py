"""The controller's idle floor: what ``eso run`` imports before any ExternalSecret needs it.

The template function library pulls in ``cryptography`` (~14 MB RSS, most of the library's
~24 MB); a controller whose ExternalSecrets use no template never needs it, so it is built at
the first template, not at start; likewise the SSHKey generator loads it at the first key.
"""

from __future__ import annotations

import subprocess
import sys

CODE = (
    "import sys, eso.app, eso.controllers.manager\n"
    "print(sorted(m for m in ('cryptography', 'bcrypt', 'eso.template.functions.crypto',"
    " 'eso.generators.openssh')"
    " if m in sys.modules))\n"
    "from eso.template.functions.library import shared_function_map\n"
    "shared_function_map()\n"
    "print('cryptography' in sys.modules)\n"
)


def test_the_template_functions_load_at_the_first_template_not_at_start() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == ["[]", "True"]
