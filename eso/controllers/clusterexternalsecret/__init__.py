"""The ClusterExternalSecret controller: one ExternalSecret per selected namespace, kept in step."""
