"""The LiteLLM task role's Bedrock policy, rendered in Python from the ONE template Terraform renders
(infra/terraform/modules/model-catalogue/bedrock-policy.yaml.tftpl), for the tests and the Bedrock emulator.

    from support.bedrock_policy import task_policy, required_calls, is_allowed
    policy = task_policy(region="us-east-1", account_id="111122223333")        # dict, plain IAM JSON
    for call in required_calls(region="us-east-1", account_id="111122223333"):  # what a real request needs
        assert is_allowed(policy, call)

The template variables are computed from the model catalogue (infra/litellm/models.yaml) exactly as the Terraform
module does, except for one input Terraform cannot read: which models LiteLLM counts through bedrock-mantle comes
here from the pinned LiteLLM's own cost map (token_count_model.litellm_provider == "bedrock_mantle"), in Terraform
from name patterns; tests/terraform/test_bedrock_policy.py proves both renderings identical, byte for byte.

`is_allowed` evaluates with moto's IAM policy engine (moto.iam.access_control.IAMPolicy). Moto checks a statement's
Condition before its Resource and answers DENIED when an Allow statement's condition is not met, so a call must
carry the request context Bedrock itself sets: `bedrock:InferenceProfileArn` on every call made through an
inference profile (on the profile and on the routed foundation model), and none on a direct call. `required_calls`
does; `is_allowed` corrects moto's reading of a missing condition key (see there).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "terraform" / "modules" / "model-catalogue" / "bedrock-policy.yaml.tftpl"
CATALOGUE = REPO / "infra" / "litellm" / "models.yaml"

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


class TemplateError(ValueError):
    """The template uses syntax this rendering does not implement, or a variable is missing."""


# --- Terraform's jsonencode() and the template subset --------------------------------------------------------

_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "<": "\\u003c", ">": "\\u003e"}
_GO_ESCAPES |= {"&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def jsonencode(value: Any) -> str:
    """Terraform's jsonencode(): compact, object keys sorted, Go's HTML-safe string escaping."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return '"' + "".join(_GO_ESCAPES.get(c, f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in value) + '"'
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{jsonencode(k)}:{jsonencode(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(jsonencode(v) for v in value) + "]"
    raise TemplateError(f"jsonencode: unsupported value {value!r}")


_TOKEN = re.compile(r"\$\{([^}]*)\}|%\{(~?)\s*([^}]*?)\s*(~?)\}")
_INTERP = re.compile(r"^jsonencode\(([a-z_]+)\)$")
_IF = re.compile(r"^if length\(([a-z_]+)\) > 0$")


def render(template: str, variables: Mapping[str, Any]) -> str:
    """templatefile() for the constructs the policy template uses: ${jsonencode(name)}, %{ if length(name) > 0 }
    and %{ endif }, with the closing strip marker (~}). Anything else is refused rather than rendered differently."""
    out: list[str] = []
    stack: list[bool] = []  # emitting?
    pos = 0
    strip_next = False
    for m in _TOKEN.finditer(template):
        text = template[pos : m.start()]
        if strip_next:
            text = _strip_after_marker(text)
        if m.group(2) == "~":
            raise TemplateError("the %{~ strip marker is not implemented (the template does not use it)")
        if all(stack):
            out.append(text)
        pos = m.end()
        strip_next = m.group(4) == "~"
        if m.group(1) is not None:
            found = _INTERP.match(m.group(1).strip())
            if not found:
                raise TemplateError(f"unsupported interpolation ${{{m.group(1)}}}")
            if all(stack):
                out.append(jsonencode(_var(variables, found.group(1))))
            strip_next = False
            continue
        directive = m.group(3)
        if directive == "endif":
            if not stack:
                raise TemplateError("endif without if")
            stack.pop()
        elif found := _IF.match(directive):
            stack.append(len(_var(variables, found.group(1))) > 0)
        else:
            raise TemplateError(f"unsupported directive %{{ {directive} }}")
    if stack:
        raise TemplateError("if without endif")
    tail = template[pos:]
    out.append(_strip_after_marker(tail) if strip_next else tail)
    return "".join(out)


def _strip_after_marker(text: str) -> str:
    """What HCL removes after a `~}`: spaces and tabs, then at most one newline (the next line's indentation
    stays; checked against the real terraform in tests/terraform/test_bedrock_policy.py)."""
    text = text.lstrip(" \t")
    for newline in ("\r\n", "\n"):
        if text.startswith(newline):
            return text[len(newline) :]
    return text


def _var(variables: Mapping[str, Any], name: str) -> Any:
    if name not in variables:
        raise TemplateError(f"template variable {name!r} not provided")
    return variables[name]


# --- The catalogue and LiteLLM's cost map ---------------------------------------------------------------------


def load_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def bedrock_models(catalogue: Mapping[str, Any]) -> list[str]:
    """Base model ids in catalogue order, without duplicates (Terraform's distinct())."""
    return list(dict.fromkeys(m["bedrock_model"] for m in catalogue["models"]))


def litellm_model_cost() -> dict[str, Any]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    return litellm.model_cost


def counts_through_mantle(model_cost: Mapping[str, Any], prefix: str, model: str) -> bool:
    """LiteLLM's own answer: its cost map entry for <prefix>.<model> (else the base model) counts tokens on
    bedrock-mantle."""
    entry = model_cost.get(f"{prefix}.{model}") or model_cost.get(model)
    if entry is None:
        raise KeyError(f"{prefix}.{model} is not in the pinned LiteLLM's cost map")
    token_count = entry.get("token_count_model") or {}
    return isinstance(token_count, Mapping) and token_count.get("litellm_provider") == "bedrock_mantle"


def template_vars(
    catalogue: Mapping[str, Any],
    *,
    region: str,
    account_id: str,
    partition: str = "aws",
    model_cost: Mapping[str, Any] | None = None,
) -> dict[str, list[str]]:
    prefix = catalogue["profile_prefix"]
    models = bedrock_models(catalogue)
    cost = litellm_model_cost() if model_cost is None else model_cost
    mantle = [m for m in models if counts_through_mantle(cost, prefix, m)]
    return {
        "inference_profile_arns": [
            f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{prefix}.{m}" for m in models
        ],
        "routed_model_arns": [f"arn:{partition}:bedrock:*::foundation-model/{m}" for m in models],
        "count_tokens_model_arns": [f"arn:{partition}:bedrock:{region}::foundation-model/{m}" for m in models],
        "mantle_project_arns": [f"arn:{partition}:bedrock-mantle:{region}:{account_id}:project/*"] if mantle else [],
    }


def policy_yaml(catalogue: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
    """The rendered template text (what Terraform's templatefile() returns for the same inputs)."""
    return render(TEMPLATE.read_text(), template_vars(load_catalogue() if catalogue is None else catalogue, **kwargs))


def task_policy(catalogue: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """The policy document as a dict: Version 2012-10-17 and a Statement list, plain IAM JSON."""
    return yaml.safe_load(policy_yaml(catalogue, **kwargs))


def task_policy_json(catalogue: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
    """Byte for byte what the role gets: Terraform's jsonencode(yamldecode(templatefile(...)))."""
    return jsonencode(task_policy(catalogue, **kwargs))


# --- What a real call needs, and moto's verdict ------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One authorisation Bedrock performs for a LiteLLM request: action, resource ARN and request context."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    why: str = ""


def required_calls(
    catalogue: Mapping[str, Any] | None = None,
    *,
    region: str,
    account_id: str,
    partition: str = "aws",
    routed_region: str = "us-west-2",
    model_cost: Mapping[str, Any] | None = None,
) -> list[Call]:
    """Every authorisation the gateway's Bedrock calls need for the catalogue's models: generation through the
    inference profile (profile ARN, then the foundation model in the region the profile routes to), CountTokens
    on the base model, and bedrock-mantle for the models LiteLLM counts there."""
    catalogue = load_catalogue() if catalogue is None else catalogue
    prefix = catalogue["profile_prefix"]
    cost = litellm_model_cost() if model_cost is None else model_cost
    calls: list[Call] = []
    for model in bedrock_models(catalogue):
        profile = f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{prefix}.{model}"
        context = {"bedrock:InferenceProfileArn": profile}
        for action in INVOKE_ACTIONS:
            calls.append(Call(action, profile, context, f"{action} through {prefix}.{model}"))
            routed = f"arn:{partition}:bedrock:{routed_region}::foundation-model/{model}"
            calls.append(Call(action, routed, context, f"{action}: {prefix}.{model} routed to {routed_region}"))
        calls.append(
            Call(
                "bedrock:CountTokens",
                f"arn:{partition}:bedrock:{region}::foundation-model/{model}",
                {},
                f"count_tokens on {model}",
            )
        )
        if counts_through_mantle(cost, prefix, model):
            calls.append(
                Call(
                    "bedrock-mantle:CreateInference",
                    f"arn:{partition}:bedrock-mantle:{region}:{account_id}:project/default",
                    {},
                    f"count_tokens on {model} through bedrock-mantle",
                )
            )
    return calls


def is_allowed(policy: Mapping[str, Any] | str, call: Call) -> bool:
    """moto's IAM policy engine: True when the policy permits the call (an explicit or implicit deny is False).

    One correction to moto 5.2: it treats a condition key missing from the request as satisfied, while AWS
    evaluates StringEquals (and every operator without IfExists) on a missing key as false, so the statement does
    not apply. Statements whose condition keys the call does not carry are therefore left out before moto
    evaluates the rest."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    document = json.loads(policy) if isinstance(policy, str) else dict(policy)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    applicable = [s for s in statements if _condition_keys_present(s, call.context)]
    result = IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(
        call.action, call.resource, incoming_condition_values=dict(call.context) or None
    )
    return result == PermissionResult.PERMITTED


def _condition_keys_present(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, keys in (statement.get("Condition") or {}).items():
        if operator.endswith("IfExists") or operator == "Null":
            continue
        if any(key not in context for key in keys):
            return False
    return True
