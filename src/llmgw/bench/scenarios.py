"""The workloads: each request is built once as a spec, then rendered for the gateway (OpenAI / Anthropic API)
and for the baseline (the equivalent Bedrock-native request, sent straight to the emulator), so both sides
ask the upstream for exactly the same work.

* ``short``  — short non-streamed chat: ``POST /v1/chat/completions`` (Haiku)  ↔ Converse.
* ``stream`` — long streamed chat: ``/v1/chat/completions`` with ``stream: true`` (Sonnet, 300 tokens paced by
  the emulator: 100 ms to first token, then 1,000 tokens/s) ↔ ConverseStream.
* ``mix``    — Claude-Code-like ``POST /v1/messages``: a cached system prompt and tool definitions
  (``cache_control``), a growing tool-use conversation, 80 % Sonnet (mostly streamed, tool calls and text
  answers) and 20 % small Haiku calls ↔ InvokeModel / InvokeModelWithResponseStream with the same Anthropic body.

The peer (Portkey's gateway, its Bedrock provider) gets the gateway's requests with the Bedrock inference-profile
id as ``model``: it has no model list or aliases of its own. It sends both APIs to Converse / ConverseStream
(LiteLLM sends ``/v1/messages`` to InvokeModel): the difference the report states.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from llmgw import catalogue


@functools.cache
def _model(name: str, alias: str) -> tuple[str, str, str]:
    """(model group, dated alias, the inference profile the gateway serves it through). Loaded when a scenario is
    built, not at import: the catalogue check imports LiteLLM (seconds), which `bench.py --help` and a usage error
    do not need."""
    models = catalogue.load()
    return name, alias, models.profile_id(next(m for m in models.models if m.name == name))


def haiku() -> tuple[str, str, str]:
    return _model("claude-haiku-4-5", "claude-haiku-4-5-20251001")


def sonnet() -> tuple[str, str, str]:
    return _model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929")


ANTHROPIC_VERSION_BEDROCK = "bedrock-2023-05-31"
POOL_SIZE = 64
PEER = "portkey"  # llmgw.bench.targets.PEER

# Stream kinds: how the client finds the first token (time to first token) in the response bytes.
OPENAI_SSE = "openai-sse"
ANTHROPIC_SSE = "anthropic-sse"
CONVERSE_STREAM = "converse-stream"
INVOKE_STREAM = "invoke-stream"


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    body: bytes
    stream: str | None = None
    """None for a non-streamed request, else one of the stream kinds above."""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    gateway: list[Request]
    baseline: list[Request]

    def pool(self, target: str) -> list[Request]:
        if target == PEER:
            return self.peer
        return self.baseline if target == "baseline" else self.gateway

    @functools.cached_property
    def peer(self) -> list[Request]:
        """The gateway's requests as the peer takes them: ``model`` = the Bedrock inference-profile id."""
        ids = {key: model[2] for model in (haiku(), sonnet()) for key in model[:2]}
        requests = []
        for r in self.gateway:
            body = json.loads(r.body)
            body["model"] = ids[body["model"]]
            requests.append(Request(r.path, _dump(body), r.stream, r.headers))
        return requests

    @property
    def mean_body_bytes(self) -> int:
        return sum(len(r.body) for r in self.gateway) // len(self.gateway)

    @property
    def stream_share(self) -> float:
        return sum(r.stream is not None for r in self.gateway) / len(self.gateway)


