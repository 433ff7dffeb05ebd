"""The checks of smoke_test.py: each one named, timed and independent of the others (one failing never stops
the rest). Standard library only, so the script runs anywhere Python 3.11 does.

Model checks use the gateway like its clients do: the OpenAI routes with `Authorization: Bearer`, the Anthropic
routes with `x-api-key` (as the Anthropic SDK) and `anthropic-version`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

PROMPT = "Reply with one short sentence: is the gateway working?"
MAX_TOKENS = 32
ANTHROPIC_VERSION = "2023-06-01"

# Admin/UI routes probed without credentials. "protected": the gateway itself must refuse them (401/403): what
# a local or docker-compose stack can show. "blocked": the public path must refuse them with 403 before LiteLLM
# (CloudFront/WAF, infra/terraform/modules/cloudfront), including the routes LiteLLM serves without a key.
PROTECTED_PATHS = ("/key/list", "/user/list", "/team/list", "/model/info", "/spend/logs", "/global/spend/report")
BLOCKED_PATHS = (*PROTECTED_PATHS, "/ui/", "/routes", "/health", "/health/readiness", "/key/generate")
METRICS_PATHS = ("/metrics", "/metrics/")
MODEL_CHECKS = ("chat_completion", "chat_completion_stream", "messages", "messages_stream")


class CheckFailed(Exception):
    """A check's one-line reason for failing."""


class CheckSkipped(Exception):
    """A check that does not apply to this run, with the reason."""


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise CheckFailed(f"HTTP {self.status} with a body that is not JSON: {short(self.body)}") from None


@dataclass
class CheckResult:
    name: str
    status: str  # passed | failed | skipped
    duration_s: float
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "detail": self.detail,
        }


def short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_text(resp: Response) -> str:
    """The message of an OpenAI/Anthropic/LiteLLM error body, else the start of the body."""
    try:
        data = json.loads(resp.body)
    except ValueError:
        return short(resp.body) or "(empty body)"
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return short(str(err["message"]))
        if "detail" in data:
            return short(json.dumps(data["detail"]))
    return short(resp.body)


def reason(exc: urllib.error.URLError) -> str:
    """'Connection refused' rather than '[Errno 111] Connection refused'."""
    return str(getattr(exc.reason, "strerror", None) or exc.reason)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Http:
    base_url: str
    timeout: float

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
    ) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"User-Agent": "llmgw-smoke-test/1", **(headers or {})}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=hdrs)
        opener = urllib.request.build_opener() if follow_redirects else urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=self.timeout) as r:
                return Response(r.status, r.read().decode("utf-8", "replace"), dict(r.headers.items()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers.items()))
        except TimeoutError:
            raise CheckFailed(f"{method} {path}: no answer within {self.timeout:g}s") from None
        except urllib.error.URLError as exc:
            raise CheckFailed(f"{method} {path}: cannot connect: {reason(exc)}") from None
        except OSError as exc:
            raise CheckFailed(f"{method} {path}: connection failed: {exc}") from None

    def stream(self, path: str, *, body: Any, headers: dict[str, str]) -> tuple[int, Iterator[str]]:
        """POST and iterate over the response lines as they arrive (status, lines)."""
        data = json.dumps(body).encode()
        hdrs = {"User-Agent": "llmgw-smoke-test/1", "Content-Type": "application/json", **headers}
        req = urllib.request.Request(self.base_url + path, data=data, method="POST", headers=hdrs)
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)  # closed by the generator below
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            raise CheckFailed(f"POST {path}: HTTP {exc.code}: {error_text(Response(exc.code, body))}") from None
        except TimeoutError:
            raise CheckFailed(f"POST {path}: no answer within {self.timeout:g}s") from None
        except urllib.error.URLError as exc:
            raise CheckFailed(f"POST {path}: cannot connect: {reason(exc)}") from None
        except OSError as exc:
            raise CheckFailed(f"POST {path}: connection failed: {exc}") from None

        def lines() -> Iterator[str]:
            with resp:
                try:
                    for raw in resp:
                        yield raw.decode("utf-8", "replace").rstrip("\r\n")
                except TimeoutError:
                    raise CheckFailed(f"the stream stalled for more than {self.timeout:g}s") from None

        return resp.status, lines()


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """(event name, data) of a server-sent event stream."""
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    if data:
        yield event, "\n".join(data)


