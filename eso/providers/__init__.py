"""Secret providers: the protocols controllers use, a registry, and the AWS implementation."""
