"""AWS providers (Secrets Manager; Parameter Store later) over aiobotocore."""
