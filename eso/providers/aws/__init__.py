"""AWS providers (Secrets Manager, Parameter Store) over aiobotocore, as one ``aws`` provider."""
