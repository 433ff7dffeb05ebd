"""Every model of the catalogue, priced per tier: the spend metric equals the tokens the emulator reported times
the prices LiteLLM's pinned cost map gives that exact inference profile. Two gateways run side by side: the
session one (the catalogue's own prefix, global by default: list price) and one rendered for a geo prefix (eu:
the +10 % tier), so the difference between the tiers is shown, not assumed. Tiers: input/output, 5-minute and
1-hour cache writes, cache reads, and the long-context tiers where the map has them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import anthropic
import litellm
import pytest

from bedrock_emulator.iam import DEFAULT_ACCOUNT
from callbacks.scrape import Snapshot, requests_settled, settled, wait_for
from llmgw import bedrock_policy, catalogue
from llmgw.stack.procs import GATEWAY_REGION
from support.stack import CONFIG, Gateway, run_emulator, run_gateway

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

CATALOGUE = catalogue.load()
GEO_PREFIX = "eu"


@pytest.fixture(scope="module")
def geo_gateway(run_dir: Path) -> Iterator[Gateway]:
    """A deployment with the geo prefix: its config and its task role's policy rendered for that prefix, and its
    own emulator enforcing that policy."""
    geo = replace(CATALOGUE, profile_prefix=GEO_PREFIX)
    config = run_dir / f"config-{GEO_PREFIX}.yaml"
    config.write_text(catalogue.render_config(CONFIG.read_text(), geo))
    policy = bedrock_policy.write_task_policy(
        run_dir / f"task-policy-{GEO_PREFIX}.json",
        region=GATEWAY_REGION,
        account_id=DEFAULT_ACCOUNT,
        catalogue={**bedrock_policy.load_catalogue(), "profile_prefix": GEO_PREFIX},
    )
    with (
        run_emulator(run_dir, BEDROCK_EMULATOR_IAM_POLICY=str(policy)) as emulator_url,
        run_gateway(run_dir, emulator_url, config=config) as gw,
    ):
        yield gw


def _rate(entry: Mapping[str, float], key: str, prompt_tokens: int) -> float:
    """LiteLLM's tiering: above a threshold, every token of the request is priced at that tier's rate."""
    best, rate = -1, entry[key]
    for name, value in entry.items():
        prefix = f"{key}_above_"
        if name.startswith(prefix) and name.endswith("_tokens") and not name.startswith(f"{key}_above_1hr"):
            raw = name[len(prefix) : -len("_tokens")]
            threshold = int(raw[:-1]) * 1000 if raw.endswith("k") else int(raw)
            if prompt_tokens > threshold > best:
                best, rate = threshold, value
    return rate


def _split(usage: Mapping[str, object]) -> tuple[int, int, int, int]:
    """(uncached input + read + writes = prompt, read, 5-minute writes, 1-hour writes) of a response's usage."""
    creation = usage.get("cache_creation") or {}
    one_hour = int(creation.get("ephemeral_1h_input_tokens", 0))
    five_min = int(usage["cache_creation_input_tokens"]) - one_hour
    read = int(usage["cache_read_input_tokens"])
    return int(usage["input_tokens"]) + read + five_min + one_hour, read, five_min, one_hour


def _one_hour_rate(entry: Mapping[str, float], prompt: int) -> float:
    key = "cache_creation_input_token_cost_above_1hr"
    if prompt > 200_000 and f"{key}_above_200k_tokens" in entry:
        return entry[f"{key}_above_200k_tokens"]
    if prompt > 100_000 and f"{key}_above_100k_tokens" in entry:
        return entry[f"{key}_above_100k_tokens"]
    return entry.get(key, entry["cache_creation_input_token_cost"])


def expected_cache_writes(model_id: str, usage: Mapping[str, object]) -> float:
    entry = litellm.model_cost[model_id]
    prompt, _, five_min, one_hour = _split(usage)
    return five_min * _rate(entry, "cache_creation_input_token_cost", prompt) + one_hour * _one_hour_rate(entry, prompt)


