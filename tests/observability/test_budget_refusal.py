"""An exhausted budget through the real gateway: 429 (LiteLLM 1.106.2 answers 422 unless config.yaml says
budget_exceeded_status_code), type budget_exceeded, and a message that names the amount and says what to do
(the policy callback rewrites LiteLLM's "Budget has been exceeded! Current cost: ..."), on the OpenAI and the
Anthropic routes. The spent key comes from the identity gateway's custom_auth, which raises LiteLLM's own
BudgetExceededError the way its database lookup does; budgets with a database: tests/scripts/test_budgets.py and
tests/compose."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from observability.identity_auth import BROKE_KEY
from support.stack import Gateway

BODY = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
MESSAGE = "Budget exceeded: the budget ($5.00) is used up ($5.20 spent)."


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
def test_a_spent_budget_is_a_429_that_says_why(identity_gateway: Gateway, path: str) -> None:
    r = httpx.post(f"{identity_gateway.url}{path}", json=BODY, headers={"x-api-key": BROKE_KEY}, timeout=60)
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["type"] == "budget_exceeded"
    assert error["message"].startswith(MESSAGE), error["message"]


def test_the_sdks_see_a_rate_limit_error_with_the_message(identity_gateway: Gateway) -> None:
    claude = anthropic.Anthropic(base_url=identity_gateway.url, api_key=BROKE_KEY, max_retries=0, timeout=60)
    with pytest.raises(anthropic.RateLimitError, match=r"Budget exceeded: the budget \(\$5\.00\)"):
        claude.messages.create(**BODY)
    oai = openai.OpenAI(base_url=f"{identity_gateway.url}/v1", api_key=BROKE_KEY, max_retries=0, timeout=60)
    with pytest.raises(openai.RateLimitError, match=r"Budget exceeded: the budget \(\$5\.00\)"):
        oai.chat.completions.create(**BODY)
