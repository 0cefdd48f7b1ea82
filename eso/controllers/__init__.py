"""Controllers: the worker loop and one reconciler per kind we own."""
