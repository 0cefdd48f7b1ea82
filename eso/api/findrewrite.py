"""``dataFrom[].find`` and ``dataFrom[].rewrite``: selecting many provider secrets at once and
renaming their keys.

Modelled in full from ESO's types so ESO manifests apply; eso does not implement either yet
(``eso.api.features`` flags their use).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from eso.api.enums import (
    ConversionStrategy,
    DecodingStrategy,
    NullBytePolicy,
    RewriteConflictPolicy,
    RewriteMergeStrategy,
    RewritePriorityPolicy,
)
from eso.api.meta import Crd, EsoModel

_MODEL_ONLY = Crd(server_default=False)


class FindName(EsoModel):
    """Find secrets by name."""

    regexp: str = ""
    """A regular expression the secret name must match."""


class ExternalSecretFind(EsoModel):
    """Find many provider secrets by path, name or tags."""

    path: str | None = None
    """A root path to start the find operations."""
    name: FindName | None = None
    """Find secrets based on the name."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Find secrets based on tags."""
    conversion_strategy: Annotated[ConversionStrategy, _MODEL_ONLY] = "Default"
    """How to convert the values. Defaults to Default."""
    decoding_strategy: Annotated[DecodingStrategy, _MODEL_ONLY] = "None"
    """How to decode the values. Defaults to None."""
    null_byte_policy: Annotated[NullBytePolicy, _MODEL_ONLY] = "Ignore"
    """Whether values containing NUL bytes are accepted (Ignore) or fail the sync (Fail)."""


class ExternalSecretRewriteMerge(EsoModel):
    """Merge the key/values of several secrets into one."""

    into: Annotated[str, Crd(default="")] = ""
    """Target key of the merge; required if strategy is JSON."""
    priority: list[str] = Field(default_factory=list)
    """Key priority in conflict resolution."""
    priority_policy: RewritePriorityPolicy = "Strict"
    """What to do when a key in the priority list does not exist in the input."""
    conflict_policy: RewriteConflictPolicy = "Error"
    """What to do on conflicting keys."""
    strategy: RewriteMergeStrategy = "Extract"
    """How to merge: Extract or JSON."""


class ExternalSecretRewriteRegexp(EsoModel):
    """Rewrite keys with a regular expression replace-all."""

    source: str
    """The regular expression."""
    target: str
    """The replacement pattern."""


class ExternalSecretRewriteTransform(EsoModel):
    """Rewrite keys with a template (`.value` is the key)."""

    template: str
    """The template applied to each key."""


class ExternalSecretRewrite(EsoModel):
    """One key rewrite operation. Set exactly one property."""

    crd: ClassVar[Crd] = Crd(min_properties=1, max_properties=1)
    merge: ExternalSecretRewriteMerge | None = None
    """Merge key/values into one key."""
    regexp: ExternalSecretRewriteRegexp | None = None
    """Rewrite keys with a regular expression."""
    transform: ExternalSecretRewriteTransform | None = None
    """Rewrite keys with a template."""
