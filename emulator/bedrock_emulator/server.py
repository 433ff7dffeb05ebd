"""The aiohttp application: Bedrock runtime routes, the bedrock-mantle count_tokens route, the control API."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import web

from . import __version__, catalog, converse, count_tokens, directives, errors, faults, invoke, mantle
from . import scenario as scenario_mod
from .cache import PromptCache
from .eventstream import CONTENT_TYPE as EVENTSTREAM_CONTENT_TYPE
from .generate import plan_answer
from .iam import IamEnforcer, request_region
from .recorder import Recorder
from .settings import Knobs, Settings
from .stats import RequestStats
from .streaming import Sent, StreamPlan, Timer, write_stream

log = logging.getLogger(__name__)

MODEL_PREFIX = "/model/"


@dataclass
class Runtime:
    """State the control API can change while the emulator runs."""

    scenario: scenario_mod.Scenario = field(default_factory=lambda: scenario_mod.NO_SCENARIO)
    iam: IamEnforcer | None = None


SETTINGS_KEY = web.AppKey("settings", Settings)
CACHE_KEY = web.AppKey("cache", PromptCache)
RULES_KEY = web.AppKey("fault_rules", faults.FaultRules)
STATS_KEY = web.AppKey("stats", RequestStats)
RECORDER_KEY = web.AppKey("recorder", Recorder)
RUNTIME_KEY = web.AppKey("runtime", Runtime)


class _Dropped(Exception):
    """The connection was closed on purpose (fault=drop)."""


def _json_response(payload: object, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
        headers=headers,
    )


def _split_model_path(raw_path: str) -> tuple[str, str] | None:
    """``/model/{modelId}/{operation}`` on the raw (still percent-encoded) path → (model id, operation)."""
    rest = raw_path[len(MODEL_PREFIX) :]
    raw_model, _, operation = rest.rpartition("/")
    if not raw_model or operation not in faults.ALL_OPERATIONS:
        return None
    return unquote(raw_model), operation


async def handle_model(request: web.Request) -> web.StreamResponse:
    """``POST /model/{modelId}/{operation}``: the Bedrock runtime operations."""
    timer = Timer()
    stats = request.app[STATS_KEY]
    parsed = _split_model_path(request.rel_url.raw_path)
    if parsed is None:
        return errors.not_found(request.rel_url.raw_path).to_response()
    model_id, operation = parsed
    raw = await request.read()
    recorder = request.app[RECORDER_KEY]
    seq = recorder.record(request.method, request.rel_url.raw_path, operation, model_id, request.headers, raw)
    key = (operation, model_id)
    stats.received[key] += 1
    try:
        response, served = await _serve(request, timer, model_id, operation, raw)
    except errors.BedrockError as error:
        stats.failed[key] += 1
        recorder.finish(seq, error.status)
        return error.to_response()
    except _Dropped:
        # The transport is closed already: aiohttp fails to send this with a ConnectionError it handles quietly.
        stats.failed[key] += 1
        recorder.finish(seq, 0)
        return web.Response(status=500)
    except Exception:
        log.exception("emulator bug while serving %s for %s", operation, model_id)
        stats.failed[key] += 1
        recorder.finish(seq, 500)
        return errors.internal().to_response()
    (stats.served if served else stats.failed)[key] += 1
    recorder.finish(seq, response.status)
    return response


def _billed_input(usage: object) -> int:
    """Input tokens of every kind (uncached, cache read, cache write) the model processed."""
    return int(getattr(usage, "input_tokens", 0) + getattr(usage, "cache_read", 0) + getattr(usage, "cache_write", 0))


def _resolve(model_id: str, operation: str) -> catalog.ResolvedModel:
    try:
        resolved = catalog.resolve(model_id)
    except catalog.UnknownModel:
        raise errors.invalid_model() from None
    if operation != "count-tokens" and resolved.profile is None and resolved.spec is not None:
        raise errors.on_demand_not_supported(model_id)  # every Claude the emulator serves is profile-only
    return resolved


async def _serve(
    request: web.Request, timer: Timer, model_id: str, operation: str, raw: bytes
) -> tuple[web.StreamResponse, bool]:
    """The response, and whether it was served in full (False: a fault struck mid-stream or the client left)."""
    app = request.app
    resolved = _resolve(model_id, operation)
    enforcer = app[RUNTIME_KEY].iam
    if enforcer is not None:
        region = request_region(request.headers, enforcer.default_region)
        enforcer.authorize(enforcer.runtime_checks(operation, resolved, region))
    spec = resolved.effective
    if operation == "count-tokens":
        rule_fault = app[RULES_KEY].take(model_id, operation) if app[RULES_KEY].rules else None
        if rule_fault is not None:
            await _before_response(request, rule_fault, 0, operation)
        return _json_response(count_tokens.count(raw, resolved), headers={"x-amzn-RequestId": str(uuid.uuid4())}), True

    wanted = directives.from_request(raw, request.headers.get(directives.HEADER))
    is_converse = operation.startswith("converse")
    parse, load = (converse.parse, converse.load_body) if is_converse else (invoke.parse, invoke.load_body)
    prompt = parse(load(raw), spec)
    knobs = Knobs.resolve(app[SETTINGS_KEY], wanted)
    fault = faults.resolve(app[RULES_KEY], wanted, model_id, operation)
    if fault is not None:
        await _before_response(request, fault, knobs.latency_ms, operation)
    elif knobs.latency_ms:
        await asyncio.sleep(knobs.latency_ms / 1000)

    scripted = app[RUNTIME_KEY].scenario.reply_for(model_id, prompt)
    answer = plan_answer(prompt, knobs.output_tokens, wanted.tool, scripted)
    usage = app[CACHE_KEY].apply(model_id, prompt.breakpoints, prompt.input_tokens)
    request_id = str(uuid.uuid4())

    if operation in faults.STREAM_OPERATIONS:
        if is_converse:
            frames = converse.stream_frames(answer, usage, timer)
        else:
            frames = invoke.stream_frames(answer, usage, spec.name, timer)
        fault_after = fault.mid_stream_after(operation) if fault is not None else None
        plan = StreamPlan(
            ttft_s=knobs.ttft_ms / 1000,
            tokens_per_second=knobs.tokens_per_second,
            fault_after=fault_after,
            fault_error=fault.error(operation) if fault is not None and fault_after is not None else None,
        )
        headers = {"Content-Type": EVENTSTREAM_CONTENT_TYPE, "x-amzn-RequestId": request_id}
        if not is_converse:
            headers["X-Amzn-Bedrock-Content-Type"] = "application/json"
        response = web.StreamResponse(status=200, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = Sent()
        completed = await write_stream(request, response, frames, plan, timer, sent)
        stats = app[STATS_KEY]
        stats.bill((operation, model_id), _billed_input(usage), sent.output_tokens)
        if not completed and fault_after is None:
            stats.abandoned[(operation, model_id)] += 1
        return response, completed and fault_after is None

    delay_s = knobs.ttft_ms / 1000
    if knobs.tokens_per_second > 0:
        delay_s += answer.output_tokens / knobs.tokens_per_second
    if delay_s > 0:
        await asyncio.sleep(delay_s)
    latency_ms = timer.elapsed_ms()
    app[STATS_KEY].bill((operation, model_id), _billed_input(usage), answer.output_tokens)
    if is_converse:
        body = converse.render(answer, usage, latency_ms)
        return _json_response(body, headers={"x-amzn-RequestId": request_id}), True
    headers = {"x-amzn-RequestId": request_id, **invoke.response_headers(answer, usage, latency_ms)}
    return _json_response(invoke.render(answer, usage, spec.name), headers=headers), True


async def handle_mantle_count_tokens(request: web.Request) -> web.Response:
    """``POST /anthropic/v1/messages/count_tokens`` (bedrock-mantle)."""
    raw = await request.read()
    recorder = request.app[RECORDER_KEY]
    try:
        body, model = mantle.request_model(raw)
    except mantle.MantleError as error:
        recorder.finish(
            recorder.record(request.method, request.path, "mantle-count-tokens", "", request.headers, raw), error.status
        )
        return error.to_response()
    seq = recorder.record(request.method, request.path, "mantle-count-tokens", model, request.headers, raw)
    enforcer = request.app[RUNTIME_KEY].iam
    try:
        if enforcer is not None:
            region = request_region(request.headers, enforcer.default_region)
            enforcer.authorize(enforcer.mantle_checks("count_tokens", model, region))
        result = mantle.count_tokens(body, model, request.headers)
    except errors.BedrockError as error:  # AccessDenied
        recorder.finish(seq, error.status)
        return mantle.MantleError(error.status, "permission_error", error.message).to_response()
    except mantle.MantleError as error:
        recorder.finish(seq, error.status)
        return error.to_response()
    recorder.finish(seq, 200)
    return _json_response(result)


async def _before_response(request: web.Request, fault: faults.Fault, latency_ms: int, operation: str) -> None:
    """What a fault does before the response starts: delays (latency, slow_first_byte), then either raises its
    Bedrock error, drops the connection, or (mid-stream faults) returns to let the stream begin."""
    delay_s = latency_ms / 1000 + fault.first_byte_delay_s()
    if delay_s > 0:
        await asyncio.sleep(delay_s)
    if fault.mid_stream_after(operation) is not None:
        return
    if fault.name == "drop":
        transport = request.transport
        if transport is not None:
            transport.close()
        raise _Dropped
    error = fault.error(operation)
    if error is not None:
        raise error


# ------------------------------------------------------------------------------------------- control API


async def healthz(request: web.Request) -> web.Response:
    return _json_response({"status": "ok", "version": __version__})


async def get_requests(request: web.Request) -> web.Response:
    return _json_response(request.app[STATS_KEY].snapshot())


async def delete_requests(request: web.Request) -> web.Response:
    request.app[STATS_KEY].reset()
    return _json_response({"status": "reset"})


async def get_faults(request: web.Request) -> web.Response:
    return _json_response([rule.to_json() for rule in request.app[RULES_KEY].rules])


async def put_faults(request: web.Request) -> web.Response:
    try:
        specs = json.loads(await request.read())
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list):
            raise ValueError("expected a JSON list of rules")
        rules = [faults.parse_rule(spec) for spec in specs]
    except ValueError as exc:
        return _json_response({"message": str(exc)}, status=400)
    request.app[RULES_KEY].replace(rules)
    log.info("fault rules set: %s", [rule.to_json() for rule in rules])
    return _json_response([rule.to_json() for rule in rules])


async def delete_faults(request: web.Request) -> web.Response:
    request.app[RULES_KEY].clear()
    return _json_response([])


async def delete_cache(request: web.Request) -> web.Response:
    request.app[CACHE_KEY].clear()
    return _json_response({"status": "cleared"})


async def get_received(request: web.Request) -> web.Response:
    limit = request.query.get("limit")
    try:
        count = int(limit) if limit is not None else None
    except ValueError:
        return _json_response({"message": "limit must be an integer"}, status=400)
    return _json_response(request.app[RECORDER_KEY].snapshot(count))


async def delete_received(request: web.Request) -> web.Response:
    request.app[RECORDER_KEY].clear()
    return _json_response({"status": "cleared"})


async def get_scenario(request: web.Request) -> web.Response:
    return _json_response(request.app[RUNTIME_KEY].scenario.to_json())


async def put_scenario(request: web.Request) -> web.Response:
    try:
        parsed = scenario_mod.parse(json.loads(await request.read()))
    except (ValueError, scenario_mod.ScenarioError) as exc:
        return _json_response({"message": f"invalid scenario: {exc}"}, status=400)
    request.app[RUNTIME_KEY].scenario = parsed
    return _json_response(parsed.to_json())


async def delete_scenario(request: web.Request) -> web.Response:
    request.app[RUNTIME_KEY].scenario = scenario_mod.NO_SCENARIO
    return _json_response(scenario_mod.NO_SCENARIO.to_json())


async def not_found(request: web.Request) -> web.Response:
    return errors.not_found(request.rel_url.raw_path).to_response()


def create_app(
    settings: Settings | None = None,
    *,
    scenario: scenario_mod.Scenario | None = None,
    iam: IamEnforcer | None = None,
) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[SETTINGS_KEY] = settings or Settings()
    app[CACHE_KEY] = PromptCache()
    app[RULES_KEY] = faults.FaultRules()
    app[STATS_KEY] = RequestStats()
    app[RECORDER_KEY] = Recorder()
    app[RUNTIME_KEY] = Runtime(scenario=scenario or scenario_mod.NO_SCENARIO, iam=iam)
    app.router.add_post("/model/{tail:.+}", handle_model)
    app.router.add_post(mantle.COUNT_TOKENS_PATH, handle_mantle_count_tokens)
    app.router.add_get("/emulator/received", get_received)
    app.router.add_delete("/emulator/received", delete_received)
    app.router.add_get("/emulator/scenario", get_scenario)
    app.router.add_put("/emulator/scenario", put_scenario)
    app.router.add_delete("/emulator/scenario", delete_scenario)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/emulator/requests", get_requests)
    app.router.add_delete("/emulator/requests", delete_requests)
    app.router.add_get("/emulator/faults", get_faults)
    app.router.add_put("/emulator/faults", put_faults)
    app.router.add_delete("/emulator/faults", delete_faults)
    app.router.add_delete("/emulator/cache", delete_cache)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
