"""The sizing model of docs/performance.md and its check against a run.

A LiteLLM worker is CPU-bound, so one vCPU serves ``1000 / cpu_ms`` requests/s at saturation, where the CPU per
Claude Code request is

    cpu_ms = base_ms + stream_ms × (share of streamed requests) + ms_per_output_token × output tokens

The coefficients drift with the machine (3–4× between machines of the same type), so they are calibrated in the
same run, on three uniform Claude-Code-sized ``/v1/messages`` requests (llmgw.bench.scenarios.CALIBRATION): a
non-streamed answer of 12 tokens (base), the same streamed (+ stream), streamed with 300 tokens (+ per token);
output tokens per request are what the emulator billed. The model then predicts the Claude Code ``mix`` (tool
calls, text answers, Haiku side calls, varied histories) from its stream share and output tokens per request,
and the check compares that with the mix's measured CPU per request, at the same concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.15
PLAIN, STREAM_SHORT, STREAM_LONG = "cal-plain-12", "cal-stream-12", "cal-stream-300"
CHECKED = "mix"


@dataclass(frozen=True)
class Calibration:
    base_ms: float
    stream_ms: float
    ms_per_output_token: float

    def cpu_ms(self, output_tokens: float, stream_share: float) -> float:
        return self.base_ms + self.stream_ms * stream_share + self.ms_per_output_token * output_tokens

    def rps_per_vcpu(self, output_tokens: float, stream_share: float) -> float:
        return 1000 / self.cpu_ms(output_tokens, stream_share)

    def rps_per_task(self, output_tokens: float, stream_share: float, vcpus: float, utilization: float) -> float:
        """Requests/s a task of ``vcpus`` vCPUs (one worker each) serves at ``utilization`` of its CPU."""
        return vcpus * utilization * self.rps_per_vcpu(output_tokens, stream_share)


def calibrate(plain: dict, short: dict, long: dict) -> Calibration | None:
    """From the three calibration points of one target (CPU ms per request, output tokens per request)."""
    values = [(p.get("output_tokens_per_request"), p.get("cpu_s_per_1k")) for p in (plain, short, long)]
    if any(t is None or c is None for t, c in values) or values[2][0] == values[1][0]:
        return None
    (t0, c0), (t1, c1), (t2, c2) = values
    per_token = (c2 - c1) / (t2 - t1)
    base = c0 - per_token * t0
    return Calibration(base_ms=base, stream_ms=c1 - per_token * t1 - base, ms_per_output_token=per_token)


def sizing_checks(points: list[dict], stream_share: float | None) -> list[dict]:
    """One check per (target, workers, concurrency) that has the three calibration points and the mix."""
    if stream_share is None:
        return []
    index = {(p["scenario"], p["target"], p["workers"], p["concurrency"]): p for p in points}
    checks = []
    for (scenario, target, workers, concurrency), mix in index.items():
        if scenario != CHECKED or target == "baseline":
            continue
        cal = [index.get((name, target, workers, concurrency)) for name in (PLAIN, STREAM_SHORT, STREAM_LONG)]
        if any(c is None for c in cal) or not mix.get("cpu_s_per_1k") or mix.get("output_tokens_per_request") is None:
            continue
        model = calibrate(*cal)
        if model is None:
            continue
        tokens = mix["output_tokens_per_request"]
        predicted = model.cpu_ms(tokens, stream_share)
        if predicted <= 0:
            continue
        measured = mix["cpu_s_per_1k"]
        error = measured / predicted - 1  # = predicted rps per vCPU / measured rps per vCPU − 1
        checks.append(
            {
                "target": target,
                "workers": workers,
                "concurrency": concurrency,
                "base_ms": round(model.base_ms, 3),
                "stream_ms": round(model.stream_ms, 3),
                "ms_per_output_token": round(model.ms_per_output_token, 4),
                "calibration_ms": [c["cpu_s_per_1k"] for c in cal],
                "calibration_tokens": [c["output_tokens_per_request"] for c in cal],
                "mix_output_tokens": tokens,
                "mix_stream_share": stream_share,
                "predicted_ms": round(predicted, 3),
                "measured_ms": measured,
                "predicted_rps_per_vcpu": round(1000 / predicted, 1),
                "measured_rps_per_vcpu": round(1000 / measured, 1),
                "error": round(error, 4),
                "within_tolerance": abs(error) <= TOLERANCE,
            }
        )
    return checks
