"""Generators: values made on demand for ``dataFrom[].sourceRef.generatorRef``.

One module per generator kind (``password``, ``uuid``, ``sshkey``, ``ecr``, ``sts``), each a
``Generator`` (``base``) that turns a parsed spec into a map of Secret keys to bytes; the
``registry`` knows them by kind. Generators sit above providers (the AWS kinds build their
clients with the AWS provider's principal and session code) and below controllers, which
read the generator objects and hand in the credential getters.
"""
