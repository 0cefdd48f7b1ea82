"""Go's ``pkix.Name.String()`` for a certificate subject (go-pkcs12 uses it as trust store alias).

Go does not print the RDN sequence as encoded: it collects the well-known attributes into
fields, rebuilds them in a fixed order (C, ST, L, STREET, POSTALCODE, O, OU, CN,
SERIALNUMBER, one RDN per type holding all its values), puts any other attribute first and
prints the whole in reverse, RFC 2253 style. ``cryptography``'s ``rfc4514_string`` keeps the
encoded order instead, so the alias would differ; hence this restatement.
"""

from __future__ import annotations

from cryptography import x509

__all__ = ["go_name_string"]

# Go's ToRDNSequence order, with the short names its String() prints.
_FIELDS = (
    ("2.5.4.6", "C"),
    ("2.5.4.8", "ST"),
    ("2.5.4.7", "L"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
)
_SINGLE = {"2.5.4.3", "2.5.4.5"}  # Go keeps one value: the last one parsed
_PARSED = {oid for oid, _ in _FIELDS}
_PRINTABLE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")


def _escape(value: str) -> str:
    out = []
    for i, c in enumerate(value):
        escape = c in ',+"\\<>;' or (c == " " and i in (0, len(value) - 1)) or (c == "#" and i == 0)
        out.append("\\" + c if escape else c)
    return "".join(out)


def _hex_value(value: str) -> str:
    # Go re-marshals the parsed string: PrintableString when it can, else UTF8String.
    data = value.encode()
    tag = 0x13 if set(value) <= _PRINTABLE else 0x0C
    length = bytes([len(data)]) if len(data) < 0x80 else bytes([0x81, len(data)])
    return "#" + (bytes([tag]) + length + data).hex()


def _values(name: x509.Name) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    fields: dict[str, list[str]] = {}
    extra: list[tuple[str, str]] = []
    for attr in name:
        oid, value = attr.oid.dotted_string, attr.value
        text = value if isinstance(value, str) else value.decode("latin-1")
        if oid in _PARSED:
            fields[oid] = [text] if oid in _SINGLE else [*fields.get(oid, []), text]
        else:
            extra.append((oid, text))
    return fields, extra


def go_name_string(name: x509.Name) -> str:
    """``pkix.Name.String()`` of ``name`` as Go parses it from a certificate."""
    fields, extra = _values(name)
    rdns = [f"{oid}={_hex_value(text)}" for oid, text in extra]
    for oid, short in _FIELDS:
        values = [v for v in fields.get(oid, []) if v or oid not in _SINGLE]
        if values:
            rdns.append("+".join(f"{short}={_escape(v)}" for v in values))
    return ",".join(reversed(rdns))
