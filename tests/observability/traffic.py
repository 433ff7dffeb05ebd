"""Real client traffic for the observability tests: successes, streams, prompt-cache writes and reads, a
validation error, Bedrock throttling absorbed by a fallback and throttling that is not, an upstream 5xx and a
budget rejection — the things every dashboard panel and alert is about."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import httpx
import openai

logger = logging.getLogger(__name__)

# Long enough for Bedrock prompt caching (the emulator caches prefixes of 1,024+ tokens, like Bedrock).
CACHED_CONTEXT = "Repository conventions and architecture notes for the assistant. " * 160


@dataclass
class TrafficReport:
    """What the clients saw: HTTP status counts by (caller, kind)."""

    statuses: Counter = field(default_factory=Counter)

    def record(self, caller: str, kind: str, status: int) -> None:
        self.statuses[(caller, kind, status)] += 1


def _chat(base_url: str, key: str, model: str, prompt: str, *, stream: bool = False, cache: bool = False) -> int:
    """One OpenAI-style chat completion; returns the HTTP status the client got."""
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key, timeout=60, max_retries=0)
    messages: list[dict] = [{"role": "user", "content": prompt}]
    if cache:
        system = {"type": "text", "text": CACHED_CONTEXT, "cache_control": {"type": "ephemeral"}}
        messages.insert(0, {"role": "system", "content": [system]})
    try:
        if stream:
            chunks = client.chat.completions.create(model=model, max_tokens=24, messages=messages, stream=True)
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            assert text, "empty stream"
        else:
            reply = client.chat.completions.create(model=model, max_tokens=24, messages=messages)
            assert reply.choices[0].message.content
        return 200
    except openai.APIStatusError as e:
        return e.status_code


def _messages(base_url: str, key: str, model: str, prompt: str, *, stream: bool = False) -> int:
    """One Anthropic-style /v1/messages call (what Claude Code sends)."""
    body = {"model": model, "max_tokens": 24, "stream": stream, "messages": [{"role": "user", "content": prompt}]}
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    with httpx.Client(timeout=60) as client:
        if stream:
            with client.stream("POST", f"{base_url}/v1/messages", json=body, headers=headers) as r:
                r.read()
                return r.status_code
        return client.post(f"{base_url}/v1/messages", json=body, headers=headers).status_code


def identity_traffic(base_url: str, keys: dict[str, str], report: TrafficReport) -> None:
    """Traffic of known users (alice, bob, carol) through the identity gateway.

    Alice (team platform) exercises everything on claude-opus-4-5, so every panel has data when the
    dashboards are filtered to model=claude-opus-4-5, team=platform, user=alice."""
    alice, bob, carol = keys["alice"], keys["bob"], keys["carol"]
    opus = "claude-opus-4-5"
    steps = [
        ("alice", "success", lambda: _chat(base_url, alice, opus, "Summarise the design.")),
        ("alice", "stream", lambda: _chat(base_url, alice, opus, "Stream a plan.", stream=True)),
        ("alice", "messages-stream", lambda: _messages(base_url, alice, opus, "Claude Code turn", stream=True)),
        ("alice", "cache-write", lambda: _chat(base_url, alice, opus, "First question", cache=True)),
        ("alice", "cache-read", lambda: _chat(base_url, alice, opus, "Second question", cache=True)),
        ("alice", "validation", lambda: _chat(base_url, alice, opus, "[emulator fault=validation]")),
        (
            "alice",
            "throttle-fallback",
            lambda: _chat(base_url, alice, opus, "Refactor [emulator fault=throttle only_model=opus]"),
        ),
        ("alice", "throttle-everywhere", lambda: _chat(base_url, alice, opus, "[emulator fault=throttle]")),
        ("alice", "upstream-5xx", lambda: _chat(base_url, alice, opus, "[emulator fault=internal]")),
        ("alice", "haiku", lambda: _messages(base_url, alice, "claude-haiku-4-5", "Quick one")),
        ("bob", "success", lambda: _chat(base_url, bob, "claude-sonnet-4-5", "Write tests.")),
        ("bob", "stream", lambda: _chat(base_url, bob, "claude-haiku-4-5", "Stream it.", stream=True)),
        ("carol", "over-budget", lambda: _chat(base_url, carol, "claude-haiku-4-5", "Anything")),
    ]
    for caller, kind, call in steps:
        report.record(caller, kind, call())


def master_key_traffic(base_url: str, master_key: str, report: TrafficReport) -> None:
    """Anonymous traffic with the master key through the session gateway (the repository config as is)."""
    steps = [
        ("master", "success", lambda: _chat(base_url, master_key, "claude-haiku-4-5", "Hello")),
        ("master", "stream", lambda: _chat(base_url, master_key, "claude-sonnet-4-5", "Hi", stream=True)),
        (
            "master",
            "throttle-fallback",
            lambda: _chat(base_url, master_key, "claude-opus-4-5", "x [emulator fault=throttle only_model=opus]"),
        ),
        (
            "master",
            "validation",
            lambda: _chat(base_url, master_key, "claude-sonnet-4-5", "[emulator fault=validation]"),
        ),
    ]
    for caller, kind, call in steps:
        report.record(caller, kind, call())