def _dump(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _bedrock_path(model_id: str, operation: str) -> str:
    return f"/model/{quote(model_id, safe='')}/{operation}"


# --------------------------------------------------------------------------------------------- chat (OpenAI)


def _chat_pair(
    model: tuple[str, str, str], system: str, user: str, max_tokens: int, stream: bool
) -> tuple[Request, Request]:
    gateway_body: dict[str, object] = {
        "model": model[0],
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "max_tokens": max_tokens,
    }
    if stream:
        gateway_body["stream"] = True
    converse = {
        "messages": [{"role": "user", "content": [{"text": user}]}],
        "system": [{"text": system}],
        "inferenceConfig": {"maxTokens": max_tokens},
    }
    gateway = Request("/v1/chat/completions", _dump(gateway_body), OPENAI_SSE if stream else None)
    operation = "converse-stream" if stream else "converse"
    baseline = Request(_bedrock_path(model[2], operation), _dump(converse), CONVERSE_STREAM if stream else None)
    return gateway, baseline


def short_chat(pool_size: int = POOL_SIZE) -> Scenario:
    pairs = [
        _chat_pair(
            haiku(),
            "You are a concise assistant for an engineering team.",
            f"Question {i}: in one sentence, what does an API gateway in front of Claude on Bedrock do?",
            max_tokens=64,
            stream=False,
        )
        for i in range(pool_size)
    ]
    return Scenario(
        "short",
        "short non-streamed chat, OpenAI /v1/chat/completions (16 output tokens)",
        *map(list, zip(*pairs, strict=True)),
    )


def long_stream(pool_size: int = POOL_SIZE, output_tokens: int = 300, ttft_ms: int = 100, tps: int = 1000) -> Scenario:
    directive = f"[emulator output_tokens={output_tokens} ttft_ms={ttft_ms} tps={tps}]"
    pairs = [
        _chat_pair(
            sonnet(),
            "You are a senior engineer writing detailed design notes.",
            f"Task {i}: explain how to size an ECS service for an LLM gateway, step by step. {directive}",
            max_tokens=1024,
            stream=True,
        )
        for i in range(pool_size)
    ]
    return Scenario(
        "stream",
        f"long streamed chat, /v1/chat/completions stream ({output_tokens} tokens, TTFT {ttft_ms} ms, {tps} tokens/s)",
        *map(list, zip(*pairs, strict=True)),
    )


# ------------------------------------------------------------------------------------ Claude Code (Anthropic)

_TOOLS = [
    ("Bash", "Executes a bash command in a persistent shell session.", {"command": "string", "timeout": "number"}),
    ("Read", "Reads a file from the local filesystem.", {"file_path": "string", "offset": "number"}),
    ("Edit", "Performs exact string replacements in files.", {"file_path": "string", "old_string": "string",
                                                               "new_string": "string"}),
    ("Write", "Writes a file to the local filesystem.", {"file_path": "string", "content": "string"}),
    ("Glob", "Fast file pattern matching tool.", {"pattern": "string", "path": "string"}),
    ("Grep", "A powerful search tool built on ripgrep.", {"pattern": "string", "path": "string"}),
    ("TodoWrite", "Create and manage a structured task list.", {"todos": "string"}),
    ("WebFetch", "Fetches content from a specified URL.", {"url": "string", "prompt": "string"}),
]  # fmt: skip


def _tools() -> list[dict[str, object]]:
    tools: list[dict[str, object]] = []
    for name, description, props in _TOOLS:
        schema = {
            "type": "object",
            "properties": {k: {"type": v, "description": f"The {k.replace('_', ' ')}."} for k, v in props.items()},
            "required": list(props)[:1],
            "additionalProperties": False,
        }
        tools.append({"name": name, "description": description * 6, "input_schema": schema})
    tools[-1]["cache_control"] = {"type": "ephemeral"}  # Claude Code caches tools + system as one prefix
    return tools


def _system() -> list[dict[str, object]]:
    rules = " ".join(
        f"Rule {n}: keep changes minimal, run the tests, explain what changed and why, never expose secrets."
        for n in range(120)
    )
    return [
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
        {"type": "text", "text": "You are an interactive CLI tool that helps users with software engineering tasks. "
         + rules, "cache_control": {"type": "ephemeral"}},
    ]  # fmt: skip


def _conversation(rng: random.Random, session: int, turns: int, final: str, new_task: bool) -> list[dict[str, object]]:
    """A tool-use conversation: user task, ``turns`` rounds of assistant tool call + tool result, then ``final``
    (with the emulator directive) either as a new user turn or next to the last tool result."""
    messages: list[dict[str, object]] = [
        {"role": "user", "content": [{"type": "text", "text": f"Session {session}: fix the failing test in module "
                                      f"{rng.randrange(1000)} and update the docs."}]},
    ]  # fmt: skip
    for turn in range(turns):
        tool_id = f"toolu_{session:04d}{turn:04d}"
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look at the code."},
                    {"type": "tool_use", "id": tool_id, "name": "Read", "input": {"file_path": f"src/m{turn}.py"}},
                ],
            }
        )
        listing = "\n".join(f"{n:5d}\tdef handler_{n}(request): return respond(request, {n})" for n in range(40))
        messages.append(
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": listing}]}
        )
    if new_task:  # a new user instruction after the last tool result: the model answers with a tool call
        messages.append({"role": "assistant", "content": [{"type": "text", "text": "The tests pass locally."}]})
        messages.append({"role": "user", "content": [{"type": "text", "text": final}]})
    else:  # the model answers the last tool result with text
        last = messages[-1]["content"]
        assert isinstance(last, list)
        last.append({"type": "text", "text": final})
    newest = messages[-1]["content"]
    assert isinstance(newest, list)
    newest[-1]["cache_control"] = {"type": "ephemeral"}  # Claude Code marks the newest turn too
    return messages


