"""Model listings show each model once, for every key: the hidden entries of real Bedrock ids stay out.

The catalogue renders one ``model_list`` entry per Bedrock id (``us.anthropic.claude-haiku-4-5-20251001-v1:0``...)
with ``model_info.discoverable: false``, because LiteLLM's /bedrock pass-through only serves configured names.
LiteLLM 1.106.2 hides undiscoverable deployments from users' keys but lists them to admin views
(litellm/proxy/common_utils/discoverable_model_filter.py), and the local stack's Claude Code runs on the master key:
its model picker would offer every Bedrock id. ``async_filter_listed_models`` (a CustomLogger hook LiteLLM runs on
/v1/models, /model/info and /model_group/info) narrows every listing to discoverable names.
"""

from __future__ import annotations

from collections.abc import Sequence

from litellm.integrations.custom_logger import CustomLogger


class DiscoverableOnly(CustomLogger):
    async def async_filter_listed_models(self, user_api_key_dict, model_names: Sequence[str]) -> Sequence[str]:
        from litellm.proxy.common_utils.discoverable_model_filter import is_undiscoverable_model_name
        from litellm.proxy.proxy_server import llm_router

        return [name for name in model_names if not is_undiscoverable_model_name(name, llm_router, None)]


proxy_handler_instance = DiscoverableOnly()
