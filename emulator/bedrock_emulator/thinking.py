"""Extended thinking: the words a thinking block carries, how many tokens it bills, and its signature.

Claude returns a ``signature`` with every thinking block and refuses a conversation whose thinking blocks were
altered ("Invalid `signature` in `thinking` block", Anthropic extended-thinking docs: thinking blocks must be
passed back unmodified). The emulator signs with an HMAC of the thinking text under a fixed key, so it can check
the blocks a client sends back in the same way, also across emulator restarts.

Thinking tokens are output tokens: a thinking budget caps them, adaptive thinking sizes them by effort. With
``display: "omitted"`` the block carries no text but the tokens are billed all the same (Anthropic: "you are
charged for the full thinking tokens").
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .prompt import Thinking
from .words import generate_words

_KEY = b"bedrock-emulator-thinking-signature-v1"
ADAPTIVE_TOKENS = {"low": 4, "medium": 8, "high": 12, "max": 16, "xhigh": 20}
"""Thinking tokens of an adaptive-thinking answer per effort level (deterministic, small)."""


def sign(thinking_text: str, seed: int) -> str:
    digest = hmac.new(_KEY, f"{seed:016x}:{thinking_text}".encode(), hashlib.sha256).digest()
    return base64.b64encode(f"{seed:016x}".encode() + b"." + digest).decode("ascii")


def verify(thinking_text: str, signature: object) -> bool:
    """Whether ``signature`` is one this emulator issued for exactly ``thinking_text``."""
    if not isinstance(signature, str):
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        seed_hex, _, _ = raw.partition(b".")
        seed = int(seed_hex, 16)
    except ValueError:
        return False
    return hmac.compare_digest(sign(thinking_text, seed), signature)


def thinking_tokens(plan: Thinking, max_tokens: int) -> int:
    """Tokens the thinking of an answer uses: a budget caps them, adaptive thinking follows the effort."""
    wanted = ADAPTIVE_TOKENS.get(plan.effort, ADAPTIVE_TOKENS["high"])
    if plan.budget_tokens is not None:
        wanted = min(wanted, plan.budget_tokens)
    return max(min(wanted, max_tokens - 1), 1)


def thinking_words(seed: int, count: int) -> list[str]:
    return generate_words(seed ^ 0x7468696E6B, count)
