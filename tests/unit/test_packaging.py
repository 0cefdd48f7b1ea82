"""What ships: the eso wheel holds the product only, and the product works without the harness.

The test harness (``localkube``: local control plane, moto helpers, pytest plugins) is its own
distribution; a wheel or image carrying it would drag test-only dependencies into clusters.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_DEPENDENCIES = ("cel-python", "moto", "pytest", "kubernetes-validate")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("eso-*.whl")
    return found


def test_the_wheel_contains_only_the_eso_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"eso", next(t for t in tops if t.endswith(".dist-info"))}
    assert not [n for n in names if "localkube" in n or n.startswith("tests/")]
    assert "eso/cli.py" in names and "eso/py.typed" in names


def test_the_wheel_requires_no_test_dependency(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        requires = [
            line.split(":", 1)[1].strip().lower()
            for line in zf.read(meta).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    assert requires, "the wheel declares its runtime dependencies"
    for dep in FORBIDDEN_DEPENDENCIES:
        assert not [r for r in requires if r.startswith(dep)], dep


HIDE_HARNESS = (
    "import sys\n"
    "class Hide:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'localkube' or name.startswith('localkube.'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
    "sys.meta_path.insert(0, Hide())\n"
    "from eso.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("command", ["demo", "local-cluster"])
def test_harness_commands_without_the_harness_say_what_to_install(command: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", HIDE_HARNESS, command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "make install" in lines[0] and "localkube" in lines[0]


def test_eso_run_help_works_without_the_harness() -> None:
    out = subprocess.run(
        [sys.executable, "-c", HIDE_HARNESS, "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "--concurrent" in out.stdout
