"""infra/litellm/models.yaml is the one place that names the models: config.yaml is its rendering (never stale),
prices come only from LiteLLM's cost map, and a wrong catalogue is refused with the reason, before anything is
written."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from llmgw import catalogue
from llmgw.paths import REPO

CLI = [sys.executable, str(REPO / "tools" / "render_gateway_config.py")]
DATA = yaml.safe_load(catalogue.CATALOGUE.read_text())


def test_config_yaml_is_the_rendering_of_the_catalogue() -> None:
    assert catalogue.config_is_current(), "config.yaml is stale: run `make config`"
    check = subprocess.run([*CLI, "--check"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def test_the_catalogue_serves_the_current_lineup_and_the_generations_still_in_use() -> None:
    names = catalogue.load().names()
    assert names[:3] == ["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"]
    for older in ("claude-sonnet-5", "claude-opus-5", "claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-5",
                  "claude-sonnet-4-5", "claude-haiku-4-5"):  # fmt: skip
        assert older in names
    assert DATA["profile_prefix"] == "global"


def test_no_price_is_written_by_hand() -> None:
    for path in (catalogue.CATALOGUE, catalogue.CONFIG):
        text = path.read_text()
        assert "cost_per_token" not in text and "input_cost" not in text, path


def _refused(data: dict, tmp_path: Path) -> str:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(data))
    config = tmp_path / "config.yaml"
    config.write_text(catalogue.CONFIG.read_text())
    before = config.read_text()
    r = subprocess.run([*CLI, "--catalogue", str(path), "--config", str(config)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert config.read_text() == before, "nothing is written when the catalogue is refused"
    return r.stderr


def test_a_prefix_the_model_is_not_offered_through_is_refused(tmp_path: Path) -> None:
    message = _refused({**DATA, "profile_prefix": "jp"}, tmp_path)
    assert "claude-opus-4-6 is not offered through the 'jp.' inference profiles" in message
    assert "it is offered through: global, us, eu, au" in message


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: {**d, "profile_prefix": "mars"}, "profile_prefix 'mars' is not one of"),
        (lambda d: {**d, "models": [*d["models"], {**d["models"][0]}]}, "'claude-opus-5-5' is used twice"),
        (lambda d: {**d, "models": [{**d["models"][0], "fallbacks": ["claude-nope"]}, *d["models"][1:]]},
         "claude-opus-5-5 falls back to 'claude-nope', which is not a model of the catalogue"),
        (lambda d: {**d, "models": [{**d["models"][0], "bedrock_model": "anthropic.claude-9"}, *d["models"][1:]]},
         "'anthropic.claude-9' is not a Bedrock model LiteLLM's pinned cost map knows"),
        (lambda d: {**d, "models": [{**d["models"][0], "price": 1}, *d["models"][1:]]}, "unknown keys ['price']"),
        (lambda d: {**d, "extra": 1}, "expected exactly the keys 'profile_prefix' and 'models'"),
    ],
)  # fmt: skip
def test_a_wrong_catalogue_is_refused_with_the_reason(tmp_path: Path, change, reason: str) -> None:
    assert reason in _refused(change(DATA), tmp_path)


def test_a_geo_prefix_renders_every_model_through_it() -> None:
    eu = replace(catalogue.load(), profile_prefix="eu")
    config = yaml.safe_load(catalogue.render_config(catalogue.CONFIG.read_text(), eu))
    assert {entry["litellm_params"]["model"].split("/", 1)[1].split(".", 1)[0] for entry in config["model_list"]} == {
        "eu"
    }
    assert catalogue.render_config(catalogue.CONFIG.read_text(), catalogue.load()) == catalogue.CONFIG.read_text()
