"""smoke_test.py's reports: JSON (for scripts) and JUnit XML (for CI test tabs)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from llmgw.admin.smoke import CheckResult

SUITE = "smoke_test"


def counts(results: Sequence[CheckResult]) -> dict[str, int]:
    return {s: sum(r.status == s for r in results) for s in ("passed", "failed", "skipped")}


def json_report(
    results: Sequence[CheckResult], *, url: str, model: str, started: datetime, duration_s: float, admin_mode: str
) -> dict[str, Any]:
    c = counts(results)
    return {
        "gateway_url": url,
        "model": model,
        "admin_routes_mode": admin_mode,
        "started_at": started.isoformat(),
        "duration_s": round(duration_s, 3),
        "passed": c["failed"] == 0,
        "counts": c,
        "checks": [r.as_dict() for r in results],
    }


def junit_xml(results: Sequence[CheckResult], *, url: str, started: datetime, duration_s: float) -> bytes:
    c = counts(results)
    suites = ET.Element("testsuites", name=SUITE, tests=str(len(results)), failures=str(c["failed"]),
                        skipped=str(c["skipped"]), errors="0", time=f"{duration_s:.3f}")  # fmt: skip
    suite = ET.SubElement(suites, "testsuite", name=SUITE, tests=str(len(results)), failures=str(c["failed"]),
                          skipped=str(c["skipped"]), errors="0", time=f"{duration_s:.3f}",
                          timestamp=started.replace(tzinfo=None).isoformat(timespec="seconds"))  # fmt: skip
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="gateway_url", value=url)
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=SUITE, name=r.name, time=f"{r.duration_s:.3f}")
        if r.status == "failed":
            ET.SubElement(case, "failure", message=r.detail, type="SmokeCheckFailed").text = r.detail
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.detail)
        else:
            ET.SubElement(case, "system-out").text = r.detail
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)
