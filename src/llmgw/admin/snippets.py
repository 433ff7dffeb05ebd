"""What a developer pastes to use a new key: the Claude Code environment block and an OpenAI SDK snippet.

Model names are the gateway's model groups (infra/litellm/config.yaml). Claude Code sends ANTHROPIC_AUTH_TOKEN as
`Authorization: Bearer <key>`; ANTHROPIC_API_KEY (sent as `x-api-key`) works as well, but it must then be the only
one of the two that is set. ANTHROPIC_SMALL_FAST_MODEL is the older name of ANTHROPIC_DEFAULT_HAIKU_MODEL: both are
set so every Claude Code version picks Haiku for background work. Dated ids (claude-haiku-4-5-20251001, ...) that
Claude Code may send on its own resolve to the same groups through the gateway's model_group_alias.
"""

from __future__ import annotations

import json
import shlex

MAIN_MODEL = "claude-sonnet-4-5"
FAST_MODEL = "claude-haiku-4-5"
OPUS_MODEL = "claude-opus-4-5"


def claude_code_env(gateway_url: str, key: str) -> dict[str, str]:
    return {
        "ANTHROPIC_BASE_URL": gateway_url,
        "ANTHROPIC_AUTH_TOKEN": key,
        "ANTHROPIC_MODEL": MAIN_MODEL,
        "ANTHROPIC_SMALL_FAST_MODEL": FAST_MODEL,
        "ANTHROPIC_DEFAULT_SONNET_MODEL": MAIN_MODEL,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": FAST_MODEL,
        "ANTHROPIC_DEFAULT_OPUS_MODEL": OPUS_MODEL,
    }


def claude_code_block(gateway_url: str, key: str) -> str:
    """Shell lines for ~/.bashrc / ~/.zshrc (or the same pairs in the "env" object of ~/.claude/settings.json)."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in claude_code_env(gateway_url, key).items())


def claude_code_settings(gateway_url: str, key: str) -> str:
    """The same variables as ~/.claude/settings.json content."""
    return json.dumps({"env": claude_code_env(gateway_url, key)}, indent=2)


def openai_snippet(gateway_url: str, key: str) -> str:
    return (
        "from openai import OpenAI\n\n"
        f'client = OpenAI(base_url="{gateway_url}/v1", api_key="{key}")\n'
        "reply = client.chat.completions.create(\n"
        f'    model="{MAIN_MODEL}", max_tokens=256, messages=[{{"role": "user", "content": "Hello"}}]\n'
        ")\n"
        "print(reply.choices[0].message.content)"
    )
