"""A client cannot steer the Bedrock call: request fields that would pick a pricier tier, another region, other
credentials, more retries or longer timeouts are refused with a 400 naming the field, before Bedrock is called,
on /v1/messages and chat completions alike (through the real gateway; the emulator's recorder shows what reached
Bedrock). Before the policy callback refused them, ``extra_headers`` arrived at Bedrock as HTTP headers and
``service_tier``/``performanceConfig`` as Converse fields, all with a 200; a boto3 client's ``serviceTier`` and
``performanceConfig`` went through the /bedrock pass-through as is."""

from __future__ import annotations

import boto3
import botocore.config
import botocore.exceptions
import httpx
import pytest
import yaml

from support.stack import CONFIG, Gateway, run_gateway

pytestmark = pytest.mark.timeout(120)

PRIORITY_HEADERS = {
    "X-Amzn-Bedrock-Service-Tier": "priority",
    "x-amzn-bedrock-performanceconfig-latency": "optimized",
}
ROUTES = ["/v1/messages", "/v1/chat/completions"]
REFUSED = [
    pytest.param({"extra_headers": PRIORITY_HEADERS}, "extra_headers", id="extra_headers"),
    pytest.param({"service_tier": "priority"}, "service_tier", id="service_tier priority"),
    pytest.param({"service_tier": "flex"}, "service_tier", id="service_tier flex"),
    pytest.param({"serviceTier": {"type": "priority"}}, "serviceTier", id="serviceTier"),
    pytest.param({"performanceConfig": {"latency": "optimized"}}, "performanceConfig", id="performanceConfig"),
    pytest.param({"extra_body": {"serviceTier": {"type": "priority"}}}, "extra_body", id="extra_body"),
    pytest.param({"aws_region_name": "us-west-2"}, "aws_region_name", id="aws_region_name"),
    pytest.param({"num_retries": 9}, "num_retries", id="num_retries"),
    pytest.param({"timeout": 3000}, "timeout", id="timeout"),
    pytest.param({"fallbacks": ["claude-opus-5-5"]}, "fallbacks", id="fallbacks"),
]


@pytest.fixture
def upstream(emulator_url: str):
    with httpx.Client(base_url=emulator_url, timeout=10) as client:
        client.delete("/emulator/received").raise_for_status()
        yield client


def post(gateway: Gateway, route: str, headers: dict[str, str] | None = None, **fields: object) -> httpx.Response:
    body = {"model": "claude-haiku-5-5", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}], **fields}
    auth = {"Authorization": f"Bearer {gateway.master_key}", "anthropic-version": "2023-06-01", **(headers or {})}
    return httpx.post(gateway.url + route, json=body, headers=auth, timeout=60)


def received(upstream: httpx.Client) -> list[dict]:
    return upstream.get("/emulator/received").raise_for_status().json()


def error_message(response: httpx.Response) -> str:
    return response.json()["error"]["message"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("fields", "name"), REFUSED)
def test_a_field_that_steers_bedrock_is_refused_before_bedrock_is_called(
    gateway: Gateway, upstream: httpx.Client, route: str, fields: dict, name: str
) -> None:
    response = post(gateway, route, **fields)
    assert response.status_code == 400, response.text
    assert f"'{name}' is not accepted by this gateway" in error_message(response)
    assert received(upstream) == [], "the refused request reached Bedrock"


@pytest.mark.parametrize("route", ROUTES)
def test_the_refusal_is_in_the_routes_error_shape(gateway: Gateway, route: str) -> None:
    body = post(gateway, route, extra_headers=PRIORITY_HEADERS).json()
    if route == "/v1/messages":
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    else:
        assert body["error"]["type"] == "invalid_request_error" and body["error"]["code"] == "400", body


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("tier", ["auto", "default", "standard_only"])
def test_the_default_tier_is_accepted_and_nothing_tier_related_reaches_bedrock(
    gateway: Gateway, upstream: httpx.Client, route: str, tier: str
) -> None:
    response = post(gateway, route, service_tier=tier)
    assert response.status_code == 200, response.text
    (call,) = received(upstream)
    assert not {k for k in call["headers"] if "service-tier" in k or "performanceconfig" in k}, call["headers"]
    assert not {"serviceTier", "service_tier", "performanceConfig"} & set(call["body"]), call["body"]


