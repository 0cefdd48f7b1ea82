"""The template function library: sprig (as ESO vendors it) and ESO's own functions.

Each module registers its functions on a ``FuncMap`` with their Go signatures; ``FUNCTIONS``
(``eso.template.functions.library``) is the one place listing every name ESO serves.
"""
