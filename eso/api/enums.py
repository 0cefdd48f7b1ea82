"""The string enums of the external-secrets.io API, as ``Literal`` types.

``Literal`` rather than ``enum.Enum``: the values arrive as plain strings from the API server,
which has already checked them against the CRD's ``enum``, so there is nothing to convert; mypy
still checks every comparison a controller makes, and ``eso.api.schema`` turns each one into the
CRD ``enum`` list, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Literal

StoreKind = Literal["SecretStore", "ClusterSecretStore"]
CreationPolicy = Literal["Owner", "Orphan", "Merge", "None", "CreateOrMerge"]
DeletionPolicy = Literal["Delete", "Merge", "Retain"]
NullBytePolicy = Literal["Ignore", "Fail"]
MetadataPolicy = Literal["None", "Fetch"]
ConversionStrategy = Literal["Default", "Unicode"]
DecodingStrategy = Literal["Auto", "Base64", "Base64URL", "None"]
TemplateMergePolicy = Literal["Replace", "Merge"]
TemplateEngineVersion = Literal["v2"]
TemplateScope = Literal["Values", "KeysAndValues"]
RewriteConflictPolicy = Literal["Ignore", "Error"]
RewritePriorityPolicy = Literal["IgnoreNotFound", "Strict"]
RewriteMergeStrategy = Literal["Extract", "JSON"]
RefreshPolicy = Literal["CreatedOnce", "Periodic", "OnChange"]
SyncWindowKind = Literal["allow", "deny"]
GeneratorKind = Literal[
    "ACRAccessToken",
    "BeyondtrustWorkloadCredentialsDynamicSecret",
    "ClusterGenerator",
    "CloudsmithAccessToken",
    "ECRAuthorizationToken",
    "Fake",
    "GCRAccessToken",
    "GithubAccessToken",
    "GitlabDeployToken",
    "QuayAccessToken",
    "Password",
    "SSHKey",
    "STSSessionToken",
    "UUID",
    "VaultDynamicSecret",
    "Webhook",
    "Grafana",
    "MFA",
]