@pytest.mark.parametrize("route", ROUTES)
def test_bedrock_control_headers_sent_as_http_headers_do_not_reach_bedrock(
    gateway: Gateway, upstream: httpx.Client, route: str
) -> None:
    response = post(gateway, route, headers=PRIORITY_HEADERS)
    assert response.status_code == 200, response.text
    (call,) = received(upstream)
    assert not {k for k in call["headers"] if "service-tier" in k or "performanceconfig" in k}, call["headers"]


@pytest.fixture(scope="module")
def gateway_with_model_headers(run_dir, emulator_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The repository's config with one header the operator sets on one model (``litellm_params.extra_headers``)."""
    config = yaml.safe_load(CONFIG.read_text())
    (entry,) = [m for m in config["model_list"] if m["model_name"] == "claude-haiku-5-5"]
    entry["litellm_params"]["extra_headers"] = {"X-Amzn-Bedrock-Trace": "ENABLED"}
    path = tmp_path_factory.mktemp("model-headers") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with run_gateway(run_dir, emulator_url, config=path) as gw:
        yield gw


@pytest.mark.parametrize("route", ROUTES)
def test_headers_the_operator_sets_per_model_still_reach_bedrock(
    gateway_with_model_headers: Gateway, upstream: httpx.Client, route: str
) -> None:
    response = post(gateway_with_model_headers, route)
    assert response.status_code == 200, response.text
    (call,) = received(upstream)
    assert call["headers"].get("x-amzn-bedrock-trace") == "ENABLED", call["headers"]


def bedrock_client(gateway: Gateway):
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=f"{gateway.url}/bedrock",
        region_name="us-east-1",
        aws_access_key_id=gateway.master_key,
        aws_secret_access_key="unused-the-gateway-re-signs",
        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=60),
    )
    return client


CONVERSE = {"messages": [{"role": "user", "content": [{"text": "hi"}]}], "inferenceConfig": {"maxTokens": 20}}


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        pytest.param({"serviceTier": {"type": "priority"}}, "serviceTier", id="serviceTier priority"),
        pytest.param({"serviceTier": {"type": "flex"}}, "serviceTier", id="serviceTier flex"),
        pytest.param({"performanceConfig": {"latency": "optimized"}}, "performanceConfig", id="latency optimized"),
    ],
)
def test_a_bedrock_native_client_cannot_pick_a_pricier_tier(
    gateway: Gateway, upstream: httpx.Client, fields: dict, name: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        bedrock_client(gateway).converse(modelId="claude-haiku-5-5", **CONVERSE, **fields)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # the message, read raw (the pass-through's error body is LiteLLM's, not yet Bedrock's shape botocore parses)
    raw = httpx.post(
        f"{gateway.url}/bedrock/model/claude-haiku-5-5/converse",
        json={**CONVERSE, **fields},
        headers={"x-litellm-api-key": f"Bearer {gateway.master_key}"},
        timeout=60,
    )
    assert raw.status_code == 400 and f"'{name}' is not accepted by this gateway" in raw.text, raw.text
    assert received(upstream) == []


def test_a_bedrock_native_client_may_name_the_default_tier(gateway: Gateway, upstream: httpx.Client) -> None:
    answer = bedrock_client(gateway).converse(
        modelId="claude-haiku-5-5",
        **CONVERSE,
        serviceTier={"type": "default"},
        performanceConfig={"latency": "standard"},
    )
    assert answer["stopReason"] == "end_turn"
    (call,) = received(upstream)
    assert not {"serviceTier", "performanceConfig"} & set(call["body"]), call["body"]