def expected_cost(model_id: str, usage: Mapping[str, object]) -> float:
    entry = litellm.model_cost[model_id]
    prompt, read, _, _ = _split(usage)
    return (
        int(usage["input_tokens"]) * _rate(entry, "input_cost_per_token", prompt)
        + int(usage["output_tokens"]) * _rate(entry, "output_cost_per_token", prompt)
        + read * _rate(entry, "cache_read_input_token_cost", prompt)
        + expected_cache_writes(model_id, usage)
    )


def _client(gateway: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, max_retries=0, timeout=120)


def _system(text: str, ttl: str | None) -> list[dict]:
    control: dict[str, str] = {"type": "ephemeral"}
    if ttl:
        control["ttl"] = ttl
    return [{"type": "text", "text": text, "cache_control": control}]


def _priced(gateway: Gateway, model: catalogue.Model, prefix: str, **request: object) -> None:
    """One request; the spend metric of the served profile grows by exactly its expected cost."""
    model_id = f"{prefix}.{model.bedrock_model}"
    before = settled(gateway)
    answer = _client(gateway).messages.create(model=model.name, max_tokens=64, **request)
    after: Snapshot = wait_for(gateway, requests_settled(before, 1))
    usage = answer.usage.model_dump()
    spent = after.total("llmgw_spend_usd_total", model=model_id) - before.total("llmgw_spend_usd_total", model=model_id)
    assert spent == pytest.approx(expected_cost(model_id, usage), rel=1e-9, abs=1e-12), (model_id, usage)
    group = {"model_group": model.name}
    writes = after.total("llmgw_cache_write_spend_usd_total", **group) - before.total(
        "llmgw_cache_write_spend_usd_total", **group
    )
    assert writes == pytest.approx(expected_cache_writes(model_id, usage), rel=1e-9, abs=1e-12), (model_id, usage)


@pytest.mark.parametrize("prefix", [CATALOGUE.profile_prefix, GEO_PREFIX])
@pytest.mark.parametrize("model", CATALOGUE.models, ids=lambda m: m.name)
def test_every_model_and_cache_tier_is_priced_from_the_cost_map(
    gateway: Gateway, geo_gateway: Gateway, model: catalogue.Model, prefix: str
) -> None:
    served = gateway if prefix == CATALOGUE.profile_prefix else geo_gateway
    tag = uuid.uuid4().hex
    long_text = f"Project handbook {tag}. " + "Conventions and review rules. " * 120
    question = [{"role": "user", "content": f"Question {tag}"}]
    _priced(served, model, prefix, messages=question)  # plain input and output
    _priced(served, model, prefix, system=_system(long_text, None), messages=question)  # 5-minute write
    _priced(served, model, prefix, system=_system(long_text, None), messages=question)  # cache read
    _priced(served, model, prefix, system=_system(long_text + " 1h", "1h"), messages=question)  # 1-hour write


def test_geo_profiles_cost_ten_percent_more_than_global() -> None:
    for model in CATALOGUE.models:
        global_entry = litellm.model_cost[f"global.{model.bedrock_model}"]
        geo_entry = litellm.model_cost[f"{GEO_PREFIX}.{model.bedrock_model}"]
        for key in ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost"):
            assert geo_entry[key] == pytest.approx(global_entry[key] * 1.1, rel=1e-9), (model.name, key)


LONG_CONTEXT = [
    (m, threshold)
    for m in CATALOGUE.models
    for threshold in (100_000, 200_000)
    if f"input_cost_per_token_above_{threshold // 1000}k_tokens" in litellm.model_cost[CATALOGUE.profile_id(m)]
]


@pytest.mark.parametrize(("model", "threshold"), LONG_CONTEXT, ids=lambda v: getattr(v, "name", str(v)))
def test_long_context_tiers(gateway: Gateway, model: catalogue.Model, threshold: int) -> None:
    words = "word " * ((threshold + 5_000) * 4 // 5)  # the emulator counts 4 bytes per token
    extra = {"extra_headers": {"anthropic-beta": "context-1m-2025-08-07"}}
    _priced(gateway, model, CATALOGUE.profile_prefix, messages=[{"role": "user", "content": words}], **extra)
