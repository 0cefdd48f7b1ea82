"""The controller's idle floor: what ``eso run`` imports before any ExternalSecret needs it.

The template function library pulls in ``cryptography`` (~14 MB RSS, most of the library's
~24 MB); a controller whose ExternalSecrets use no template never needs it, so it is built at
the first template, not at start; likewise the SSHKey generator loads it at the first key.
botocore and aiobotocore (~9 MB RSS with the generators' clients) load with the first AWS
store or AWS generator: the provider registry builds the AWS provider at the first store that
names it, the generator registry its ECR and STS generators at their first generation.
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


AWS_CODE = (
    "import sys, asyncio, eso.app, eso.cli, eso.controllers.manager\n"
    "from eso.generators.registry import GeneratorRegistry\n"
    "from eso.generators.base import GeneratorRequest\n"
    "from eso.api.generators import UUIDSpec\n"
    "from eso.metrics import Metrics\n"
    "from eso.settings import AWSSettings\n"
    "aws = ('botocore', 'aiobotocore', 'eso.providers.aws')\n"
    "from eso.providers.registry import default_registry\n"
    "providers = default_registry(settings=AWSSettings(), metrics=Metrics().provider)\n"
    "registry = GeneratorRegistry(settings=AWSSettings(), metrics=Metrics().provider)\n"
    "print(sorted(m for m in aws if m in sys.modules))\n"
    "print(registry.knows('ECRAuthorizationToken'), registry.knows('STSSessionToken'))\n"
    "async def none(namespace, name): return None\n"
    "request = GeneratorRequest(kind='UUID', name='u', namespace='n', spec=UUIDSpec(),"
    " get_secret=none)\n"
    "print(sorted(asyncio.run(registry.generate(request))))\n"
    "print(sorted(m for m in aws if m in sys.modules))\n"
    "print(providers.get('aws').name)\n"
    "print(sorted(m for m in aws if m in sys.modules))\n"
)


def test_the_aws_libraries_load_at_the_first_aws_store_not_at_start() -> None:
    out = subprocess.run(
        [sys.executable, "-c", AWS_CODE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == [
        "[]",
        "True True",
        "['uuid']",
        "[]",
        "aws",
        "['aiobotocore', 'botocore', 'eso.providers.aws']",
    ]
