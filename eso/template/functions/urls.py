"""Sprig's ``urlParse`` and ``urlJoin``: Go's ``net/url`` ``Parse`` and ``URL.String``.

Python's ``urllib.parse`` splits differently (opaque ``mailto:x`` URLs, a ``:`` in the first
path segment, ``userinfo`` escaping, ``./`` before a colon segment), so Go's parser and
printer are restated for the parts sprig exposes. Parse errors drop the URL Go quotes (it may
hold a password) and keep the reason.
"""

from __future__ import annotations

from typing import Any

from eso.template.functions._gostr import go_bytes, go_string
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import go_kind

__all__ = ["register"]

_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HOST_OK = frozenset(b"!$&'()*+,;=:[]<>\"")
_RESERVED = frozenset(b"$&+,/:;=?@")


class _URLError(ValueError):
    pass


def _should_escape(c: int, mode: str) -> bool:
    if c in _ALNUM:
        return False
    if mode == "host" and c in _HOST_OK:
        return False
    if c in b"-_.~":
        return False
    if c in _RESERVED:
        return {
            "path": c == ord("?"),
            "user": c in b"@/?:",
            "fragment": False,
        }.get(mode, True)
    return not (mode == "fragment" and c in b"!()*")


def _escape(text: str, mode: str) -> str:
    return "".join(chr(c) if not _should_escape(c, mode) else f"%{c:02X}" for c in go_bytes(text))


def _unescape(text: str) -> str:
    data = go_bytes(text)
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x25:
            hexpart = data[i + 1 : i + 3]
            if len(hexpart) < 2 or any(chr(h) not in "0123456789abcdefABCDEF" for h in hexpart):
                raise _URLError("invalid URL escape")
            out.append(int(hexpart, 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return go_string(bytes(out))


def _scheme(raw: str) -> tuple[str, str]:
    for i, c in enumerate(raw):
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-."):
            if i == 0:
                return "", raw
            continue
        if c == ":":
            if i == 0:
                raise _URLError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def _valid_port(port: str) -> bool:
    return port == "" or (port.startswith(":") and port[1:].isdigit() and port[1:].isascii())


def _host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise _URLError("missing ']' in host")
        if not _valid_port(host[end + 1 :]):
            raise _URLError("invalid port after host")
    elif ":" in host and not _valid_port(host[host.rfind(":") :]):
        raise _URLError("invalid port after host")
    return _unescape(host)


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if ":" in host else host


def _userinfo(info: str) -> str:
    """The userinfo as ``Userinfo.String()`` prints it."""
    user, sep, password = info.partition(":")
    out = _escape(_unescape(user), "user")
    return out + (":" + _escape(_unescape(password), "user") if sep else "")


def _parse(raw: str) -> dict[str, Any]:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _URLError("net/url: invalid control character in URL")
    raw, _, frag = raw.partition("#")
    u = dict.fromkeys(("scheme", "host", "path", "query", "opaque", "userinfo"), "")
    u["fragment"] = _unescape(frag)
    if raw == "*":
        u["path"] = "*"
        return u
    scheme, rest = _scheme(raw)
    u["scheme"] = scheme.lower()
    if rest.endswith("?") and rest.count("?") == 1:
        rest = rest[:-1]
    else:
        rest, _, u["query"] = rest.partition("?")
    if not rest.startswith("/"):
        if scheme:
            u["opaque"] = rest
            return u
        if ":" in rest.partition("/")[0]:
            raise _URLError("first path segment in URL cannot contain colon")
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        info, at, host = authority.rpartition("@")
        u["host"] = _host(host)
        if at:
            u["userinfo"] = _userinfo(info)
    u["path"] = _unescape(rest)
    return u


def url_parse(raw: str) -> dict[str, Any]:
    try:
        u = _parse(raw)
    except _URLError as e:
        raise FuncError(f"unable to parse url: parse: {e}") from None
    u["hostname"] = _hostname(u["host"])
    return u


def _field(d: dict[str, Any], key: str) -> str:
    if key not in d:
        return ""
    value = d[key]
    if not isinstance(value, str):
        raise FuncError(
            f"unable to parse {key} key, must be of type string, but {go_kind(value)} found"
        )
    return value


def url_join(d: dict[str, Any]) -> str:
    """``url.URL{...}.String()`` from ``urlParse``'s keys."""
    scheme, host, path = _field(d, "scheme"), _field(d, "host"), _field(d, "path")
    query, opaque, fragment = _field(d, "query"), _field(d, "opaque"), _field(d, "fragment")
    info = _field(d, "userinfo")
    user = None
    if info:
        try:
            user = _userinfo(info)
        except _URLError as e:
            raise FuncError(f"unable to parse userinfo in dict: parse: {e}") from None
    out = scheme + ":" if scheme else ""
    if opaque:
        out += opaque
    else:
        if scheme or host or user is not None:
            if host or path or user is not None:
                out += "//"
            if user is not None:
                out += user + "@"
            out += _escape(host, "host")
        epath = _escape(path, "path")
        if epath and not epath.startswith("/") and host:
            out += "/"
        if not out and ":" in epath.partition("/")[0]:
            out += "./"
        out += epath
    if query:
        out += "?" + query
    if fragment:
        out += "#" + _escape(fragment, "fragment")
    return out


def register(funcs: FuncMap) -> None:
    _map = "map[string]interface {}"
    funcs.register("urlParse", "string", result=_map)(url_parse)
    funcs.register("urlJoin", _map, result="string")(url_join)
