"""The ClusterPushSecret controller: one PushSecret per selected namespace, kept in step."""
