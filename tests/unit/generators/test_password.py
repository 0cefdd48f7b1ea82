"""The Password generator: ESO's proportions, defaults, keys and encodings, from the CSPRNG."""

from __future__ import annotations

import base64
import string

import pytest

from eso.api.generators import PasswordSpec
from eso.generators import password as pw
from eso.generators.base import GeneratorError

SYMBOLS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./'


def _classes(value: str, symbols: str = SYMBOLS) -> tuple[int, int, int]:
    digits = sum(c in string.digits for c in value)
    syms = sum(c in symbols for c in value)
    return len(value) - digits - syms, digits, syms


def test_esos_defaults_are_24_characters_a_quarter_digits_a_quarter_symbols() -> None:
    value = pw.generate_passwords(PasswordSpec())["password"].decode()
    assert len(value) == 24
    assert _classes(value) == (12, 6, 6)
    assert len(set(value)) == 24, "repeats are off by default"


def test_a_length_of_zero_means_the_default() -> None:
    assert len(pw.generate_passwords(PasswordSpec(length=0))["password"]) == 24


def test_counts_and_symbol_characters_are_obeyed() -> None:
    spec = PasswordSpec(length=42, digits=5, symbols=5, symbol_characters="-_$@", allow_repeat=True)
    value = pw.generate_passwords(spec)["password"].decode()
    assert len(value) == 42
    assert _classes(value, "-_$@") == (32, 5, 5)


def test_no_upper_leaves_only_lower_case_letters() -> None:
    spec = PasswordSpec(length=20, digits=0, symbols=0, no_upper=True)
    value = pw.generate_passwords(spec)["password"].decode()
    assert set(value) <= set(string.ascii_lowercase)


def test_characters_are_mixed_not_grouped_by_class() -> None:
    spec = PasswordSpec(length=30, digits=10, symbols=10)
    starts = {pw.generate_passwords(spec)["password"][:10] for _ in range(20)}
    assert not all(s.isalpha() for s in starts)


def test_each_secret_key_gets_its_own_password() -> None:
    got = pw.generate_passwords(PasswordSpec(length=36, secret_keys=["key1", "key2"]))
    assert set(got) == {"key1", "key2"}
    assert got["key1"] != got["key2"]


@pytest.mark.parametrize("keys", [["a", "a"], ["a", ""]], ids=["repeated", "empty"])
def test_secret_keys_must_be_non_empty_and_unique(keys: list[str]) -> None:
    with pytest.raises(GeneratorError, match=pw.ERR_SECRET_KEYS):
        pw.generate_passwords(PasswordSpec(secret_keys=keys))


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [
        pytest.param("hex", bytes.fromhex, id="hex"),
        pytest.param("base64", base64.standard_b64decode, id="base64"),
        pytest.param("base64url", base64.urlsafe_b64decode, id="base64url"),
        pytest.param("base32", base64.b32decode, id="base32"),
    ],
)
def test_encodings_wrap_a_password_of_the_requested_length(encoding: str, decode: object) -> None:
    got = pw.generate_passwords(PasswordSpec(length=16, encoding=encoding))["password"]  # type: ignore[arg-type]
    assert callable(decode)
    assert len(decode(got.decode() if encoding == "hex" else got)) == 16


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(PasswordSpec(length=4, digits=3, symbols=3), pw.ERR_TOTAL, id="total"),
        pytest.param(PasswordSpec(length=30, digits=11, symbols=0), "digits", id="digits"),
        pytest.param(
            PasswordSpec(length=60, digits=0, symbols=0, no_upper=True), "letters", id="letters"
        ),
        pytest.param(
            PasswordSpec(length=8, digits=0, symbols=4, symbol_characters="ab"),
            "symbols",
            id="symbols",
        ),
        pytest.param(PasswordSpec(length=8, digits=-1), pw.ERR_NEGATIVE, id="negative"),
    ],
)
def test_impossible_proportions_are_errors_not_weaker_passwords(
    spec: PasswordSpec, message: str
) -> None:
    with pytest.raises(GeneratorError, match=message):
        pw.generate_passwords(spec)


def test_repeats_allowed_lift_the_character_set_limit() -> None:
    spec = PasswordSpec(length=80, digits=20, symbols=0, no_upper=True, allow_repeat=True)
    assert len(pw.generate_passwords(spec)["password"]) == 80


def test_draws_come_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSPRNG, not ``random``: replacing ``secrets.choice`` changes the output."""
    monkeypatch.setattr(pw.secrets, "choice", lambda seq: seq[0])
    value = pw.make_password(
        5, digits=0, symbols=0, symbol_characters=SYMBOLS, no_upper=True, allow_repeat=True
    )
    assert value == "aaaaa"
