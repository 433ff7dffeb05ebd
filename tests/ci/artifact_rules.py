"""What a workflow job sends off the runner, read from its steps (used by test_artifacts.py).

A Terraform plan file (`terraform plan -out=...`), its JSON rendering (`terraform show -json`: sensitive values in
clear) and state (`*.tfstate`, `terraform state pull`) hold the stack's secrets (the origin-verify and admin header
values, the Redis AUTH token). They may leave the runner only encrypted: to S3 with SSE-KMS under a named key
(`--sse aws:kms --sse-kms-key-id` / `--server-side-encryption aws:kms --ssekms-key-id`), never in an artifact.

The job's run scripts are followed file by file: a secret file copied, moved or redirected into a path that an
`actions/upload-artifact` step uploads is a leak, and so is an upload path that is itself such a file.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SECRET_NAME = re.compile(r"(^|/)(tfplan|[^/]*\.tfplan|[^/]*\.tfstate(\.backup)?|plan\.json|\.terraform)(/|$)")


@dataclass
class Leak:
    job: str
    step: str
    what: str

    def __str__(self) -> str:
        return f"{self.job} / {self.step}: {self.what}"


@dataclass
class JobFiles:
    """Secret files a job's run steps produce, by the path they are written to (variables left as written)."""

    secret: set[str] = field(default_factory=set)

    def add(self, path: str) -> None:
        self.secret.add(norm(path))

    def is_secret(self, path: str) -> bool:
        p = norm(path)
        return bool(SECRET_NAME.search(p)) or p in self.secret


def norm(path: str) -> str:
    p = path.strip().strip("'\"")
    for var in ("$TF_DIR/", '"$TF_DIR"/', "${TF_DIR}/"):
        if p.startswith(var):
            p = "TF_DIR/" + p[len(var) :]
    return str(PurePosixPath(p)) if p else p


def inside(path: str, directory: str) -> bool:
    p, d = norm(path), norm(directory)
    return p == d or p.startswith(d.rstrip("/") + "/")


def commands(script: str) -> list[list[str]]:
    """Shell commands of a run script, tokenised (line continuations joined, comments dropped)."""
    text = script.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"\s*(?:&&|\|\||;|\|)\s*", line):
            try:
                tokens = shlex.split(part, comments=True)
            except ValueError:
                tokens = part.split()
            if tokens:
                out.append(tokens)
    return out


def redirect_target(tokens: list[str]) -> str | None:
    for i, t in enumerate(tokens):
        if t in (">", ">>") and i + 1 < len(tokens):
            return tokens[i + 1]
        if t.startswith(">") and len(t) > 1 and not t.startswith(">&"):
            return t.lstrip(">")
    return None


def writes(tokens: list[str], files: JobFiles) -> list[tuple[str, bool]]:
    """(destination, carries a secret) for each file a command writes."""
    out: list[tuple[str, bool]] = []
    cmd = tokens[0]
    if cmd == "terraform":
        for t in tokens:
            if t.startswith("-out="):
                out.append((t.removeprefix("-out="), True))
        target = redirect_target(tokens)
        if target and "show" in tokens and "-json" in tokens:
            out.append((target, True))
        if target and "state" in tokens and "pull" in tokens:
            out.append((target, True))
    elif cmd in ("cp", "mv", "install", "rsync") and len(tokens) >= 3:
        args = [t for t in tokens[1:] if not t.startswith("-")]
        if len(args) >= 2:
            src, dst = args[:-1], args[-1]
            secret = any(files.is_secret(s) for s in src)
            out.append((dst if not dst.endswith("/") else dst + PurePosixPath(src[-1]).name, secret))
    elif cmd == "tee":
        out.extend((t, False) for t in tokens[1:] if not t.startswith("-"))
    return out


def s3_upload_leak(tokens: list[str], files: JobFiles) -> str | None:
    """An `aws s3 cp` / `aws s3api put-object` of a secret file without SSE-KMS under a named key."""
    if tokens[:1] != ["aws"] or len(tokens) < 3:
        return None
    if tokens[1] == "s3" and tokens[2] in ("cp", "sync", "mv"):
        sources = [t for t in tokens[3:-1] if not t.startswith("-") and not t.startswith("s3://")]
        encrypted = _flag(tokens, "--sse") == "aws:kms" and _flag(tokens, "--sse-kms-key-id")
    elif tokens[1] == "s3api" and tokens[2] == "put-object":
        body = _flag(tokens, "--body")
        sources = [body] if body else []
        encrypted = _flag(tokens, "--server-side-encryption") == "aws:kms" and _flag(tokens, "--ssekms-key-id")
    else:
        return None
    secret = [s for s in sources if files.is_secret(s)]
    if secret and not encrypted:
        return f"{' '.join(tokens[:3])} {secret[0]} without SSE-KMS under a named key"
    return None


def _flag(tokens: list[str], name: str) -> str | None:
    for i, t in enumerate(tokens):
        if t == name and i + 1 < len(tokens):
            return tokens[i + 1]
        if t.startswith(name + "="):
            return t.split("=", 1)[1]
    return None


def upload_paths(step: dict) -> list[str]:
    raw = str((step.get("with") or {}).get("path", ""))
    return [p.strip() for p in raw.splitlines() if p.strip() and not p.strip().startswith("!")]


def job_leaks(name: str, job: dict) -> list[Leak]:
    files = JobFiles()
    leaks: list[Leak] = []
    for step in job.get("steps", []):
        label = step.get("name") or step.get("uses") or "step"
        if "run" in step:
            for tokens in commands(str(step["run"])):
                for dst, secret in writes(tokens, files):
                    if secret:
                        files.add(dst)
                leak = s3_upload_leak(tokens, files)
                if leak:
                    leaks.append(Leak(name, str(label), leak))
        if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
            for path in upload_paths(step):
                if files.is_secret(path):
                    leaks.append(Leak(name, str(label), f"uploads {path}, a plan or state file"))
                    continue
                for secret in sorted(files.secret):
                    if inside(secret, path):
                        leaks.append(Leak(name, str(label), f"uploads {path}, which holds {secret}"))
    return leaks


def workflow_leaks(workflow: dict) -> list[Leak]:
    return [leak for name, job in (workflow.get("jobs") or {}).items() for leak in job_leaks(name, job)]
