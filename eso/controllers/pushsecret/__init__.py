"""The PushSecret controller: push a Kubernetes Secret's values to stores, as ESO's does."""
