"""How template functions are declared: a Python callable plus its Go signature.

Go's ``text/template`` checks and converts every argument against the function's declared
parameter types before the call, and its error messages name those types ("wrong type for
value; expected int; got string", "wrong number of args for repeat: want 2 got 1"). So each
function is registered with its Go parameter types and whether it returns an error; the engine
(``eso.template.exec``) does the checking and conversion, and the Python callable receives
values already converted to the types in ``eso.template.values``.

Contract for a registered callable:

- It is called with positional arguments only, one per Go parameter (variadic ones spread).
- Go type strings are spelled as Go prints them: ``string``, ``int``, ``int64``, ``float64``,
  ``bool``, ``interface {}``, ``[]interface {}``, ``[]string``, ``map[string]interface {}``,
  ``map[string]string``, ``[]uint8``, ``time.Time``, ``time.Duration``, ``uint32``...
- It returns the Go result as a value of the model in ``eso.template.values`` (e.g. sprig's
  ``add`` returns ``Int64``; ``splitList`` a ``StringSlice``; ``list`` a ``list``).
- Failure: raise ``FuncError(message)``. For a function declared ``returns_error`` this is
  Go's non-nil ``error``; for one that panics in Go it stands for the panic. Either way the
  engine reports ``error calling <name>: <message>``, like Go. The message must never contain
  a secret value (Go's would, in places; we name the type or the key instead).
- ``FuncError`` subclasses nothing the engine catches elsewhere; any other exception escaping
  a function is a bug and surfaces as ``error calling <name>: internal error (<Type>)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_ITEMS", "MAX_OUTPUT", "Func", "FuncError", "FuncMap"]

# Hostile templates must not exhaust the controller: a function whose output Go would grow
# without bound (``repeat``, ``until``, ``seq``, ``randAlphaNum``...) refuses to build more than
# this and says so (``FuncError(f"... exceeds the template limit of {MAX_OUTPUT} bytes")``).
# 1 MiB is the Kubernetes Secret size limit: a larger single value could never be written.
MAX_OUTPUT = 1 << 20
"""Characters (or bytes) one function call may produce."""
MAX_ITEMS = 1 << 20
"""Items one function call may put in a list or map."""


class FuncError(Exception):
    """A template function failed (Go: returned a non-nil error, or panicked)."""


@dataclass(frozen=True, slots=True)
class Func:
    """One template function: ``name``, the callable and its Go signature."""

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...] = ()
    """Go types of the fixed parameters, in order."""
    variadic: str | None = None
    """Go type of each variadic argument (``...T``), or None."""
    result: str = "interface {}"
    """Go type of the (first) result; documentation and ``call`` checks."""
    returns_error: bool = False
    """Whether the Go function returns ``(T, error)``."""


class FuncMap:
    """Functions by name. ``add`` refuses a duplicate name (two modules defining one)."""

    def __init__(self) -> None:
        self._funcs: dict[str, Func] = {}

    def add(self, func: Func) -> None:
        if func.name in self._funcs:
            raise ValueError(f"template function {func.name!r} registered twice")
        self._funcs[func.name] = func

    def register(
        self,
        name: str,
        *params: str,
        variadic: str | None = None,
        result: str = "interface {}",
        returns_error: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: ``@funcs.register("repeat", "int", "string", result="string")``."""

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.add(
                Func(
                    name,
                    fn,
                    params=params,
                    variadic=variadic,
                    result=result,
                    returns_error=returns_error,
                )
            )
            return fn

        return wrap

    def alias(self, name: str, existing: str) -> None:
        """Register ``name`` as another name of ``existing`` (sprig's ``date_in_zone``)."""
        f = self._funcs[existing]
        self.add(Func(name, f.fn, f.params, f.variadic, f.result, f.returns_error))

    def update(self, other: FuncMap) -> None:
        for func in other:
            self.add(func)

    def get(self, name: str) -> Func | None:
        return self._funcs.get(name)

    def names(self) -> list[str]:
        return sorted(self._funcs)

    def __contains__(self, name: object) -> bool:
        return name in self._funcs

    def __iter__(self) -> Iterator[Func]:
        return iter(self._funcs.values())

    def __len__(self) -> int:
        return len(self._funcs)
