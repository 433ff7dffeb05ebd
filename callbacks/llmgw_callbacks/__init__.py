"""Custom LiteLLM callbacks of the Claude-on-Bedrock gateway (loaded by the stock image via PYTHONPATH).

``llmgw_callbacks.cost_metrics.proxy_handler_instance`` is the FinOps cost-metrics callback registered in
``infra/litellm/config.yaml`` (``litellm_settings.callbacks``); see docs/cost-tracking.md.
"""
