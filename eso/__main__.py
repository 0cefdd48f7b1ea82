"""``python -m eso`` runs the same CLI as the ``eso`` console script."""

from __future__ import annotations

from eso.cli import main

raise SystemExit(main())
