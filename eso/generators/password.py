"""The Password generator: ESO's rules (sethvargo/go-password) with Python's CSPRNG.

A password of ``length`` characters holds exactly ``digits`` digits and ``symbols`` symbols
(each 25% of the length when omitted, rounded down), the rest letters (lower case only with
``noUpper``); each character is drawn with ``secrets`` and inserted at a random position, so
the classes are mixed. Without ``allowRepeat`` no character occurs twice, and a class too small
for its count is an error rather than a weaker password. ``secretKeys`` (default
``password``) each get their own password; ``encoding`` then applies (raw, base64, base64url,
base32, hex). ESO's defaults: length 24 (also for 0 or less), its symbol set when
``symbolCharacters`` is omitted or empty.
"""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Callable
from typing import Final

from eso.api.generators import PasswordSpec
from eso.generators.base import Generated, GeneratorError, GeneratorRequest

DEFAULT_LENGTH: Final = 24
DEFAULT_SYMBOLS: Final = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./'
DEFAULT_KEY: Final = "password"
ERR_SECRET_KEYS: Final = "secretKeys must be non-empty and unique"
ERR_NEGATIVE: Final = "digits and symbols must not be negative"
ERR_TOTAL: Final = "number of digits and symbols must be less than total length"
ERR_EXHAUSTED: Final = "number of {what} exceeds available {what} and repeats are not allowed"


def _hex(raw: bytes) -> bytes:
    return raw.hex().encode()


def _raw(raw: bytes) -> bytes:
    return raw


_ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "base64": base64.standard_b64encode,
    "base64url": base64.urlsafe_b64encode,
    "base32": base64.b32encode,
    "hex": _hex,
}


def make_password(
    length: int,
    *,
    digits: int,
    symbols: int,
    symbol_characters: str,
    no_upper: bool,
    allow_repeat: bool,
) -> str:
    """One password of these proportions; raises ``GeneratorError`` when they cannot be met."""
    letters = string.ascii_lowercase + ("" if no_upper else string.ascii_uppercase)
    if digits < 0 or symbols < 0:
        raise GeneratorError(ERR_NEGATIVE)
    classes = (
        ("letters", length - digits - symbols, letters),
        ("digits", digits, string.digits),
        ("symbols", symbols, symbol_characters),
    )
    if classes[0][1] < 0:
        raise GeneratorError(ERR_TOTAL)
    for what, count, alphabet in classes:
        if not allow_repeat and count > len(set(alphabet)):
            raise GeneratorError(ERR_EXHAUSTED.format(what=what))
    out: list[str] = []
    for what, count, alphabet in classes:
        for _ in range(count):
            out.insert(secrets.randbelow(len(out) + 1), _draw(alphabet, out, allow_repeat, what))
    return "".join(out)


def _draw(alphabet: str, used: list[str], allow_repeat: bool, what: str) -> str:
    choices = alphabet if allow_repeat else [c for c in dict.fromkeys(alphabet) if c not in used]
    if not choices:  # symbolCharacters overlapping the letters can run out late
        raise GeneratorError(ERR_EXHAUSTED.format(what=what))
    return secrets.choice(choices)


def secret_keys(spec: PasswordSpec) -> list[str]:
    """The keys to fill (ESO's default ``password``); raises on empty or repeated keys."""
    keys = spec.secret_keys or [DEFAULT_KEY]
    if any(not k for k in keys) or len(set(keys)) != len(keys):
        raise GeneratorError(ERR_SECRET_KEYS)
    return keys


def generate_passwords(spec: PasswordSpec) -> Generated:
    """A password per secret key, encoded as the spec says."""
    length = spec.length if spec.length > 0 else DEFAULT_LENGTH
    keys = secret_keys(spec)
    encode = _ENCODERS.get(spec.encoding, _raw)
    return {
        key: encode(
            make_password(
                length,
                digits=length // 4 if spec.digits is None else spec.digits,
                symbols=length // 4 if spec.symbols is None else spec.symbols,
                symbol_characters=spec.symbol_characters or DEFAULT_SYMBOLS,
                no_upper=spec.no_upper,
                allow_repeat=spec.allow_repeat,
            ).encode()
        )
        for key in keys
    }


class PasswordGenerator:
    """``Generator`` for kind Password."""

    async def generate(self, request: GeneratorRequest) -> Generated:
        """New passwords; pure CPU, microseconds, so it runs on the loop."""
        assert isinstance(request.spec, PasswordSpec)
        return generate_passwords(request.spec)
