"""Differential fuzzing: random templates rendered by Go and by our engine, differences listed.

The committed golden cases pin behaviour; this finds what they miss. It writes random cases
(expressions and printf directives over the golden data set, and token soups for the lexer and
parser), runs ``main.go`` on them with the Go toolchain ``make golden`` installs, and prints
every case where our engine's output or error differs from Go's, apart from the messages we
redact on purpose (values from the data). Interesting finds belong in ``cases.json``.

Usage: ``.venv/bin/python tests/golden/gotemplate/fuzz.py --seed 1 --count 3000``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "template"))
sys.path.insert(0, str(ROOT))

from golden_funcs import golden_funcs  # noqa: E402

from eso.template import Template, TemplateExecError, TemplateParseError  # noqa: E402

LITERALS = [
    "0", "1", "-1", "3", "42", "0x1F", "0o17", "017", "0b101", "1_000", "1.5", ".5", "1e3",
    "1e21", "-0.0", "0x1p-2", "'a'", "'é'", '"s"', '""', '"héllo"', "`raw`", "true", "false",
    "nil", "2.5e-7", "255", "18446744073709551615", "9223372036854775807",
]  # fmt: skip
FIELDS = [
    ".a", ".n", ".f", ".l", ".m", ".m.x", ".m.nil", ".nope", ".nested.inner.deep", ".e", ".z",
    ".t", ".s", ".emptyl", ".emptym", ".ml", ".u", ".big", ".neg", ".num", ".",
]  # fmt: skip
FUNCS = {
    "print": -1, "println": -1, "printf": -2, "len": 1, "index": -2, "slice": -2, "not": 1,
    "and": -2, "or": -2, "eq": -2, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2, "html": -1,
    "js": -1, "urlquery": -1, "repeatN": 2, "joinS": -2, "upper": 1, "typeOf": 1, "double": 1,
    "add64": 2, "u8": 1, "atoi": 1, "list": -1, "dict": -1, "strs": -1, "dur": 1, "f32": 1,
    "bytesOf": 1,
}  # fmt: skip
TOKENS = [
    "{{", "}}", "{{- ", " -}}", "{{/*", "*/}}", "if", "else", "end", "range", "with", "define",
    "template", "block", "break", "continue", " ", "\n", ".", ".a", "$", "$x", ":=", "=", ",",
    "|", "(", ")", '"t"', "`r`", "'c'", "1", "0x1", "nil", "print", "eq", "-", "#", "}", "{",
]  # fmt: skip
REDACTED = re.compile(
    r"value of type|non-comparable|index out of range$|invalid slice index: a bound"
)


class Gen:
    """Random template text from a few building blocks."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def directive(self) -> str:
        r = self.r
        d = "%" + "".join(r.choice("-+# 0") for _ in range(r.randint(0, 2)))
        if r.random() < 0.4:
            d += str(r.choice([0, 1, 5, 12]))
        if r.random() < 0.3:
            d += "." + str(r.choice([0, 2, 6]))
        return d + r.choice("vdsqxXobeEfgGtcUT%z")

    def operand(self, depth: int) -> str:
        r = self.r.random()
        if r < 0.35 or depth > 2:
            return self.r.choice(LITERALS)
        if r < 0.75:
            return self.r.choice(FIELDS)
        return "(" + self.pipeline(depth + 1) + ")"

    def command(self, depth: int) -> str:
        if self.r.random() < 0.3:
            return self.operand(depth)
        name = self.r.choice(list(FUNCS))
        want = FUNCS[name]
        count = want if want >= 0 else self.r.randint(-want - 1, -want + 2)
        args = [json.dumps(self.directive() + self.directive())] if name == "printf" else []
        args += [self.operand(depth) for _ in range(max(count - len(args), 0))]
        return " ".join([name, *args])

    def pipeline(self, depth: int = 0) -> str:
        cmds = [self.command(depth)]
        while self.r.random() < 0.25:
            cmds.append(self.command(depth))
        return " | ".join(cmds)

    def template(self) -> str:
        r = self.r
        if r.random() < 0.2:
            return "".join(r.choice(TOKENS) for _ in range(r.randint(1, 12)))
        shapes = [
            "{{%s}}",
            "{{- %s -}}",
            "{{if %s}}Y{{else}}N{{end}}",
            "{{with %s}}[{{.}}]{{else}}E{{end}}",
            "{{range $i, $v := %s}}{{$i}}={{$v}};{{else}}none{{end}}",
            "{{$x := %s}}{{$x}}",
        ]
        return "".join(r.choice(shapes) % self.pipeline() for _ in range(r.randint(1, 3)))


def render(case: dict[str, Any], data: Any) -> tuple[str, str]:
    try:
        tpl = Template.parse(case["name"], case["template"], funcs=golden_funcs(),
                             missingkey=case["missingkey"])  # fmt: skip
    except TemplateParseError as e:
        return "parse", str(e)
    try:
        return "ok", tpl.execute(data)
    except TemplateExecError as e:
        return "exec", str(e)


def run_go(cases_file: Path, out_file: Path) -> None:
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local"}
    go = str(ROOT / ".venv" / "bin" / "go")
    subprocess.run([go, "run", ".", str(cases_file), str(out_file)], cwd=HERE, env=env,
                   check=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--show", type=int, default=10, help="mismatches to print")
    opts = parser.parse_args()
    datasets = json.loads((HERE / "cases.json").read_text("utf-8"))["datasets"]
    gen = Gen(opts.seed)
    cases = [
        {"name": f"f{opts.seed}_{i}", "template": gen.template(), "dataset": "any",
         "missingkey": gen.r.choice(["error", "default", "zero"])}
        for i in range(opts.count)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cases_file, out_file = Path(tmp, "cases.json"), Path(tmp, "golden.json")
        cases_file.write_text(json.dumps({"datasets": datasets, "cases": cases}), "utf-8")
        run_go(cases_file, out_file)
        golden = json.loads(out_file.read_text("utf-8"))
    bad = 0
    for case in cases:
        want = golden[case["name"]]
        expected = (want["phase"], want.get("output", want.get("error", "")))
        got = render(case, datasets["any"])
        if got == expected or (got[0] == expected[0] == "exec" and REDACTED.search(got[1])):
            continue
        bad += 1
        if bad <= opts.show:
            print(f"{case['template']!r} missingkey={case['missingkey']}\n  go: {expected!r}\n"
                  f"  py: {got!r}")  # fmt: skip
    print(f"{bad} of {len(cases)} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