@dataclass
class SmokeTest:
    url: str
    api_key: str = field(repr=False)
    model: str = "claude-haiku-4-5"
    timeout: float = 60.0
    admin_routes: str = "auto"  # auto | blocked | protected | skip
    victoriametrics_url: str | None = None
    metrics_query: str = "sum(llmgw_requests_total)"
    metrics_wait: float = 90.0
    skip: frozenset[str] = frozenset()
    on_result: Callable[[CheckResult], None] | None = None
    results: list[CheckResult] = field(default_factory=list)
    model_requests_ok: int = 0

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.http = Http(self.url, self.timeout)

    # -- running --
    def checks(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("health", self.check_health),
            ("models", self.check_models),
            ("chat_completion", self.check_chat),
            ("chat_completion_stream", self.check_chat_stream),
            ("messages", self.check_messages),
            ("messages_stream", self.check_messages_stream),
            ("count_tokens", self.check_count_tokens),
            ("metrics_visible", self.check_metrics_visible),
            ("admin_routes", self.check_admin_routes),
            ("metrics_not_public", self.check_metrics_not_public),
        ]

    def run(self) -> list[CheckResult]:
        self._baseline = self._metrics_baseline()
        for name, check in self.checks():
            self.results.append(self._run_one(name, check))
            if self.on_result is not None:
                self.on_result(self.results[-1])
        return self.results

    def _run_one(self, name: str, check: Callable[[], str]) -> CheckResult:
        start = time.monotonic()
        if name in self.skip:
            return CheckResult(name, "skipped", 0.0, "skipped with --skip")
        try:
            detail = check()
            status = "passed"
        except CheckSkipped as exc:
            status, detail = "skipped", str(exc)
        except CheckFailed as exc:
            status, detail = "failed", str(exc)
        except Exception as exc:  # a bug or a surprise answer must still name its check
            status, detail = "failed", f"{type(exc).__name__}: {short(str(exc))}"
        if status == "passed" and name in MODEL_CHECKS:
            self.model_requests_ok += 1
        return CheckResult(name, status, time.monotonic() - start, detail)

    # -- helpers --
    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def anthropic(self) -> dict[str, str]:
        return {"x-api-key": self.api_key, "anthropic-version": ANTHROPIC_VERSION}

    def _expect(self, resp: Response, status: int = 200) -> Any:
        if resp.status != status:
            raise CheckFailed(f"HTTP {resp.status}: {error_text(resp)}")
        return resp.json()

    # -- checks --
    def check_health(self) -> str:
        # /health/liveliness is the one health route open on the public path (the others are admin routes).
        resp = self.http.request("GET", "/health/liveliness")
        if resp.status != 200:
            raise CheckFailed(f"GET /health/liveliness: HTTP {resp.status}: {error_text(resp)}")
        return f"HTTP 200 {short(resp.body, 40)}"

    def check_models(self) -> str:
        data = self._expect(self.http.request("GET", "/v1/models", headers=self.bearer))
        ids = [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]
        if self.model not in ids:
            raise CheckFailed(f"model {self.model} is not listed: {', '.join(map(str, ids)) or 'no models'}")
        return f"{len(ids)} models, {self.model} among them"

    def _chat_body(self, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "stream": stream,
            "messages": [{"role": "user", "content": PROMPT}],
        }

    def check_chat(self) -> str:
        data = self._expect(
            self.http.request("POST", "/v1/chat/completions", body=self._chat_body(False), headers=self.bearer)
        )
        choices = data.get("choices") or []
        text = (choices[0].get("message") or {}).get("content") if choices else None
        if not text:
            raise CheckFailed(f"no text in the answer: {short(json.dumps(data))}")
        usage = data.get("usage") or {}
        return f"{usage.get('prompt_tokens')} in / {usage.get('completion_tokens')} out tokens: {short(text, 60)!r}"

    def check_chat_stream(self) -> str:
        status, lines = self.http.stream("/v1/chat/completions", body=self._chat_body(True), headers=self.bearer)
        chunks, text, done = 0, "", False
        for _, data in sse_events(lines):
            if data == "[DONE]":
                done = True
                break
            event = json.loads(data)
            if "error" in event:
                raise CheckFailed(f"error in the stream: {short(json.dumps(event['error']))}")
            for choice in event.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    chunks += 1
                    text += piece
        if not chunks:
            raise CheckFailed(f"HTTP {status} but no content chunk in the stream")
        if not done:
            raise CheckFailed(f"the stream ended without data: [DONE] after {chunks} chunks")
        return f"{chunks} chunks then [DONE]: {short(text, 60)!r}"

    def _messages_body(self, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "stream": stream,
            "messages": [{"role": "user", "content": PROMPT}],
        }

    def check_messages(self) -> str:
        data = self._expect(
            self.http.request("POST", "/v1/messages", body=self._messages_body(False), headers=self.anthropic)
        )
        if data.get("type") != "message":
            raise CheckFailed(f"not an Anthropic message: {short(json.dumps(data))}")
        text = "".join(b.get("text", "") for b in data.get("content") or [] if isinstance(b, dict))
        if not text:
            raise CheckFailed(f"no text block in the message: {short(json.dumps(data))}")
        usage = data.get("usage") or {}
        return f"{usage.get('input_tokens')} in / {usage.get('output_tokens')} out tokens: {short(text, 60)!r}"

    def check_messages_stream(self) -> str:
        status, lines = self.http.stream("/v1/messages", body=self._messages_body(True), headers=self.anthropic)
        seen: list[str] = []
        deltas = 0
        for event, data in sse_events(lines):
            payload = json.loads(data)
            kind = event or payload.get("type", "")
            if kind == "error":
                raise CheckFailed(f"error event in the stream: {short(data)}")
            seen.append(kind)
            if kind == "content_block_delta":
                deltas += 1
        missing = [e for e in ("message_start", "content_block_delta", "message_stop") if e not in seen]
        if missing:
            raise CheckFailed(f"HTTP {status}, stream without {', '.join(missing)} (events: {', '.join(seen[:8])})")
        return f"message_start, {deltas} content_block_delta, message_stop"

    def check_count_tokens(self) -> str:
        body = {"model": self.model, "messages": [{"role": "user", "content": PROMPT}]}
        data = self._expect(self.http.request("POST", "/v1/messages/count_tokens", body=body, headers=self.anthropic))
        tokens = data.get("input_tokens")
        if not isinstance(tokens, int) or tokens <= 0:
            raise CheckFailed(f"no positive input_tokens: {short(json.dumps(data))}")
        return f"{tokens} input tokens"

    # -- metrics in VictoriaMetrics --
    def _query(self) -> float:
        assert self.victoriametrics_url is not None
        query = urllib.parse.urlencode({"query": self.metrics_query})
        url = f"{self.victoriametrics_url.rstrip('/')}/api/v1/query?{query}"
        try:
            with urllib.request.urlopen(url, timeout=min(self.timeout, 15)) as r:
                data = json.loads(r.read())
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            raise CheckFailed(f"VictoriaMetrics answered {exc.code}: {short(body)}") from None
        except (OSError, ValueError) as exc:
            raise CheckFailed(f"cannot query VictoriaMetrics at {self.victoriametrics_url}: {exc}") from None
        if data.get("status") != "success":
            raise CheckFailed(f"VictoriaMetrics refused the query {self.metrics_query!r}: {short(json.dumps(data))}")
        result = data.get("data", {}).get("result") or []
        return sum(float(r["value"][1]) for r in result)

    def _metrics_baseline(self) -> float | CheckFailed | None:
        if self.victoriametrics_url is None or "metrics_visible" in self.skip:
            return None
        try:
            return self._query()
        except CheckFailed as exc:
            return exc

    def check_metrics_visible(self) -> str:
        if self.victoriametrics_url is None:
            raise CheckSkipped("no --victoriametrics-url (VictoriaMetrics is not public on a deployment)")
        baseline = self._baseline
        if isinstance(baseline, CheckFailed):
            raise baseline
        assert baseline is not None
        if self.model_requests_ok == 0:
            if self.skip.issuperset(MODEL_CHECKS):
                raise CheckSkipped("every model check was skipped: no request of this run to look for")
            raise CheckFailed("no model request of this run succeeded: nothing to look for in VictoriaMetrics")
        wanted = self.model_requests_ok
        deadline = time.monotonic() + self.metrics_wait
        value = baseline
        while True:
            value = self._query()
            if value - baseline >= wanted:
                return f"{self.metrics_query} rose {baseline:g} -> {value:g} (>= {wanted} requests of this run)"
            if time.monotonic() >= deadline:
                raise CheckFailed(
                    f"{self.metrics_query} rose by {value - baseline:g}, not {wanted}, within {self.metrics_wait:g}s "
                    f"(is the gateway scraped? see {self.victoriametrics_url}/targets)"
                )
            time.sleep(2)

    # -- what must stay closed --
    def admin_mode(self) -> str:
        if self.admin_routes != "auto":
            return self.admin_routes
        parsed = urllib.parse.urlsplit(self.url)
        host = parsed.hostname or ""
        local = host in ("localhost", "::1") or host.startswith("127.") or "." not in host
        return "blocked" if parsed.scheme == "https" and not local else "protected"

    def check_admin_routes(self) -> str:
        mode = self.admin_mode()
        if mode == "skip":
            raise CheckSkipped("--admin-routes skip")
        paths = BLOCKED_PATHS if mode == "blocked" else PROTECTED_PATHS
        wrong = []
        for path in paths:
            resp = self.http.request("GET", path, follow_redirects=False)
            ok = resp.status == 403 if mode == "blocked" else resp.status in (401, 403)
            if not ok:
                wrong.append(f"{path} -> {resp.status}")
        if wrong:
            expected = "403 from the edge (WAF)" if mode == "blocked" else "401/403"
            raise CheckFailed(f"{mode}: expected {expected} without credentials, got {', '.join(wrong)}")
        return f"{mode}: {len(paths)} admin routes refused without credentials"

    def check_metrics_not_public(self) -> str:
        # Behind the edge (mode "blocked") WAF rule block-metrics answers 403 for every path starting with
        # /metrics, whoever asks: a 401 there comes from LiteLLM, i.e. the edge let the request through.
        edge = self.admin_mode() == "blocked"
        got = []
        for path in METRICS_PATHS:
            resp = self.http.request("GET", path)  # /metrics redirects (307) to /metrics/: follow it
            got.append(f"{path} -> {resp.status}")
            if resp.status not in (401, 403):
                raise CheckFailed(f"GET {path} without credentials answered {resp.status}: /metrics is public")
            if edge and resp.status != 403:
                raise CheckFailed(
                    f"GET {path} answered {resp.status}, not 403 from the edge (WAF): the gateway itself answered"
                )
        return ", ".join(got)
