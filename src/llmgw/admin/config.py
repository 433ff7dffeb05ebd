"""Where the gateway is and which master key to use.

Gateway URL: --gateway-url, then $LITELLM_GATEWAY_URL, then output `gateway_url` of a Terraform outputs JSON
(`terraform output -json > outputs.json`, --tf-outputs). Master key: the Secrets Manager secret given by
--master-key-secret-arn, then $LITELLM_MASTER_KEY, then the secret named by the outputs'
`secret_arns.litellm_master_key` (secrets are read with boto3, in the region of their ARN).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from llmgw.cli_types import positive_float


class ConfigError(Exception):
    """Missing or unusable settings: the CLI reports the message and exits 2."""


def add_connection_args(parser: argparse.ArgumentParser, *, url_flag: bool = True) -> None:
    group = parser.add_argument_group("gateway connection")
    if url_flag:
        group.add_argument("--gateway-url", help="gateway base URL (default: $LITELLM_GATEWAY_URL, then --tf-outputs)")
    group.add_argument(
        "--tf-outputs",
        type=Path,
        metavar="FILE",
        help="JSON of `terraform output -json`: outputs gateway_url and secret_arns.litellm_master_key are used",
    )
    group.add_argument(
        "--master-key-secret-arn",
        metavar="ARN",
        help="read the master key from this Secrets Manager secret (default: $LITELLM_MASTER_KEY)",
    )
    group.add_argument("--timeout", type=positive_float, default=30.0, help="seconds per request (default: 30)")


def load_tf_outputs(path: Path) -> dict[str, Any]:
    """Outputs as name -> value; accepts `terraform output -json` ({"x": {"value": ...}}) or plain {"x": ...}."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read Terraform outputs {path}: {exc.strerror}") from None
    except ValueError:
        raise ConfigError(f"Terraform outputs {path} is not JSON (use `terraform output -json > {path}`)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Terraform outputs {path} is not a JSON object")
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in data.items()}


def resolve_gateway_url(flag: str | None, tf_outputs: Path | None) -> str:
    url = flag or os.environ.get("LITELLM_GATEWAY_URL")
    if not url and tf_outputs is not None:
        url = load_tf_outputs(tf_outputs).get("gateway_url")
        if not url:
            raise ConfigError(f"Terraform outputs {tf_outputs} have no output gateway_url")
    if not url:
        raise ConfigError("no gateway URL: pass --gateway-url, set LITELLM_GATEWAY_URL or pass --tf-outputs FILE")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"gateway URL must start with http:// or https://: {url!r}")
    return url.rstrip("/")


def resolve_master_key(secret_arn: str | None, tf_outputs: Path | None) -> str:
    """--master-key-secret-arn, else $LITELLM_MASTER_KEY, else the outputs' secret_arns.litellm_master_key."""
    if secret_arn:
        return read_secret(secret_arn)
    key = os.environ.get("LITELLM_MASTER_KEY", "").strip()
    if key:
        return key
    if tf_outputs is not None:
        arns = load_tf_outputs(tf_outputs).get("secret_arns") or {}
        if isinstance(arns, dict) and arns.get("litellm_master_key"):
            return read_secret(arns["litellm_master_key"])
    raise ConfigError("no master key: set LITELLM_MASTER_KEY or pass --master-key-secret-arn ARN (or --tf-outputs)")


def resolve_api_key(flag: str | None, secret_arn: str | None, tf_outputs: Path | None) -> str:
    """A key for model calls: --api-key, $LITELLM_API_KEY, then whatever resolve_master_key finds."""
    key = (flag or os.environ.get("LITELLM_API_KEY", "")).strip()
    if key:
        return key
    try:
        return resolve_master_key(secret_arn, tf_outputs)
    except ConfigError:
        raise ConfigError(
            "no key: pass --api-key, set LITELLM_API_KEY or LITELLM_MASTER_KEY, or pass --master-key-secret-arn ARN"
        ) from None


def read_secret(arn: str) -> str:
    """SecretString of a Secrets Manager secret (region taken from the ARN); the value itself is never logged."""
    import boto3  # imported late: the common path (env variable) needs no AWS SDK
    from botocore.exceptions import BotoCoreError, ClientError

    parts = arn.split(":")
    region = parts[3] if arn.startswith("arn:") and len(parts) > 4 and parts[3] else None
    try:
        client = boto3.client("secretsmanager", region_name=region or os.environ.get("AWS_REGION") or None)
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise ConfigError(f"cannot read secret {arn}: {err.get('Code', 'error')}: {err.get('Message', '')}") from None
    except BotoCoreError as exc:
        raise ConfigError(f"cannot read secret {arn}: {exc}") from None
    if not value:
        raise ConfigError(f"secret {arn} has no SecretString")
    value = value.strip()
    if value.startswith("{"):  # also accept {"LITELLM_MASTER_KEY": "..."} / {"master_key": "..."}
        try:
            data = json.loads(value)
        except ValueError:
            data = {}
        for name in ("LITELLM_MASTER_KEY", "master_key", "key"):
            if isinstance(data.get(name), str):
                return data[name]
        raise ConfigError(f"secret {arn} is JSON without a LITELLM_MASTER_KEY or master_key field")
    return value
