#!/usr/bin/env python3
"""Render a Terraform plan as a pull-request comment / job summary (used by the terraform-plan and deploy workflows).

    plan_report.py --environment dev --plan-json plan.json --plan-text plan.txt --out comment.md [--json]
    plan_report.py --environment dev --error-log plan.log --out comment.md            # the plan failed

The comment starts with a hidden marker (`<!-- terraform-plan:dev -->`) so the workflow updates one sticky comment
per environment, shows the add/change/destroy counts the way `terraform plan` counts them (a replacement is one add
and one destroy), and folds the full `terraform show` text in <details>. A second marker carries the SHA-256 of the
plan text, so the deploy workflow can tell whether the plan it is about to apply is the one reviewed on the PR.
With --json the counts are printed on stdout. Standard library only: runs on any runner's python3.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# GitHub rejects comments over 65,536 characters; keep room for the header and the fences.
MAX_PLAN_CHARS = 60_000
ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class PlanReportError(Exception):
    """Bad input; printed as one line."""


@dataclass(frozen=True)
class Counts:
    add: int = 0
    change: int = 0
    destroy: int = 0
    imported: int = 0
    forget: int = 0

    @property
    def has_changes(self) -> bool:
        return any((self.add, self.change, self.destroy, self.imported, self.forget))


def count_changes(plan: dict) -> Counts:
    """Counts of a `terraform show -json` plan, matching the "Plan: X to add, Y to change, Z to destroy." line."""
    if "resource_changes" not in plan and "format_version" not in plan:
        raise PlanReportError("not a Terraform JSON plan (no format_version / resource_changes)")
    add = change = destroy = imported = forget = 0
    for rc in plan.get("resource_changes") or []:
        if rc.get("mode") == "data":
            continue
        change_block = rc.get("change") or {}
        actions = change_block.get("actions") or []
        if "create" in actions:
            add += 1
        if "delete" in actions:
            destroy += 1
        if actions == ["update"]:
            change += 1
        if actions == ["forget"]:
            forget += 1
        if change_block.get("importing") is not None:
            imported += 1
    return Counts(add=add, change=change, destroy=destroy, imported=imported, forget=forget)


def fingerprint(plan_text: str) -> str:
    """SHA-256 of the (redacted) plan text, whitespace at line ends ignored."""
    normalised = "\n".join(line.rstrip() for line in plan_text.strip().splitlines())
    return hashlib.sha256(normalised.encode()).hexdigest()


def fence_for(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    return "`" * max(3, longest + 1)


def truncate(text: str, limit: int = MAX_PLAN_CHARS) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut, True


def summary_line(counts: Counts) -> str:
    parts = [f"**{counts.add}** to add", f"**{counts.change}** to change", f"**{counts.destroy}** to destroy"]
    if counts.imported:
        parts.append(f"**{counts.imported}** to import")
    if counts.forget:
        parts.append(f"**{counts.forget}** to forget")
    return ", ".join(parts)


def render_plan(environment: str, counts: Counts, plan_text: str, *, run_url: str = "", commit: str = "") -> str:
    shown, truncated = truncate(plan_text.strip())
    fence = fence_for(shown)
    status = "has changes" if counts.has_changes else "no changes"
    lines = [
        f"<!-- terraform-plan:{environment} -->",
        f"<!-- plan-fingerprint:{environment}:{fingerprint(plan_text)} -->",
        f"### Terraform plan: `{environment}` ({status})",
        "",
        summary_line(counts) + ".",
        "",
    ]
    meta = []
    if commit:
        meta.append(f"commit `{commit[:12]}`")
    if run_url:
        meta.append(f"[workflow run]({run_url}) (the plan file is saved there as an artifact)")
    if meta:
        lines += ["Planned for " + ", ".join(meta) + ".", ""]
    lines += [
        "<details><summary>Full plan</summary>",
        "",
        f"{fence}text",
        shown,
        fence,
        "",
    ]
    if truncated:
        lines += [f"_Truncated to {MAX_PLAN_CHARS:,} characters; the full plan is in the workflow artifact._", ""]
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def render_error(environment: str, error_text: str, *, run_url: str = "", commit: str = "") -> str:
    shown, _ = truncate(error_text.strip() or "(no output)", 20_000)
    fence = fence_for(shown)
    lines = [
        f"<!-- terraform-plan:{environment} -->",
        f"### Terraform plan: `{environment}` (failed)",
        "",
        "`terraform plan` failed" + (f" for commit `{commit[:12]}`" if commit else "") + ".",
        "",
    ]
    if run_url:
        lines += [f"See the [workflow run]({run_url}).", ""]
    lines += ["<details open><summary>Error</summary>", "", f"{fence}text", shown, fence, "", "</details>"]
    return "\n".join(lines) + "\n"


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PlanReportError(f"cannot read {path}: {exc.strerror}") from exc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--environment", required=True, help="environment name (dev, prod...)")
    p.add_argument("--plan-json", help="output of `terraform show -json tfplan`")
    p.add_argument("--plan-text", help="output of `terraform show -no-color tfplan`")
    p.add_argument("--error-log", help="output of a failed `terraform plan` (instead of --plan-json/--plan-text)")
    p.add_argument("--out", required=True, help="where to write the Markdown")
    p.add_argument("--run-url", default="", help="link to the workflow run")
    p.add_argument("--commit", default="", help="commit the plan was made for")
    p.add_argument("--json", action="store_true", help="print counts and fingerprint as JSON on stdout")
    args = p.parse_args(argv)
    if not ENV_NAME.match(args.environment):
        p.error(f"invalid --environment {args.environment!r} (lower-case letters, digits, - and _)")
    if args.error_log is None and (args.plan_json is None or args.plan_text is None):
        p.error("give --plan-json and --plan-text, or --error-log")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.error_log is not None:
            body = render_error(args.environment, read_text(args.error_log), run_url=args.run_url, commit=args.commit)
            result: dict = {"environment": args.environment, "failed": True}
        else:
            try:
                plan = json.loads(read_text(args.plan_json))
            except json.JSONDecodeError as exc:
                raise PlanReportError(f"{args.plan_json} is not JSON: {exc.msg} at line {exc.lineno}") from exc
            if not isinstance(plan, dict):
                raise PlanReportError(f"{args.plan_json} is not a Terraform JSON plan")
            counts = count_changes(plan)
            text = read_text(args.plan_text)
            body = render_plan(args.environment, counts, text, run_url=args.run_url, commit=args.commit)
            result = {
                "environment": args.environment,
                "failed": False,
                **asdict(counts),
                "has_changes": counts.has_changes,
                "fingerprint": fingerprint(text),
            }
        Path(args.out).write_text(body, encoding="utf-8")
    except PlanReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
