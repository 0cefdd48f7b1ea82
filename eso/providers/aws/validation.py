"""Static checks every AWS store gets, whatever its service: ESO's ``ValidateStore`` rules.

ESO refuses a store whose region its SDK cannot resolve an endpoint for ("region not found:
<region>": the endpoint rules accept any valid host label, so a typo like ``eu_west_1`` or
``EU West 1`` fails while a new region still works), and a ``secretsManager`` block whose
``recoveryWindowInDays`` is outside 7..30 (0 is "unset") or is set together with
``forceDeleteWithoutRecovery`` (AWS would refuse the DeleteSecret call, so ESO refuses the store
first). ``retrySettings.retryInterval`` must parse (``retries.py``). The messages are ESO's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from eso.providers.aws.retries import retry_policy
from eso.providers.base import ConfigError

if TYPE_CHECKING:
    from eso.api.secretstore import AnyStore
    from eso.api.secretstore import AWSProvider as AWSProviderSpec

MSG_NO_REGION = "spec.provider.aws.region must be set"
MSG_BAD_REGION = "region not found: {region}"  # ESO's errRegionNotFound
MSG_DELETE_INPUT = "invalid DeleteSecretInput: {detail}"  # ESO's errInvalidDeleteSecretInput
MSG_RECOVERY_RANGE = "RecoveryWindowInDays must be between 7 and 30 days"
MSG_RECOVERY_CONFLICT = "ForceDeleteWithoutRecovery conflicts with RecoveryWindowInDays"
MIN_RECOVERY_DAYS, MAX_RECOVERY_DAYS = 7, 30

# A region must be a host label (the SDK's endpoint rules: isValidHostLabel).
_REGION = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def validate_common(store: AnyStore, aws: AWSProviderSpec) -> None:
    """Region, secretsManager delete options and retry settings; raises ``ConfigError``."""
    if not aws.region:
        raise ConfigError(MSG_NO_REGION)
    if not _REGION.match(aws.region):
        raise ConfigError(MSG_BAD_REGION.format(region=aws.region))
    sm = aws.secrets_manager
    if sm is not None and sm.recovery_window_in_days != 0:
        days = sm.recovery_window_in_days
        if not MIN_RECOVERY_DAYS <= days <= MAX_RECOVERY_DAYS:
            raise ConfigError(MSG_DELETE_INPUT.format(detail=MSG_RECOVERY_RANGE))
        if sm.force_delete_without_recovery:
            raise ConfigError(MSG_DELETE_INPUT.format(detail=MSG_RECOVERY_CONFLICT))
    retry_policy(store)
