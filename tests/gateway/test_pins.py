"""One place pins LiteLLM: versions.env. The pip pins and the installed package must agree with it."""

from __future__ import annotations

import re
from importlib import metadata

from llmgw.paths import REPO


def versions_env() -> dict[str, str]:
    lines = (line.strip() for line in (REPO / "versions.env").read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_litellm_pins_agree() -> None:
    v = versions_env()
    version = v["LITELLM_VERSION"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert v["LITELLM_IMAGE_TAG"] == f"v{version}"
    assert f"litellm[proxy]=={version}" in (REPO / "requirements.in").read_text().splitlines()
    assert f"litellm=={version}" in (REPO / "requirements.lock").read_text().splitlines()
    assert metadata.version("litellm") == version


def test_python_dependencies_are_pinned_exactly() -> None:
    for name in ("requirements.in", "requirements.lock", "requirements-checkov.lock"):
        for line in (REPO / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==\S+", line), f"{name}: not pinned with ==: {line}"


def test_prometheus_client_is_pinned_explicitly() -> None:
    """litellm[proxy] does not pull prometheus-client in; the built-in exporter needs it."""
    assert any(line.startswith("prometheus-client==") for line in (REPO / "requirements.in").read_text().splitlines())
