"""Claude Code's Bedrock mode through the gateway's /bedrock pass-through: the CLI sends real Bedrock profile ids
(us.anthropic.claude-...), which the catalogue's hidden entries serve on the deployment's own profile."""

from __future__ import annotations

from claude_code.conftest import ClaudeCode, inference


def test_bedrock_mode_answers_through_the_pass_through(claude_code: ClaudeCode, upstream) -> None:
    claude_code.env.pop("ANTHROPIC_AUTH_TOKEN")
    run = claude_code.run(
        "-p", "Reply with one word.", "--output-format", "json", timeout=90,
        CLAUDE_CODE_USE_BEDROCK="1",
        ANTHROPIC_BEDROCK_BASE_URL=f"{claude_code.gateway.url}/bedrock",
        CLAUDE_CODE_SKIP_BEDROCK_AUTH="1",
        AWS_REGION="us-east-1",
        ANTHROPIC_CUSTOM_HEADERS=f"x-litellm-api-key: Bearer {claude_code.gateway.master_key}",
    )  # fmt: skip
    result = run.json()
    assert result["is_error"] is False, result
    calls = inference(upstream)
    # Every call on the deployment's own profile (llmgw_callbacks.passthrough): before, a refused call was retried
    # and "fallen back" on the CLI's own us. profile id (403 from the emulator's IAM), 9 calls for one answer.
    assert calls and all(c["model"].startswith("global.") for c in calls), [(c["path"], c["status"]) for c in calls]
    # Claude Code 2.1.332 first offers a beta the model does not take (Bedrock: 400 "invalid beta flag"), then
    # asks again without it: one refused call at most per answer, never retried by the gateway.
    assert [c["status"] for c in calls] in ([200], [400, 200]), [(c["path"], c["status"]) for c in calls]
