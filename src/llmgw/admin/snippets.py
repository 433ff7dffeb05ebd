"""What a developer pastes to use a new key: the Claude Code environment block and an OpenAI SDK snippet.

Claude Code needs only the base URL and the key: its own default models (claude-opus-5-5, and claude-haiku-5-5 for
background work) are model groups of the gateway (infra/litellm/models.yaml). It sends ANTHROPIC_AUTH_TOKEN as
`Authorization: Bearer <key>`; ANTHROPIC_API_KEY (sent as `x-api-key`) works as well, but it must then be the only
one of the two that is set. A key limited to some models (`--models`) gets the model variables too, so Claude Code
asks only for models the key may call: the first Opus, Sonnet and Haiku of the list for its aliases, the first
Opus (else Sonnet) as the main model, the first Haiku (else the main model) for background work
(ANTHROPIC_SMALL_FAST_MODEL is the older name of ANTHROPIC_DEFAULT_HAIKU_MODEL: both are set).
"""

from __future__ import annotations

import json
import shlex

MAIN_MODEL = "claude-sonnet-5-5"  # the OpenAI snippet's example model
TIERS = ("opus", "sonnet", "haiku")


def _first(models: list[str], tier: str) -> str | None:
    return next((model for model in models if f"-{tier}-" in f"{model}-"), None)


def claude_code_env(gateway_url: str, key: str, models: list[str] | None = None) -> dict[str, str]:
    env = {"ANTHROPIC_BASE_URL": gateway_url, "ANTHROPIC_AUTH_TOKEN": key}
    if not models:
        return env
    picks = {tier: _first(models, tier) for tier in TIERS}
    main = picks["opus"] or picks["sonnet"] or models[0]
    fast = picks["haiku"] or main
    env.update(ANTHROPIC_MODEL=main, ANTHROPIC_SMALL_FAST_MODEL=fast)
    for tier, pick in picks.items():
        env[f"ANTHROPIC_DEFAULT_{tier.upper()}_MODEL"] = pick or main
    return env


def claude_code_block(gateway_url: str, key: str, models: list[str] | None = None) -> str:
    """Shell lines for ~/.bashrc / ~/.zshrc (or the same pairs in the "env" object of ~/.claude/settings.json)."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in claude_code_env(gateway_url, key, models).items())


def claude_code_settings(gateway_url: str, key: str, models: list[str] | None = None) -> str:
    """The same variables as ~/.claude/settings.json content."""
    return json.dumps({"env": claude_code_env(gateway_url, key, models)}, indent=2)


def openai_snippet(gateway_url: str, key: str, models: list[str] | None = None) -> str:
    model = models[0] if models else MAIN_MODEL
    return (
        "from openai import OpenAI\n\n"
        f'client = OpenAI(base_url="{gateway_url}/v1", api_key="{key}")\n'
        "reply = client.chat.completions.create(\n"
        f'    model="{model}", max_tokens=256, messages=[{{"role": "user", "content": "Hello"}}]\n'
        ")\n"
        "print(reply.choices[0].message.content)"
    )
