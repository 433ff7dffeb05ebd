"""boto3's ``bedrock-runtime`` client pointed at the gateway's /bedrock pass-through, with the gateway key.

``bedrock_client(gateway_url, key)`` is ``boto3.client("bedrock-runtime", endpoint_url=f"{gateway_url}/bedrock")``
plus two botocore event hooks:

* ``before-send``: the key in the ``x-litellm-api-key`` header (LiteLLM re-signs the call with its own AWS
  credentials; the client's SigV4 signature is not used);
* ``before-parse``: the errors LiteLLM 1.106.2 answers from its authentication step (a missing or unknown key, a
  spent budget) in Bedrock's shape. The gateway sends every other pass-through error in Bedrock's shape itself
  (callbacks/llmgw_callbacks/bedrock_errors.py); these it cannot, so without the hook boto3 raises ``ClientError``
  with code ``"401"``/``"429"`` and an empty message. With it: ``AccessDeniedException`` /
  ``ThrottlingException`` with the gateway's message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

logger = logging.getLogger(__name__)

ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
TYPE_BY_STATUS: Mapping[int, str] = {
    400: "ValidationException",
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


def reshape_litellm_error(response_dict: MutableMapping[str, Any], **_: object) -> None:
    """botocore ``before-parse`` hook: a LiteLLM ``{"error": {"message": ...}}`` body becomes Bedrock's
    ``{"message": ...}`` with an ``x-amzn-ErrorType`` header; any other response is left as it is."""
    status = int(response_dict.get("status_code") or 0)
    body = response_dict.get("body")
    if status < 400 or not isinstance(body, bytes | bytearray) or not body:
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return
    if not isinstance(parsed, Mapping) or "message" in parsed or "Message" in parsed:
        return
    error = parsed.get("error")
    if not isinstance(error, Mapping) or not isinstance(error.get("message"), str):
        return
    default = "InternalServerException" if status >= 500 else "ValidationException"
    error_type = TYPE_BY_STATUS.get(status, default)
    response_dict["body"] = json.dumps({"message": error["message"]}).encode("utf-8")
    response_dict["headers"]["x-amzn-errortype"] = error_type + ERROR_TYPE_SUFFIX
    logger.debug("gateway error %s read as %s", status, error_type)


def bedrock_client(gateway_url: str, key: str, *, region: str = "us-east-1", **client_kwargs: Any) -> Any:
    """A ``bedrock-runtime`` client of the gateway at ``gateway_url`` (https://llm.example.com) with ``key``."""
    import boto3

    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=f"{gateway_url.rstrip('/')}/bedrock",
        region_name=region,
        aws_access_key_id=client_kwargs.pop("aws_access_key_id", "gateway"),
        aws_secret_access_key=client_kwargs.pop("aws_secret_access_key", "the-gateway-re-signs"),
        **client_kwargs,
    )

    def add_key(request: Any, **_: object) -> None:
        request.headers["x-litellm-api-key"] = key

    client.meta.events.register("before-send.bedrock-runtime.*", add_key)
    client.meta.events.register("before-parse.bedrock-runtime.*", reshape_litellm_error)
    return client
