"""The audit log: one JSON line per issuance, refusal and revocation (who, from which proof, which rule).

Written to the ``llmgw.broker.audit`` logger (stdout on ECS and compose, so CloudWatch keeps it) and, when the
broker is given ``--audit-log FILE``, appended to that file. A key itself is never logged, only its alias.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("llmgw.broker.audit")


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        entry = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        line = json.dumps(entry, sort_keys=False, default=str)
        log.info(line)
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return entry