def _messages_pair(body: dict[str, object], model: tuple[str, str, str], stream: bool) -> tuple[Request, Request]:
    gateway_body = {"model": model[1], **body, **({"stream": True} if stream else {})}
    invoke_body = {"anthropic_version": ANTHROPIC_VERSION_BEDROCK, **body}
    headers = (("anthropic-version", "2023-06-01"),)
    gateway = Request("/v1/messages", _dump(gateway_body), ANTHROPIC_SSE if stream else None, headers)
    operation = "invoke-with-response-stream" if stream else "invoke"
    baseline = Request(_bedrock_path(model[2], operation), _dump(invoke_body), INVOKE_STREAM if stream else None)
    return gateway, baseline


def claude_code_mix(pool_size: int = POOL_SIZE, seed: int = 7) -> Scenario:
    """Per 10 requests: 5 Sonnet streamed tool calls, 2 Sonnet streamed text answers after a tool result,
    1 Sonnet non-streamed tool call (sub-agent), 2 Haiku non-streamed small calls (titles, summaries)."""
    rng = random.Random(seed)
    tools, system = _tools(), _system()
    pairs: list[tuple[Request, Request]] = []
    for i in range(pool_size):
        kind = i % 10
        turns = rng.randrange(1, 9)
        if kind < 5 or kind == 7:  # tool call: the emulator answers tool_use when tools are offered
            messages = _conversation(rng, i, turns, f"Now run the tests. [emulator tool={_TOOLS[kind % 6][0]}]", True)
            body = {"max_tokens": 8192, "system": system, "tools": tools, "messages": messages}
            pairs.append(_messages_pair(body, sonnet(), stream=kind != 7))
        elif kind < 7:  # text answer after the last tool result
            messages = _conversation(rng, i, turns, "Summarise. [emulator output_tokens=120]", False)
            body = {"max_tokens": 8192, "system": system, "tools": tools, "messages": messages}
            pairs.append(_messages_pair(body, sonnet(), stream=True))
        else:  # Haiku: a short side request (topic / title) without tools
            body = {
                "max_tokens": 512,
                "system": [{"type": "text", "text": "Analyze if this message indicates a new conversation topic."}],
                "messages": [
                    {"role": "user", "content": f"Session {i}: fix the failing test [emulator output_tokens=12]"}
                ],
            }
            pairs.append(_messages_pair(body, haiku(), stream=False))
    return Scenario(
        "mix",
        "Claude-Code-like /v1/messages: cached system + 8 tools, tool-use history, 70 % streamed, 20 % Haiku",
        *map(list, zip(*pairs, strict=True)),
    )


def calibration(stream: bool, output_tokens: int, pool_size: int = POOL_SIZE, seed: int = 11) -> Scenario:
    """One kind of Claude Code request, repeated (the sizing model's calibration, llmgw.bench.sizing): a Sonnet
    text answer after a tool result, with the mix's system prompt, tools and a 4-turn history, ``output_tokens``
    out, streamed or not."""
    rng = random.Random(seed)
    tools, system = _tools(), _system()
    pairs = []
    for i in range(pool_size):
        messages = _conversation(rng, i, 4, f"Summarise. [emulator output_tokens={output_tokens}]", False)
        body = {"max_tokens": 8192, "system": system, "tools": tools, "messages": messages}
        pairs.append(_messages_pair(body, sonnet(), stream=stream))
    kind = "streamed" if stream else "non-streamed"
    return Scenario(
        f"cal-{'stream' if stream else 'plain'}-{output_tokens}",
        f"calibration: {kind} Claude Code /v1/messages text answer, {output_tokens} output tokens",
        *map(list, zip(*pairs, strict=True)),
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {"short": short_chat, "stream": long_stream, "mix": claude_code_mix}
CALIBRATION_TOKENS = (12, 300)
CALIBRATION: dict[str, Callable[[], Scenario]] = {
    "cal-plain-12": lambda: calibration(False, 12),
    "cal-stream-12": lambda: calibration(True, 12),
    "cal-stream-300": lambda: calibration(True, 300),
}
"""The sizing model's calibration scenarios: base cost, the extra of a stream, the cost per output token."""
