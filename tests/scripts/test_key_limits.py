"""Per-model limits of a key: create_user.py --model-rpm / --model-tpm write LiteLLM's key metadata
(model_rpm_limit / model_tpm_limit), which its rate limiter enforces per model group and, with Redis, for the whole
fleet (tests/gateway/test_shared_limits.py). Against the admin contract double: LiteLLM's own request models."""

from __future__ import annotations

import json

from scripts.admin_double import AdminDouble


def test_model_limits_are_set_updated_and_kept_on_rotation(cli, double: AdminDouble) -> None:
    args = ["--email", "erin@example.com", "--rpm", "60", "--model-rpm", "claude-opus-5-5=10,claude-sonnet-5-5=30",
            "--model-tpm", "claude-opus-5-5=200000", "--json"]  # fmt: skip
    first = cli(*args)
    assert first.returncode == 0, first.output
    key = double.key_by_alias("erin@example.com-default")
    assert key["rpm_limit"] == 60
    assert key["metadata"]["model_rpm_limit"] == {"claude-opus-5-5": 10, "claude-sonnet-5-5": 30}
    assert key["metadata"]["model_tpm_limit"] == {"claude-opus-5-5": 200000}

    changed = cli("--email", "erin@example.com", "--model-rpm", "claude-opus-5-5=5", "--json")
    assert json.loads(changed.stdout)["results"][0]["key"] == "updated"
    key = double.key_by_alias("erin@example.com-default")
    assert key["metadata"]["model_rpm_limit"] == {"claude-opus-5-5": 5}
    assert key["metadata"]["model_tpm_limit"] == {"claude-opus-5-5": 200000}, "the other limits stay"
    assert json.loads(cli("--email", "erin@example.com", "--json").stdout)["results"][0]["key"] == "reused"

    cli("--email", "erin@example.com", "--rotate-key")
    rotated = double.key_by_alias("erin@example.com-default")
    assert rotated["token"] != key["token"] and rotated["metadata"]["model_rpm_limit"] == {"claude-opus-5-5": 5}


def test_bad_model_limits_are_a_usage_error(cli, double: AdminDouble) -> None:
    for value in ("claude-opus-5-5", "claude-opus-5-5=0", "=5", "claude-opus-5-5=x"):
        result = cli("--email", "x@example.com", "--model-rpm", value)
        assert result.returncode == 2 and "MODEL=N" in result.stderr, result.output
    assert double.writes() == []
