"""The sizing model of docs/performance.md and its check against a run.

A LiteLLM worker is CPU-bound, so one vCPU serves ``1000 / cpu_ms`` requests/s at saturation, where the CPU per
request grows with the streamed output:

    cpu_ms(request) = base_ms + ms_per_output_token × output tokens

Both coefficients drift with the machine (3–4× between machines of the same type), so they are calibrated in
the same run: on ``short`` (non-streamed, a few output tokens) and ``stream`` (300 streamed tokens), the output
tokens per request being what the emulator billed. The model then predicts the Claude Code ``mix`` from its own
output tokens per request, and the check compares that with the mix's measured CPU per request.
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.15
CALIBRATION = ("short", "stream")
CHECKED = "mix"


@dataclass(frozen=True)
class Calibration:
    base_ms: float
    ms_per_output_token: float

    def cpu_ms(self, output_tokens: float) -> float:
        return self.base_ms + self.ms_per_output_token * output_tokens

    def rps_per_vcpu(self, output_tokens: float) -> float:
        return 1000 / self.cpu_ms(output_tokens)

    def rps_per_task(self, output_tokens: float, vcpus: float, utilization: float) -> float:
        """Requests/s a task of ``vcpus`` vCPUs (one worker each) serves at ``utilization`` of its CPU."""
        return vcpus * utilization * self.rps_per_vcpu(output_tokens)


def calibrate(short: dict, stream: dict) -> Calibration | None:
    """From two points (CPU ms per request, output tokens per request) of the same target and concurrency."""
    pairs = [(p.get("output_tokens_per_request"), p.get("cpu_s_per_1k")) for p in (short, stream)]
    if any(t is None or c is None for t, c in pairs) or pairs[1][0] == pairs[0][0]:
        return None
    (t0, c0), (t1, c1) = pairs
    per_token = (c1 - c0) / (t1 - t0)
    return Calibration(base_ms=c0 - per_token * t0, ms_per_output_token=per_token)


def sizing_checks(points: list[dict]) -> list[dict]:
    """One check per (target, workers, concurrency) that has the calibration scenarios and the mix."""
    index = {(p["scenario"], p["target"], p["workers"], p["concurrency"]): p for p in points}
    checks = []
    for (scenario, target, workers, concurrency), mix in index.items():
        if scenario != CHECKED or target == "baseline":
            continue
        short, stream = (index.get((name, target, workers, concurrency)) for name in CALIBRATION)
        if short is None or stream is None or not mix.get("cpu_s_per_1k"):
            continue
        if mix.get("output_tokens_per_request") is None:
            continue
        model = calibrate(short, stream)
        if model is None:
            continue
        tokens = mix["output_tokens_per_request"]
        predicted = model.cpu_ms(tokens)
        if predicted <= 0:
            continue
        measured = mix["cpu_s_per_1k"]
        error = measured / predicted - 1  # predicted rps per vCPU / measured rps per vCPU − 1
        checks.append(
            {
                "target": target,
                "workers": workers,
                "concurrency": concurrency,
                "base_ms": round(model.base_ms, 3),
                "ms_per_output_token": round(model.ms_per_output_token, 4),
                "calibration_tokens": [short["output_tokens_per_request"], stream["output_tokens_per_request"]],
                "mix_output_tokens": tokens,
                "predicted_ms": round(predicted, 3),
                "measured_ms": measured,
                "predicted_rps_per_vcpu": round(1000 / predicted, 1),
                "measured_rps_per_vcpu": round(1000 / measured, 1),
                "error": round(error, 4),
                "within_tolerance": abs(error) <= TOLERANCE,
            }
        )
    return checks
