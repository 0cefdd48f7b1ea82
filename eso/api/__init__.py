"""The external-secrets.io API: pydantic models of our CRDs, their constants and CRD generation.

The bottom layer: it imports nothing else from eso, so every other layer can use its types.
"""
