"""Functions in the product stay short: median at most 12 lines, none over 60 (STYLE.md).

A long function is where a reconcile stops reading as a sequence of named steps; the numbers
are the redesign's promise, checked on every run so they cannot drift. Lines are counted from
``def`` to the last line of the body, docstring included.
"""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "eso"
MEDIAN_LIMIT = 12
MAX_LINES = 60


def function_sizes(root: Path = ROOT) -> dict[str, int]:
    sizes = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                end = node.end_lineno or node.lineno
                sizes[f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"] = (
                    end - node.lineno + 1
                )
    return sizes


def test_the_median_function_is_short() -> None:
    assert statistics.median(function_sizes().values()) <= MEDIAN_LIMIT


def test_no_function_is_longer_than_the_limit() -> None:
    assert {k: v for k, v in function_sizes().items() if v > MAX_LINES} == {}


def test_a_long_function_is_reported(tmp_path: Path) -> None:
    (tmp_path / "eso").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "eso" / "long.py").write_text(f"def f():\n{body}\n")
    assert function_sizes(tmp_path / "eso") == {"eso/long.py:1 f": MAX_LINES + 1}
