"""llmgw_callbacks.passthrough against LiteLLM's own Router built from the shipped model list: every name a
pass-through client may put in the path resolves to the deployment's profile id."""

from __future__ import annotations

import litellm
import pytest
import yaml

from llmgw import catalogue
from llmgw.paths import CONFIG
from llmgw_callbacks import passthrough

CATALOGUE = catalogue.load()
HAIKU_45 = next(m for m in CATALOGUE.models if m.name == "claude-haiku-4-5")


@pytest.fixture(scope="module")
def router() -> litellm.Router:
    return litellm.Router(model_list=yaml.safe_load(CONFIG.read_text())["model_list"])


@pytest.mark.parametrize(
    "sent",
    ["claude-haiku-4-5", "us.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"],
)
def test_every_name_is_pinned_to_the_deployments_profile(router: litellm.Router, sent: str) -> None:
    deployed = CATALOGUE.profile_id(HAIKU_45)
    assert passthrough.deployment_model_id(router, sent) == deployed
    data: dict[str, object] = {"model": sent, "endpoint": f"model/{sent}/converse", "data": {}}
    passthrough.apply(data, router)
    assert data["endpoint"] == f"model/{deployed}/converse"
    assert data["disable_fallbacks"] is True and data["num_retries"] == 0


def test_an_encoded_path_stays_encoded_and_other_paths_are_left_alone() -> None:
    assert passthrough.pin_endpoint("/model/a%3A0/invoke", "a:0", "global.b:0") == "/model/global.b%3A0/invoke"
    assert passthrough.pin_endpoint("model/other/invoke", "a", "b") == "model/other/invoke"
    profile = "model/application-inference-profile/abc/invoke"
    assert passthrough.pin_endpoint(profile, "application-inference-profile", "b") == profile
