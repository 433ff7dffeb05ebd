"""The gateway's request policy as one LiteLLM callback: registered in infra/litellm/config.yaml as
``llmgw_callbacks.policy.proxy_handler_instance``.

* bedrock_errors.py — errors on the /bedrock pass-through in Bedrock's shape (boto3 reads code and message);
* errors.py — the error a client gets (Bedrock's own message; 401 for a key the gateway cannot know; a budget
  refusal that names the amount, the period and the reset time, budgets.py);
* fallback_policy.py — no fallback model answers a request the client got wrong;
* logfilter.py — one concise log line per bad request;
* upstream_controls.py — a client cannot set what steers the Bedrock call (headers, service tier, region,
  retries, timeouts, fallbacks): 400 naming the field;
* passthrough.py — a /bedrock pass-through call goes to the deployment's own profile, once (no fallback, no
  router retry).

No hook fails a request by accident (HookGuard): the only errors they raise are the refusals above.
"""

from __future__ import annotations

from litellm.integrations.custom_logger import CustomLogger

from . import bedrock_errors, budgets, errors, fallback_policy, logfilter, passthrough, upstream_controls
from .guard import HookGuard


def _count(kind: str) -> None:
    from .cost_metrics import default_metrics
    from .settings import Settings

    default_metrics(Settings.from_env()).count_callback_error(kind)


class PolicyCallback(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.guard = HookGuard(_count)
        logfilter.install()

    async def async_pre_call_hook(  # type: ignore[override]
        self, user_api_key_dict, cache, data, call_type
    ):
        refused: upstream_controls.Refused | None = None
        with self.guard("policy.pre_call_hook"):
            try:
                upstream_controls.apply(data, call_type)
            except upstream_controls.Refused as exc:
                refused = exc
        if refused is None and call_type == upstream_controls.PASSTHROUGH_CALL_TYPE and isinstance(data, dict):
            with self.guard("policy.passthrough"):
                from litellm.proxy.proxy_server import llm_router

                passthrough.apply(data, llm_router)
        if refused is not None:
            from fastapi import HTTPException

            raise HTTPException(status_code=400, detail={"error": str(refused)})
        return data

    async def async_filter_deployments(  # type: ignore[override]
        self, model, healthy_deployments, messages, request_kwargs=None, parent_otel_span=None
    ):
        blocked = False
        with self.guard("policy.filter_deployments"):
            blocked = fallback_policy.blocks_fallback(request_kwargs)
        if blocked:
            raise fallback_policy.skipped(model)
        return healthy_deployments

    async def async_post_call_failure_hook(  # type: ignore[override]
        self, request_data, original_exception, user_api_key_dict, traceback_str=None
    ):
        shaped_for_bedrock = None
        with self.guard("policy.bedrock_error"):
            shaped_for_bedrock = await bedrock_errors.reshape(request_data, original_exception)
        if shaped_for_bedrock is not None:
            return shaped_for_bedrock
        with self.guard("policy.budget_message"):
            if type(original_exception).__name__ == "BudgetExceededError":
                period = await budgets.budget_period(original_exception, user_api_key_dict)
                message = errors.budget_message(original_exception, period)
                if message:  # rendered by LiteLLM's auth step with its status (429) and type budget_exceeded
                    errors.replace_message(original_exception, message)
                return None
        with self.guard("policy.post_call_failure_hook"):
            shaped = errors.reshape(original_exception)
            if shaped is not None:
                from fastapi import HTTPException

                status, message, headers = shaped
                if getattr(original_exception, "llm_provider", None) in errors.BEDROCK_PROVIDERS:
                    # /v1/messages (LiteLLM 1.106.2, anthropic_endpoints) ignores the hook's answer and renders the
                    # exception's own message, with its status: give it Bedrock's message, unwrapped.
                    errors.replace_message(original_exception, message)
                return HTTPException(status_code=status, detail=message, headers=headers or None)
        return None


proxy_handler_instance = PolicyCallback()
