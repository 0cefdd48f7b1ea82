"""Template render cost: microseconds per rendered key, for ESO's documented template shapes.

Each case renders one ExternalSecret's ``spec.target.template`` (parse + execute, as the
controller does per reconcile) over realistic fetched values, many times; the figure is wall
time per render divided by the keys it produces, best of five rounds (CPU-bound, one core).

    .venv/bin/python bench/template_render.py [--rounds 5] [--renders 2000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping

from eso.api.template import ExternalSecretTemplate
from eso.controllers.externalsecret.templating import Engine, TemplateSources, render
from eso.template.functions.library import function_map

DOCKER = {
    "type": "kubernetes.io/dockerconfigjson",
    "data": {
        ".dockerconfigjson": '{"auths":{"{{ .registry }}":{"username":"{{ .user }}",'
        '"password":"{{ .password }}","auth":"{{ printf "%s:%s" .user .password | b64enc }}"}}}'
    },
}
CONFIG = {
    "data": {
        "config.json": '{{ dict "db" (dict "host" .host "user" .user) | toJson }}',
        "config.yaml": '{{ dict "db" (dict "host" .host "user" .user) | toYaml }}',
        "url": "postgres://{{ .user | urlquery }}:{{ .password | urlquery }}@{{ .host }}/app",
    }
}
MANY = {"data": {f"key{i}": "{{ .password | upper | trim }}-" + str(i) for i in range(20)}}
DATA = {
    "registry": b"registry.example.com",
    "user": b"app-user",
    "password": b"s3cr3t/p@ss word",
    "host": b"db.example.com:5432",
}
CASES: dict[str, Mapping[str, object]] = {
    "dockerconfigjson (1 key)": DOCKER,
    "json + yaml + url (3 keys)": CONFIG,
    "20 keys of upper|trim": MANY,
}


def per_key_us(spec: Mapping[str, object], *, renders: int, rounds: int, cached: bool) -> float:
    """Best-of-``rounds`` µs per key; ``cached``: the engine's parsed templates are reused
    (the steady state), else every render parses (a template's first render)."""
    template = ExternalSecretTemplate.model_validate(spec)
    funcs = function_map()
    shared = Engine(funcs=funcs)
    keys = len(template.data)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(renders):
            engine = shared if cached else Engine(funcs=funcs)
            render(template, data=DATA, sources=TemplateSources(), engine=engine)
        best = min(best, (time.perf_counter() - start) / renders / keys)
    return best * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--renders", type=int, default=2000)
    a = p.parse_args()
    print("| template | µs per key, parsed template reused | µs per key, first render |")
    print("| --- | --- | --- |")
    for name, spec in CASES.items():
        warm = per_key_us(spec, renders=a.renders, rounds=a.rounds, cached=True)
        cold = per_key_us(spec, renders=a.renders, rounds=a.rounds, cached=False)
        print(f"| {name} | {warm:.1f} | {cold:.1f} |")


if __name__ == "__main__":
    main()
